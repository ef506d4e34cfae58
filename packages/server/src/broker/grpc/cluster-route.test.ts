/**
 * The route → v5 queues mapping (every master's queues with its endpoint; this broker's own from
 * its topic config), the per-broker assignments, and ClusterRoute's route cache and fallbacks,
 * with a fake clock and fake name servers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PermName, type TopicRouteData } from '@rocketmq-ts/protocol';
import { silentServerLogger } from '../../common/logger.ts';
import { BrokerGrpcEndpoints, endpointsOf } from './broker-grpc-endpoints.ts';
import { brokerAssignments, brokerQueues, ClusterRoute, type LocalQueues, routeMasters, routeMessageQueues } from './cluster-route.ts';
import type { MessageQueue } from './types.ts';

const TOPIC = 'RouteTopic';
const RW = PermName.READ | PermName.WRITE;

function route(brokers: { name: string; addrs: [number, string][]; perm?: number; read?: number; write?: number }[]): TopicRouteData {
  return {
    queueDatas: brokers.map((b) => ({ brokerName: b.name, readQueueNums: b.read ?? 4, writeQueueNums: b.write ?? 4, perm: b.perm ?? RW, topicSysFlag: 0 })),
    brokerDatas: brokers.map((b) => ({ cluster: 'DefaultCluster', brokerName: b.name, brokerAddrs: new Map(b.addrs) })),
    filterServerTable: new Map(),
  };
}

const localEndpoints = endpointsOf('127.0.0.1', 8081);
function localQueues(nums = { perm: RW, readQueueNums: 4, writeQueueNums: 4 }): LocalQueues {
  return { brokerName: 'broker-a', queues: brokerQueues(TOPIC, nums, { name: 'broker-a', id: 0, endpoints: localEndpoints }) };
}

const summary = (queues: readonly MessageQueue[]): string[] => queues.map((q) => `${q.broker.name}/${q.id}/${q.permission}@${q.broker.endpoints.addresses[0]!.host}:${q.broker.endpoints.addresses[0]!.port}`);

describe('brokerQueues', () => {
  it('marks queues past readQueueNums write-only and past writeQueueNums read-only', () => {
    const queues = brokerQueues(TOPIC, { perm: RW, readQueueNums: 2, writeQueueNums: 3 }, { name: 'b', id: 0, endpoints: localEndpoints });
    assert.deepEqual(queues.map((q) => q.permission), ['READ_WRITE', 'READ_WRITE', 'WRITE']);
  });
  it('follows the permission: read-only topic, no access', () => {
    assert.deepEqual(brokerQueues(TOPIC, { perm: PermName.READ, readQueueNums: 2, writeQueueNums: 2 }, { name: 'b', id: 0, endpoints: localEndpoints }).map((q) => q.permission), ['READ', 'READ']);
    assert.deepEqual(brokerQueues(TOPIC, { perm: 0, readQueueNums: 1, writeQueueNums: 1 }, { name: 'b', id: 0, endpoints: localEndpoints }).map((q) => q.permission), ['NONE']);
  });
});

describe('routeMessageQueues', () => {
  it("names every master's queues with that broker's endpoints, this broker's from its own config", () => {
    const r = route([
      { name: 'broker-b', addrs: [[0, '10.0.0.2:10911'], [1, '10.0.0.3:10911']], perm: PermName.READ, read: 2, write: 2 },
      { name: 'broker-a', addrs: [[0, '10.0.0.1:10911']], read: 8, write: 8 },
    ]);
    const endpoints = new Map([['broker-b', endpointsOf('10.0.0.2', 8082)]]);
    assert.deepEqual(summary(routeMessageQueues(TOPIC, r, endpoints, localQueues())), [
      ...[0, 1, 2, 3].map((id) => `broker-a/${id}/READ_WRITE@127.0.0.1:8081`),
      'broker-b/0/READ@10.0.0.2:8082',
      'broker-b/1/READ@10.0.0.2:8082',
    ]);
  });
  it('leaves out brokers without endpoints and keeps this broker when the route lacks it', () => {
    const r = route([
      { name: 'broker-b', addrs: [[0, '10.0.0.2:10911']] },
      { name: 'broker-c', addrs: [[0, '10.0.0.4:10911']] },
    ]);
    const queues = routeMessageQueues(TOPIC, r, new Map([['broker-c', endpointsOf('10.0.0.4', 8083)]]), localQueues());
    assert.deepEqual([...new Set(queues.map((q) => q.broker.name))], ['broker-a', 'broker-c']);
    assert.ok(queues.every((q) => q.broker.id === 0));
  });
  it('answers the other brokers when this one lacks the topic', () => {
    const r = route([{ name: 'broker-a', addrs: [[0, '10.0.0.1:10911']] }, { name: 'broker-b', addrs: [[0, '10.0.0.2:10911']] }]);
    const queues = routeMessageQueues(TOPIC, r, new Map([['broker-b', endpointsOf('10.0.0.2', 8082)]]), { brokerName: 'broker-a', queues: undefined });
    assert.deepEqual([...new Set(queues.map((q) => q.broker.name))], ['broker-b']);
  });
});

describe('routeMasters', () => {
  it('takes brokerId 0 of brokers that have queue data', () => {
    const r = route([{ name: 'broker-a', addrs: [[0, 'a:1']] }, { name: 'broker-b', addrs: [[1, 'b-slave:1']] }]);
    r.brokerDatas.push({ cluster: 'c', brokerName: 'broker-x', brokerAddrs: new Map([[0, 'x:1']]) });
    assert.deepEqual([...routeMasters(r)], [['broker-a', 'a:1']]);
  });
});

describe('brokerAssignments', () => {
  it('gives one queue −1 per broker with a readable queue', () => {
    const b = brokerQueues(TOPIC, { perm: PermName.READ, readQueueNums: 2, writeQueueNums: 2 }, { name: 'broker-b', id: 0, endpoints: endpointsOf('10.0.0.2', 8082) });
    const c = brokerQueues(TOPIC, { perm: PermName.WRITE, readQueueNums: 2, writeQueueNums: 2 }, { name: 'broker-c', id: 0, endpoints: endpointsOf('10.0.0.4', 8083) });
    const assignments = brokerAssignments(TOPIC, [...localQueues().queues!, ...b, ...c]);
    assert.deepEqual(
      assignments.map((a) => `${a.messageQueue.broker.name}/${a.messageQueue.id}/${a.messageQueue.permission}`),
      ['broker-a/-1/READ_WRITE', 'broker-b/-1/READ'],
    );
  });
});

/** A ClusterRoute over scripted name servers and brokers, on a fake clock. */
function harness(options: { namesrvs?: string[]; ports?: Record<string, number> } = {}) {
  const clock = { ms: 1_000_000 };
  const calls = { route: [] as string[], config: [] as string[] };
  const answers = new Map<string, () => Promise<TopicRouteData | undefined>>();
  const ports = options.ports ?? { '10.0.0.2:10911': 8082 };
  const endpoints = new BrokerGrpcEndpoints({
    lookupPort: async (addr) => {
      calls.config.push(addr);
      const port = ports[addr];
      if (port === undefined) throw new Error('connect ECONNREFUSED');
      return port;
    },
    logger: silentServerLogger(),
    now: () => clock.ms,
  });
  const cluster = new ClusterRoute({
    namesrvAddrs: () => options.namesrvs ?? ['ns1:9876'],
    fetchRoute: (addr, topic) => {
      calls.route.push(addr);
      const answer = answers.get(addr);
      return answer ? answer() : Promise.reject(new Error(`connect ECONNREFUSED ${addr} (${topic})`));
    },
    endpoints,
    logger: silentServerLogger(),
    now: () => clock.ms,
  });
  return { clock, calls, answers, cluster };
}

