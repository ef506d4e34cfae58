/**
 * TLS with the official Java client 4.8.0 (-Dtls.enable=true; its default tls.test.mode trusts
 * any certificate) against our name server and broker: enforcing serves the TLS client and
 * shuts the plain one out; permissive serves both on the same ports. Certificates are made by
 * openssl at test time.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { hasOpenssl, makeTestCerts, NameServer, startBroker } from '@rocketmq-ts/server/internal';
import { runJavaProgram } from '../lib/java-client.ts';
import { uniqueName } from '../lib/targets.ts';
import { defer } from '../lib/cleanup.ts';

interface ProbeLine {
  op: string;
  ok: boolean;
  code: number;
  remark: string | null;
  result?: unknown;
}



test('TLS: the Java client with tls.enable against our enforcing and permissive modes', { timeout: 600_000, skip: hasOpenssl() ? false : 'openssl is not installed' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rmqts-tls-interop-'));
  defer(t, () => rmSync(dir, { recursive: true, force: true }));
  const certs = makeTestCerts(dir);
  const keys = { 'tls.server.certPath': certs.cert, 'tls.server.keyPath': certs.key };

  const cluster = async (mode: 'enforcing' | 'permissive') => {
    const namesrv = new NameServer({ config: { listenPort: 0, bindAddress: '127.0.0.1', kvConfigPath: join(dir, `kv-${mode}.json`), 'tls.server.mode': mode, ...keys } });
    const { port } = await namesrv.start();
    defer(t, () => namesrv.stop());
    const namesrvAddr = `127.0.0.1:${port}`;
    const { broker } = await startBroker(t, namesrvAddr, { 'tls.server.mode': mode, ...keys, 'tls.enable': true });
    return { namesrvAddr, brokerAddr: broker.brokerAddr };
  };
  const probe = (target: { namesrvAddr: string; brokerAddr: string }, tls: boolean) =>
    runJavaProgram<ProbeLine>(
      'AclProbe',
      ['--namesrv', target.namesrvAddr, '--broker', target.brokerAddr, '--broker-name', 'broker-a', '--topic', uniqueName('tls'), '--group', uniqueName('tlsg'), '--ops', 'send,pull'],
      120_000,
      tls ? ['-Dtls.enable=true'] : [],
    );

  const enforcing = await cluster('enforcing');
  const overTls = await probe(enforcing, true);
  assert.deepEqual(overTls.map((line) => [line.op, line.ok]), [['send', true], ['pull', true]], JSON.stringify(overTls));
  assert.equal(overTls[0]!.result, 'SEND_OK');
  const plainRefused = await probe(enforcing, false);
  assert.deepEqual(plainRefused.map((line) => line.ok), [false, false], JSON.stringify(plainRefused));

  const permissive = await cluster('permissive');
  for (const tls of [true, false]) {
    const lines = await probe(permissive, tls);
    assert.deepEqual(lines.map((line) => [line.op, line.ok]), [['send', true], ['pull', true]], `tls=${tls}: ${JSON.stringify(lines)}`);
  }
});
