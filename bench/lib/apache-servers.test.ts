import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { spawnLogged, terminate } from '../../interop/lib/java.ts';
import { ExitedAtStartup, whileRunning } from './apache-servers.ts';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'rmqts-while-running-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('whileRunning fails at once, with the output, when the server process exits, and aborts the work', async (t) => {
  const dir = tempDir(t);
  const proc = spawnLogged(process.execPath, ['-e', 'console.log("Address already in use"); process.exit(3)'], { cwd: dir, env: process.env, outFile: join(dir, 'out') });
  let aborted = false;
  const started = Date.now();
  await assert.rejects(
    whileRunning(proc, 'test broker', (signal) => new Promise<never>((_resolve, reject) => signal.addEventListener('abort', () => { aborted = true; reject(new Error('aborted')); }))),
    (error: unknown) => error instanceof ExitedAtStartup && /test broker exited \(3\)/.test(error.message) && /Address already in use/.test(error.message),
  );
  assert.ok(Date.now() - started < 5_000, 'no wait for the work to time out');
  assert.ok(aborted, 'the work is told to stop');
});

test('whileRunning returns what the work returns while the process runs', async (t) => {
  const dir = tempDir(t);
  const proc = spawnLogged(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { cwd: dir, env: process.env, outFile: join(dir, 'out') });
  t.after(() => terminate(proc, 5_000));
  assert.equal(await whileRunning(proc, 'test broker', async () => 42), 42);
});
