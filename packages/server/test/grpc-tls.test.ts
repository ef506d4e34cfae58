/**
 * TLS on the v5 gRPC port, from the remoting port's tls.server.* settings, with certificates made
 * by openssl at test time and a plain @grpc/grpc-js client: enforcing serves TLS clients only,
 * permissive serves TLS and plain on one port (the default mode), disabled and no key material
 * serve plain only, and need.client.auth=require refuses TLS clients without a trusted
 * certificate. The official clients over TLS: interop/test/grpc-tls.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { type ChannelCredentials, credentials, makeGenericClientConstructor, Metadata, type ServiceError } from '@grpc/grpc-js';
import { type BrokerConfig, hasOpenssl, makeTestCerts, startCluster } from '@rocketmq-ts/server/internal';
import { messagingServiceDefinition } from '../src/broker/grpc/proto.ts';



const MessagingClient = makeGenericClientConstructor(messagingServiceDefinition(), 'MessagingService');

interface QueryRouteClient {
  QueryRoute(request: object, metadata: Metadata, options: { deadline: number }, callback: (error: ServiceError | null, response?: { status: { code: string } }) => void): void;
  close(): void;
}

/** The status code QueryRoute answers (any answer proves the transport), or 'failed: …' when no call got through. */
async function queryRoute(target: string, channel: ChannelCredentials): Promise<string> {
  const client = new MessagingClient(target, channel) as unknown as QueryRouteClient;
  try {
    return await new Promise<string>((resolve) => {
      client.QueryRoute({ topic: { name: 'NoSuchTopic' }, endpoints: { addresses: [] } }, new Metadata(), { deadline: Date.now() + 5000 }, (error, response) => {
        resolve(error ? `failed: ${error.message}` : (response?.status.code ?? 'no status'));
      });
    });
  } finally {
    client.close();
  }
}

test('TLS on the gRPC port', { skip: hasOpenssl() ? false : 'openssl is not installed' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rmqts-grpc-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const certs = makeTestCerts(dir);
  const serverKeys = { 'tls.server.certPath': certs.cert, 'tls.server.keyPath': certs.key };
  const ca = readFileSync(certs.ca);
  const plain = credentials.createInsecure();
  const secure = credentials.createSsl(ca);
  const withClientCert = credentials.createSsl(ca, readFileSync(certs.clientKey), readFileSync(certs.clientCert));
  const withStrangerCert = credentials.createSsl(ca, readFileSync(certs.strangerKey), readFileSync(certs.strangerCert));
  const untrusting = credentials.createSsl(readFileSync(certs.strangerCert));
  const NOT_FOUND = 'TOPIC_NOT_FOUND';

  const start = async (st: TestContext, settings: Partial<BrokerConfig>): Promise<string> => {
    const cluster = await startCluster(undefined, settings);
    st.after(() => cluster.stop());
    return `127.0.0.1:${cluster.broker.grpcEndpoint!.port}`;
  };

  await t.test('enforcing: TLS only', async (st) => {
    const target = await start(st, { 'tls.server.mode': 'enforcing', ...serverKeys });
    assert.equal(await queryRoute(target, secure), NOT_FOUND);
    assert.match(await queryRoute(target, plain), /^failed/);
    assert.match(await queryRoute(target, untrusting), /^failed/, 'a client that does not trust the CA refuses the server');
  });
  await t.test('permissive (the default mode): TLS and plain on one port', async (st) => {
    const target = await start(st, serverKeys);
    assert.equal(await queryRoute(target, secure), NOT_FOUND);
    assert.equal(await queryRoute(target, plain), NOT_FOUND);
  });
  await t.test('disabled, or no key material: plain only', async (st) => {
    for (const settings of [{ 'tls.server.mode': 'disabled', ...serverKeys }, {}]) {
      const target = await start(st, settings);
      assert.equal(await queryRoute(target, plain), NOT_FOUND);
      assert.match(await queryRoute(target, secure), /^failed/);
    }
  });
  await t.test('need.client.auth=require: only clients with a trusted certificate', async (st) => {
    const target = await start(st, { 'tls.server.mode': 'enforcing', ...serverKeys, 'tls.server.trustCertPath': certs.ca, 'tls.server.need.client.auth': 'require' });
    assert.equal(await queryRoute(target, withClientCert), NOT_FOUND);
    assert.match(await queryRoute(target, secure), /^failed/, 'no client certificate');
    assert.match(await queryRoute(target, withStrangerCert), /^failed/, 'a client certificate from an untrusted CA');
  });
  await t.test('need.client.auth=optional: clients with and without a certificate', async (st) => {
    const target = await start(st, { 'tls.server.mode': 'enforcing', ...serverKeys, 'tls.server.trustCertPath': certs.ca, 'tls.server.need.client.auth': 'optional' });
    assert.equal(await queryRoute(target, withClientCert), NOT_FOUND);
    assert.equal(await queryRoute(target, secure), NOT_FOUND);
  });
});
