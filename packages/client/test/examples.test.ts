/**
 * The README's client examples (examples/pay-producer.ts, examples/pay-consumer.ts) are the
 * files shown in README.md, and they work: run as separate processes against a real name
 * server and broker, the producer's ten sends are all SEND_OK, the consumer receives all ten
 * and stops cleanly on Ctrl-C (SIGINT).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { startCluster } from '@rocketmq-ts/server/internal';

const root = new URL('../../../', import.meta.url);
const exampleFiles = ['examples/pay-producer.ts', 'examples/pay-consumer.ts'];

function runExample(file: string, namesrvAddr: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=rocketmq-ts-source', file], {
    cwd: root,
    env: { ...process.env, NAMESRV_ADDR: namesrvAddr },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  let buffered = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let signal: string | null = null;
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code, by) => {
      signal = by;
      resolve(code);
    }),
  );
  // A child ended by a signal has no exit code; say which signal and what it printed.
  return { child, lines, exited, stderr: () => `${signal ? `ended by ${signal}; ` : ''}stdout:\n${lines.join('\n')}\nstderr:\n${stderr}` };
}

async function until(condition: () => boolean, millis: number, what: () => string): Promise<void> {
  const deadline = Date.now() + millis;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('README.md shows the example files verbatim', () => {
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  for (const file of exampleFiles) {
    const source = readFileSync(new URL(file, root), 'utf8').trimEnd();
    assert.ok(readme.includes('```ts\n' + source + '\n```'), `README.md has ${file} in a ts code block`);
  }
});

test('PayProducer and PayConsumer run against a name server and broker', async (t) => {
  const cluster = await startCluster(t);
  const producer = runExample(exampleFiles[0]!, cluster.namesrvAddr);
  assert.equal(await producer.exited, 0, producer.stderr());
  assert.equal(producer.lines.filter((line) => line.startsWith('SEND_OK ')).length, 10, producer.lines.join('\n'));

  const consumer = runExample(exampleFiles[1]!, cluster.namesrvAddr);
  try {
    await until(() => consumer.lines.filter((l) => l.startsWith('received ')).length >= 10, 20_000, () => `10 received lines in:\n${consumer.lines.join('\n')}\n${consumer.stderr()}`);
    const bodies = consumer.lines.filter((l) => l.startsWith('received ')).map((l) => l.slice(l.indexOf('body=') + 5)).sort();
    assert.deepEqual(bodies, Array.from({ length: 10 }, (_, i) => `Hello RocketMQ ${i}`).sort());
    // Messages can arrive before start() resolves; the example handles SIGINT only from then on.
    await until(() => consumer.lines.includes('consumer started'), 20_000, () => `"consumer started" in:\n${consumer.stderr()}`);
    consumer.child.kill('SIGINT');
    assert.equal(await consumer.exited, 0, consumer.stderr());
    assert.ok(consumer.lines.includes('consumer stopped'));
  } finally {
    consumer.child.kill('SIGKILL');
  }
});
