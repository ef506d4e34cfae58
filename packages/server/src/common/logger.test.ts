/** Logs: JSON lines when asked, secrets redacted at any depth we log them, rotated files. */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger, createProcessLogger } from './logger.ts';

function capture(): { stream: Writable; lines: () => string[] } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return { stream, lines: () => text.split('\n').filter(Boolean) };
}

describe('logger', () => {
  it('json: one JSON object per line, secrets written as ***', () => {
    const out = capture();
    const logger = createLogger('broker', { level: 'info', format: 'json', destination: out.stream });
    logger.info({ secretKey: 's3cr3t', accessKey: 'RocketMQ' }, 'account loaded');
    logger.info({ account: { secretKey: 's3cr3t', password: 'pw' } }, 'nested');
    logger.info({ settings: { 'tls.server.keyPassword': 'kp' } }, 'broker settings updated');
    logger.info({ acl: { accounts: [{ accessKey: 'a', secretKey: 's3cr3t' }] } }, 'acl');
    logger.info({ accounts: [{ accessKey: 'a', secretKey: 's3cr3t' }] }, 'accounts');
    const lines = out.lines();
    assert.equal(lines.length, 5);
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(records[0]!['accessKey'], 'RocketMQ');
    assert.equal(records[0]!['secretKey'], '***');
    for (const line of lines) assert.doesNotMatch(line, /s3cr3t|"pw"|"kp"/, line);
  });

  it('pretty: human lines, secrets redacted too', () => {
    const out = capture();
    const logger = createLogger('broker', { level: 'info', format: 'pretty', destination: out.stream });
    logger.warn({ password: 'pw-value' }, 'console user loaded');
    const text = out.lines().join('\n');
    assert.match(text, /WARN.*console user loaded/);
    assert.doesNotMatch(text, /pw-value/);
    assert.throws(() => JSON.parse(out.lines()[0]!));
  });

  it('--logFile writes JSON to a rotated file', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'rmqts-log-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const out = capture();
    const logger = await createProcessLogger('broker', { level: 'info', format: 'pretty', destination: out.stream, file: join(dir, 'logs', 'broker.log') });
    logger.info({ secretKey: 'zzz' }, 'to the file');
    logger.flush();
    await new Promise((r) => setTimeout(r, 200));
    const files = await readdir(join(dir, 'logs'));
    assert.equal(files.length, 1, files.join());
    assert.match(files[0]!, /^broker\.\d+\.log$|^broker\.\d{4}-\d{2}-\d{2}\.\d+\.log$/);
    const record = JSON.parse((await readFile(join(dir, 'logs', files[0]!), 'utf8')).trim()) as Record<string, unknown>;
    assert.equal(record['msg'], 'to the file');
    assert.equal(record['secretKey'], '***');
    assert.match(out.lines().join('\n'), /to the file/);
  });
});