const twoBrokers = route([{ name: 'broker-a', addrs: [[0, '10.0.0.1:10911']] }, { name: 'broker-b', addrs: [[0, '10.0.0.2:10911']] }]);

describe('ClusterRoute', () => {
  it('answers with every broker of the route, asking each other broker its port once', async () => {
    const { calls, answers, cluster } = harness();
    answers.set('ns1:9876', async () => twoBrokers);
    const queues = await cluster.messageQueues(TOPIC, localQueues());
    assert.deepEqual([...new Set(summary(queues!).map((s) => s.replace(/\/\d+\/READ_WRITE/, '')))], ['broker-a@127.0.0.1:8081', 'broker-b@10.0.0.2:8082']);
    await cluster.messageQueues(TOPIC, localQueues());
    assert.deepEqual(calls.config, ['10.0.0.2:10911'], 'the local broker is never asked; the other once');
    assert.deepEqual(calls.route, ['ns1:9876'], 'the route is cached');
  });

  it('falls back to the local queues: name server unreachable, topic not registered yet', async () => {
    const down = harness();
    assert.deepEqual(await down.cluster.messageQueues(TOPIC, localQueues()), localQueues().queues);
    assert.equal(await down.cluster.messageQueues(TOPIC, { brokerName: 'broker-a', queues: undefined }), undefined);
    const unknown = harness();
    unknown.answers.set('ns1:9876', async () => undefined);
    assert.deepEqual(await unknown.cluster.messageQueues(TOPIC, localQueues()), localQueues().queues);
    const none = harness({ namesrvs: [] });
    assert.deepEqual(await none.cluster.messageQueues(TOPIC, localQueues()), localQueues().queues);
  });

  it('tries the next name server, and asks the one that answered first next time', async () => {
    const { clock, calls, answers, cluster } = harness({ namesrvs: ['ns1:9876', 'ns2:9876'] });
    answers.set('ns2:9876', async () => twoBrokers);
    assert.equal((await cluster.route(TOPIC))?.brokerDatas.length, 2);
    clock.ms += 60_000;
    await cluster.route(TOPIC);
    assert.deepEqual(calls.route, ['ns1:9876', 'ns2:9876', 'ns2:9876']);
  });

  it('serves a stale route while fetching a newer one, and a fresh one without asking', async () => {
    const { clock, calls, answers, cluster } = harness();
    let current: TopicRouteData | undefined = twoBrokers;
    answers.set('ns1:9876', async () => current);
    await cluster.route(TOPIC);
    clock.ms += 1_000;
    await cluster.route(TOPIC);
    assert.equal(calls.route.length, 1, 'fresh for 2 s');
    clock.ms += 2_000;
    current = route([{ name: 'broker-b', addrs: [[0, '10.0.0.2:10911']] }]);
    assert.equal((await cluster.route(TOPIC))?.brokerDatas.length, 2, 'the stale route answers at once');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal((await cluster.route(TOPIC))?.brokerDatas.length, 1, 'the refreshed one next');
    assert.equal(calls.route.length, 2);
  });

  it('keeps a stale route when the name server stops answering, and remembers "no route" briefly', async () => {
    const { clock, calls, answers, cluster } = harness();
    answers.set('ns1:9876', async () => twoBrokers);
    await cluster.route(TOPIC);
    answers.delete('ns1:9876');
    clock.ms += 5_000;
    assert.ok(await cluster.route(TOPIC));
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(await cluster.route(TOPIC), 'still the last route within 30 s');
    clock.ms += 60_000;
    assert.equal(await cluster.route(TOPIC), undefined, 'too old: none');
    const asked = calls.route.length;
    assert.equal(await cluster.route(TOPIC), undefined);
    assert.equal(calls.route.length, asked, 'the failure is remembered: no new wait');
  });

  it('one lookup for concurrent queries', async () => {
    const { calls, answers, cluster } = harness();
    answers.set('ns1:9876', () => new Promise((resolve) => setTimeout(() => resolve(twoBrokers), 10)));
    await Promise.all([cluster.route(TOPIC), cluster.route(TOPIC), cluster.route(TOPIC)]);
    assert.equal(calls.route.length, 1);
  });

  it('leaves out a broker that does not tell its port', async () => {
    const { answers, cluster } = harness({ ports: {} });
    answers.set('ns1:9876', async () => twoBrokers);
    const queues = await cluster.messageQueues(TOPIC, localQueues());
    assert.deepEqual([...new Set(queues!.map((q) => q.broker.name))], ['broker-a']);
  });
});
