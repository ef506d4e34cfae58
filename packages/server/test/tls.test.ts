/**
 * TLS on the remoting ports (tls.server.mode) with certificates made by openssl at test time:
 * enforcing serves TLS clients and closes plain ones, permissive serves both on one port,
 * disabled closes TLS; the broker registers with a TLS-only name server (tls.enable), and the
 * TS producer and consumer work over TLS end to end.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createRequest, RemotingClient, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import { Producer, PushConsumer, type MessageExt } from '@rocketmq-ts/client';
import { hasOpenssl, makeTestCerts, NameServer, startBroker } from '@rocketmq-ts/server/internal';



const id = () => randomUUID().replace(/-/g, '').slice(0, 8);

async function answers(client: RemotingClient, addr: string): Promise<boolean> {
  try {
    const response = await client.invoke(addr, createRequest(RequestCode.GET_BROKER_CLUSTER_INFO), 3000);
    return response.code === ResponseCode.SUCCESS;
  } catch {
    return false;
  }
}

test('TLS modes', { skip: hasOpenssl() ? false : 'openssl is not installed' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rmqts-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const certs = makeTestCerts(dir);
  const serverKeys = { 'tls.server.certPath': certs.cert, 'tls.server.keyPath': certs.key };
  const start = async (mode: string, extra: Record<string, string> = {}) => {
    const namesrv = new NameServer({ config: { listenPort: 0, bindAddress: '127.0.0.1', kvConfigPath: join(dir, `kv-${id()}.json`), 'tls.server.mode': mode, ...serverKeys, ...extra } });
    const { port } = await namesrv.start();
    t.after(() => namesrv.stop());
    return `127.0.0.1:${port}`;
  };
  const plain = new RemotingClient();
  const secure = new RemotingClient({ tls: { ca: readFileSync(certs.ca) } });
  const untrusting = new RemotingClient({ tls: true });
  t.after(async () => {
    await plain.close();
    await secure.close();
    await untrusting.close();
  });

  await t.test('enforcing: TLS only', async () => {
    const addr = await start('enforcing');
    assert.equal(await answers(secure, addr), true);
    assert.equal(await answers(plain, addr), false);
    assert.equal(await answers(untrusting, addr), false, 'a client that does not trust the CA refuses the server');
  });
  await t.test('permissive: both on one port', async () => {
    const addr = await start('permissive');
    assert.equal(await answers(secure, addr), true);
    assert.equal(await answers(plain, addr), true);
  });
  await t.test('disabled: plain only', async () => {
    const addr = await start('disabled');
    assert.equal(await answers(plain, addr), true);
    assert.equal(await answers(secure, addr), false);
  });
  await t.test('need.client.auth=require: only clients with a certificate from the trusted CA', async () => {
    const addr = await start('enforcing', { 'tls.server.need.client.auth': 'require', 'tls.server.trustCertPath': certs.ca });
    const withCert = new RemotingClient({ tls: { ca: readFileSync(certs.ca), cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) } });
    t.after(() => withCert.close());
    assert.equal(await answers(withCert, addr), true);
    const noCert = new RemotingClient({ tls: { ca: readFileSync(certs.ca) } });
    t.after(() => noCert.close());
    assert.equal(await answers(noCert, addr), false);
  });
  await t.test('enforcing without key material refuses to start', () => {
    assert.throws(() => new NameServer({ config: { listenPort: 0, 'tls.server.mode': 'enforcing' } }), /needs tls.server.certPath and tls.server.keyPath/);
    assert.throws(() => new NameServer({ config: { listenPort: 0, 'tls.server.mode': 'strict' } }), /must be disabled, permissive or enforcing/);
  });

  await t.test('a TLS-only cluster: broker registers over TLS, the TS client sends and consumes over TLS', async () => {
    const namesrvAddr = await start('enforcing');
    const { broker } = await startBroker(t, namesrvAddr, { 'tls.server.mode': 'enforcing', ...serverKeys, 'tls.enable': true, 'tls.client.authServer': true, 'tls.client.trustCertPath': certs.ca });
    const tls = { ca: readFileSync(certs.ca) };
    const topic = `tls_${id()}`;
    const producer = new Producer({ namesrvAddr, groupName: `tlsp_${id()}`, tls });
    await producer.start();
    t.after(() => producer.shutdown());
    const sent = await producer.send({ topic, body: 'over TLS' });
    assert.equal(sent.sendStatus, 'SEND_OK');
    assert.equal(await answers(plain, broker.brokerAddr), false, 'the broker port refuses plain clients');
    const received: MessageExt[] = [];
    const consumer = new PushConsumer({ namesrvAddr, groupName: `tlsc_${id()}`, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', tls });
    consumer.subscribe(topic, '*');
    consumer.onMessage(async (message) => {
      received.push(message);
    });
    await consumer.start();
    t.after(() => consumer.shutdown());
    const deadline = Date.now() + 20_000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(received[0]?.body.toString(), 'over TLS');
  });
});
