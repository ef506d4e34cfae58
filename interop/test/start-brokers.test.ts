/**
 * `npm start -- --brokers 2`: two master brokers of one cluster on one host, each its own
 * process, ports and store (the RocketMQ way to use several cores). A topic created on the
 * cluster (as `mqadmin updateTopic -c` does) lives on both; our TypeScript producer's normal
 * queue selection spreads its sends over both brokers, and one consumer group gets them all.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Admin, Producer, PushConsumer } from '@rocketmq-ts/client';
import { killOnExit, repoRoot } from '../lib/java.ts';
import { defer } from '../lib/cleanup.ts';

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer().once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A base port whose two brokers (base, base + 10) find their VIP (−2), listen and HA (+1) ports free, and a name-server port. */
async function freePorts(): Promise<{ namesrvPort: number; basePort: number }> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    const ports = [base - 10, ...[0, 10].flatMap((k) => [base + k - 2, base + k, base + k + 1])];
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return { namesrvPort: base - 10, basePort: base };
  }
  throw new Error('no free port range');
}

function waitForExit(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

test('npm start -- --brokers 2: sends spread over both brokers, one group consumes every message', { timeout: 180_000 }, async (t) => {
  const home = await mkdtemp(join(tmpdir(), 'rmqts-brokers-'));
  defer(t, () => rm(home, { recursive: true, force: true }));
  const { namesrvPort, basePort } = await freePorts();
  const start = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=rocketmq-ts-source',
      '-e',
      // npm start's main from the sources (the bin runs the built dist).
      `const m = await import(${JSON.stringify(join(repoRoot, 'packages', 'server', 'src', 'cli', 'start.ts'))}); await m.main(['node', 'rocketmq-ts', ...process.argv.slice(1)]);`,
      '--',
      '--brokers',
      '2',
      `--namesrvPort=${namesrvPort}`,
      `--basePort=${basePort}`,
      '--grpcServerPort=0',
      '--brokerIP1=127.0.0.1',
      '--bindAddress=127.0.0.1',
      '--dashboard=false',
      '--logFormat=pretty',
    ],
    { cwd: repoRoot, env: { ...process.env, ROCKETMQ_TS_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  killOnExit(start);
  let output = '';
  start.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  start.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = waitForExit(start);
  defer(t, async () => {
    if (start.exitCode === null && start.signalCode === null) start.kill('SIGKILL');
    await exited;
  });
  const deadline = Date.now() + 90_000;
  while (!output.includes('Ctrl-C stops it')) {
    assert.equal(start.exitCode, null, output);
    assert.ok(Date.now() < deadline, `not up after 90 s: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.match(output, new RegExp(`broker-a/0 +ASYNC_MASTER +127\\.0\\.0\\.1:${basePort} `));
  assert.match(output, new RegExp(`broker-b/0 +ASYNC_MASTER +127\\.0\\.0\\.1:${basePort + 10} `));
  const namesrvAddr = `127.0.0.1:${namesrvPort}`;

  const topic = `brokers_${randomUUID().slice(0, 8)}`;
  const admin = new Admin({ namesrvAddr });
  await admin.start();
  defer(t, () => admin.shutdown());
  const written = await admin.createOrUpdateTopic({ topic, readQueueNums: 4, writeQueueNums: 4 }, { cluster: 'DefaultCluster' });
  assert.deepEqual(written.sort(), [`127.0.0.1:${basePort}`, `127.0.0.1:${basePort + 10}`]);

  const producer = new Producer({ groupName: `brokers_producer_${topic}`, namesrvAddr });
  await producer.start();
  defer(t, () => producer.shutdown());
  const COUNT = 400;
  const sent = new Set<string>();
  const perBroker = new Map<string, number>();
  for (let i = 0; i < COUNT; i++) {
    const result = await producer.send({ topic, keys: `k${i}`, body: `brokers-${i}` });
    assert.equal(result.sendStatus, 'SEND_OK');
    sent.add(result.msgId);
    perBroker.set(result.messageQueue.brokerName, (perBroker.get(result.messageQueue.brokerName) ?? 0) + 1);
  }
  // Round-robin over 8 queues (4 per broker): each broker takes half.
  assert.deepEqual([...perBroker.keys()].sort(), ['broker-a', 'broker-b'], JSON.stringify([...perBroker]));
  for (const [name, count] of perBroker) assert.ok(count >= COUNT / 4, `${name} took ${count} of ${COUNT}`);

  const received = new Set<string>();
  const consumer = new PushConsumer({ groupName: `brokers_group_${topic}`, namesrvAddr, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
  consumer.subscribe(topic, '*');
  consumer.onMessage((message) => {
    received.add(message.msgId);
    return Promise.resolve();
  });
  await consumer.start();
  defer(t, () => consumer.shutdown());
  const consumeDeadline = Date.now() + 90_000;
  while ([...sent].some((id) => !received.has(id))) {
    assert.ok(Date.now() < consumeDeadline, `the group got ${received.size} of ${sent.size} messages`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await consumer.shutdown();
  await producer.shutdown();
  await admin.shutdown();

  for (const dir of ['broker-a-0', 'broker-b-0']) assert.ok(existsSync(join(home, dir, 'commitlog')), `${dir} has its own store`);
  start.kill('SIGTERM');
  assert.equal(await exited, 0, output);
  for (const dir of ['broker-a-0', 'broker-b-0']) assert.equal(existsSync(join(home, dir, 'abort')), false, `${dir} stopped cleanly`);
});
