/**
 * Restart after kill -9 as store size grows: a child fills a store to each size under load,
 * is SIGKILLed, and the store is reopened here; the figure is the time until it accepts a put.
 * Usage: npm run bench:recovery -- [sizes in MiB, default 1024,10240] [--keep-dir DIR]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageStore } from '@rocketmq-ts/store';

const child = fileURLToPath(new URL('./recovery/writer-child.ts', import.meta.url));
const args = process.argv.slice(2);
const sizes = (args.find((arg) => /^\d/.test(arg)) ?? '1024,10240').split(',').map((mib) => Number(mib) * 1024 * 1024);
const root = args.includes('--dir') ? args[args.indexOf('--dir') + 1]! : tmpdir();
/** How long the child keeps writing after reaching the size before the kill. */
const RUN_ON_MS = 3000;

async function fillAndKill(dir: string, bytes: number): Promise<{ fillSeconds: number; written: number }> {
  const started = performance.now();
  const proc = spawn(process.execPath, ['--import', 'tsx', '--conditions=rocketmq-ts-source', child, dir, String(bytes), 'ASYNC_FLUSH'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const written = await new Promise<number>((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /ready (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    proc.on('exit', (code) => reject(new Error(`writer exited with ${code} before the store was filled`)));
  });
  const fillSeconds = (performance.now() - started) / 1000;
  await new Promise((resolve) => setTimeout(resolve, RUN_ON_MS));
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGKILL');
  await exited;
  return { fillSeconds, written };
}

console.log('size_MiB\tfill_s\trecovery_ms\tscan_from_MiB\tlog_end_MiB\tredispatched_from_MiB');
for (const bytes of sizes) {
  const dir = await mkdtemp(join(root, 'rmq-recovery-'));
  try {
    const { fillSeconds } = await fillAndKill(dir, bytes);
    const started = performance.now();
    const phases: string[] = [];
    const note = (_fields: object, message?: string): void => void phases.push(`${(performance.now() - started).toFixed(0)}ms ${message ?? ''}`);
    const store = await MessageStore.open({ storePathRootDir: dir, logger: { debug: () => {}, info: note, warn: note, error: note } });
    const put = await store.putMessage({
      topic: 'RecoveryBench',
      queueId: 0,
      flag: 0,
      body: Buffer.from('after'),
      propertiesText: '',
      sysFlag: 0,
      bornTimestamp: Date.now(),
      bornHost: { address: '127.0.0.1', port: 1 },
      storeHost: { address: '127.0.0.1', port: 10911 },
      reconsumeTimes: 0,
      preparedTransactionOffset: 0,
    });
    const recoveryMs = performance.now() - started;
    if (put.status !== 'PUT_OK') throw new Error(`put after recovery: ${put.status}`);
    const report = store.commitLog.recovery;
    const mib = (n: number): string => (n / 1048576).toFixed(0);
    console.log(`${mib(bytes)}\t${fillSeconds.toFixed(1)}\t${recoveryMs.toFixed(0)}\t${mib(report.scanFrom)}\t${mib(report.end)}`);
    if (args.includes('--phases')) for (const phase of phases) console.log(`  ${phase}`);
    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
