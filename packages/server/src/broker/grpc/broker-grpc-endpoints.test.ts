/**
 * The per-broker gRPC endpoint cache: one GET_BROKER_CONFIG per broker per 30 s, gRPC off
 * (−1) and unreachable brokers left out, a failure asked again after its short hold.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentServerLogger } from '../../common/logger.ts';
import { BrokerGrpcEndpoints, endpointsOf, hostOf, parseGrpcPort } from './broker-grpc-endpoints.ts';

function harness(answer: (addr: string) => Promise<number>) {
  const clock = { ms: 1_000_000 };
  const asked: string[] = [];
  const cache = new BrokerGrpcEndpoints({
    lookupPort: (addr) => {
      asked.push(addr);
      return answer(addr);
    },
    logger: silentServerLogger(),
    now: () => clock.ms,
  });
  return { clock, asked, cache };
}

describe('BrokerGrpcEndpoints', () => {
  it("uses the remoting address's host and the reported port, cached for 30 s", async () => {
    const { clock, asked, cache } = harness(async () => 8082);
    assert.deepEqual(await cache.endpointsOf('10.0.0.2:10911'), endpointsOf('10.0.0.2', 8082));
    clock.ms += 29_000;
    await cache.endpointsOf('10.0.0.2:10911');
    assert.equal(asked.length, 1);
    clock.ms += 2_000;
    await cache.endpointsOf('10.0.0.2:10911');
    assert.equal(asked.length, 2, 'asked again once the entry ran out');
  });

  it('leaves out a broker with gRPC off, trusting that for 30 s too', async () => {
    const { clock, asked, cache } = harness(async () => -1);
    assert.equal(await cache.endpointsOf('10.0.0.2:10911'), undefined);
    clock.ms += 10_000;
    assert.equal(await cache.endpointsOf('10.0.0.2:10911'), undefined);
    assert.equal(asked.length, 1);
  });

  it('leaves out a broker that does not answer, and asks again after 5 s', async () => {
    let up = false;
    const { clock, asked, cache } = harness(async () => {
      if (!up) throw new Error('connect ECONNREFUSED');
      return 8083;
    });
    assert.equal(await cache.endpointsOf('10.0.0.3:10911'), undefined);
    clock.ms += 1_000;
    assert.equal(await cache.endpointsOf('10.0.0.3:10911'), undefined);
    assert.equal(asked.length, 1, 'held for a moment: a dead broker does not slow every QueryRoute');
    up = true;
    clock.ms += 5_000;
    assert.deepEqual(await cache.endpointsOf('10.0.0.3:10911'), endpointsOf('10.0.0.3', 8083));
  });

  it('shares one call between concurrent queries', async () => {
    const { asked, cache } = harness(() => new Promise((resolve) => setTimeout(() => resolve(8082), 10)));
    await Promise.all([cache.endpointsOf('b:1'), cache.endpointsOf('b:1'), cache.endpointsOf('c:1')]);
    assert.deepEqual(asked, ['b:1', 'c:1']);
  });
});

describe('endpoint helpers', () => {
  it('hostOf and the address scheme', () => {
    assert.equal(hostOf('10.0.0.2:10911'), '10.0.0.2');
    assert.equal(hostOf('[::1]:10911'), '::1');
    assert.equal(endpointsOf('10.0.0.2', 1).scheme, 'IPv4');
    assert.equal(endpointsOf('::1', 1).scheme, 'IPv6');
    assert.equal(endpointsOf('broker-b.local', 1).scheme, 'DOMAIN_NAME');
  });
  it('parseGrpcPort accepts −1 and ports, refuses the rest naming the broker', () => {
    assert.equal(parseGrpcPort('8081', 'b:1'), 8081);
    assert.equal(parseGrpcPort('-1', 'b:1'), -1);
    for (const bad of [undefined, '', '0', 'x', '70000']) assert.throws(() => parseGrpcPort(bad, 'b:1'), /broker b:1 reports no usable grpcServerPort/);
  });
});
