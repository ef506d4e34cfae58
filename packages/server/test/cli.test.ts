/** The commands users type: npm start (all-in-one), mqbroker and mqnamesrv flags, clear failures. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createRequest, parseFastjson, RemotingClient, RequestCode } from '@rocketmq-ts/protocol';

const cliDir = fileURLToPath(new URL('../src/cli/', import.meta.url));

function run(command: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=rocketmq-ts-source', '-e', `const m = await import(${JSON.stringify(join(cliDir, `${command}.ts`))}); try { await m.main(['node', 'cli', ...process.argv.slice(1)]); } catch (e) { console.error(e.message); process.exit(1); }`, '--', ...args],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer().once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    // The broker also needs the VIP port (listenPort − 2) and the HA port (listenPort + 1).
    if (port > 1026 && (await portFree(port - 2)) && (await portFree(port + 1))) return port;
  }
}

describe('command line', () => {
  it('npm start runs a name server and a broker, and stops cleanly on SIGTERM', { timeout: 30_000 }, async (t) => {
    const home = await mkdtemp(join(tmpdir(), 'rmqts-start-'));
    t.after(() => rm(home, { recursive: true, force: true }));
    const namesrvPort = await freePort();
    const listenPort = await freePort();
    const started = run('start', ['--logFormat=pretty', `--namesrvPort=${namesrvPort}`, `--listenPort=${listenPort}`, '--grpcServerPort=0', '--brokerIP1=127.0.0.1', '--bindAddress=127.0.0.1'], { ROCKETMQ_TS_HOME: home });
    const deadline = Date.now() + 15_000;
    while (!started.output().includes('Ctrl-C stops it')) {
      assert.equal(started.child.exitCode, null, started.output());
      assert.ok(Date.now() < deadline, `not up after 15 s: ${started.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const upIn = Number(/is up in (\d+) ms/.exec(started.output())![1]);
    assert.ok(upIn < 1000, `ready in ${upIn} ms`);
    assert.match(started.output(), new RegExp(`name server  127.0.0.1:${namesrvPort}`));
    assert.ok(existsSync(join(home, 'store', 'abort')), 'running: abort marker present');
    started.child.kill('SIGTERM');
    assert.equal(await started.exited, 0, started.output());
    assert.equal(existsSync(join(home, 'store', 'abort')), false, 'clean stop removes the abort marker');
    assert.ok(existsSync(join(home, 'store', 'config', 'topics.json')));
  });

  it('npm start -- --cluster 2m-2s runs two masters with a slave each in their own processes and data directories', { timeout: 90_000 }, async (t) => {
    const home = await mkdtemp(join(tmpdir(), 'rmqts-cluster-'));
    t.after(() => rm(home, { recursive: true, force: true }));
    const namesrvPort = await freePort();
    let basePort = 0;
    for (let attempt = 0; attempt < 50 && basePort === 0; attempt++) {
      const candidate = 20_000 + Math.floor(Math.random() * 40_000);
      const ports = [0, 10, 20, 30].flatMap((k) => [candidate + k - 2, candidate + k, candidate + k + 1]);
      if ((await Promise.all(ports.map(portFree))).every(Boolean)) basePort = candidate;
    }
    assert.ok(basePort > 0, 'no free port range');
    const started = run('start', ['--logFormat=pretty', '--cluster', '2m-2s', `--namesrvPort=${namesrvPort}`, `--basePort=${basePort}`, '--grpcServerPort=0', '--brokerIP1=127.0.0.1', '--bindAddress=127.0.0.1', '--dashboard=false'], {
      ROCKETMQ_TS_HOME: home,
    });
    const deadline = Date.now() + 60_000;
    while (!started.output().includes('Ctrl-C stops it')) {
      assert.equal(started.child.exitCode, null, started.output());
      assert.ok(Date.now() < deadline, `not up after 60 s: ${started.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const out = started.output();
    assert.match(out, new RegExp(`broker-a/0 +ASYNC_MASTER +127\\.0\\.0\\.1:${basePort} `));
    assert.match(out, new RegExp(`broker-b/0 +ASYNC_MASTER +127\\.0\\.0\\.1:${basePort + 10} `));
    assert.match(out, new RegExp(`broker-a/1 +SLAVE +127\\.0\\.0\\.1:${basePort + 20} `));
    assert.match(out, new RegExp(`broker-b/1 +SLAVE +127\\.0\\.0\\.1:${basePort + 30} `));
    const client = new RemotingClient();
    t.after(() => client.close());
    const info = await client.invoke(`127.0.0.1:${namesrvPort}`, createRequest(RequestCode.GET_BROKER_CLUSTER_INFO));
    const table = parseFastjson(info.body!.toString('utf8')) as { brokerAddrTable: Record<string, { brokerAddrs: Map<number, string> }> };
    assert.deepEqual(
      Object.entries(table.brokerAddrTable).map(([name, data]) => [name, [...data.brokerAddrs.keys()].sort()]).sort(),
      [
        ['broker-a', [0, 1]],
        ['broker-b', [0, 1]],
      ],
    );
    for (const dir of ['broker-a-0', 'broker-a-1', 'broker-b-0', 'broker-b-1']) assert.ok(existsSync(join(home, dir, 'commitlog')), `${dir} has its own store`);
    started.child.kill('SIGTERM');
    assert.equal(await started.exited, 0, started.output());
    for (const dir of ['broker-a-0', 'broker-a-1', 'broker-b-0', 'broker-b-1']) assert.equal(existsSync(join(home, dir, 'abort')), false, `${dir} stopped cleanly`);
  });

  it('mqbroker -p / -m print settings with RocketMQ key names, flags and files win over defaults', async () => {
    const all = run('mqbroker', ['-p', '-n', '10.0.0.1:9876', '--brokerName=b1', '--mapedFileSizeCommitLog=1048576']);
    assert.equal(await all.exited, 0, all.output());
    assert.match(all.output(), /^namesrvAddr=10\.0\.0\.1:9876$/m);
    assert.match(all.output(), /^brokerName=b1$/m);
    assert.match(all.output(), /^mappedFileSizeCommitLog=1048576$/m, 'the one-p spelling is accepted');
    assert.match(all.output(), /^flushDiskType=ASYNC_FLUSH$/m);
    const important = run('mqbroker', ['-m'], { NAMESRV_ADDR: '10.0.0.2:9876' });
    assert.equal(await important.exited, 0);
    assert.match(important.output(), /^namesrvAddr=10\.0\.0\.2:9876$/m, 'NAMESRV_ADDR honoured');
    assert.doesNotMatch(important.output(), /maxTransferCountOnMessageInDisk/);
  });

  it('says what to do when the port is taken', { timeout: 20_000 }, async (t) => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    t.after(() => blocker.close());
    const port = (blocker.address() as { port: number }).port;
    const namesrv = run('mqnamesrv', [`--listenPort=${port}`, '--bindAddress=127.0.0.1']);
    assert.equal(await namesrv.exited, 1);
    assert.match(namesrv.output(), /cannot listen on 127\.0\.0\.1:\d+.*listenPort/);
    const start = run('start', [`--namesrvPort=${port}`, '--bindAddress=127.0.0.1', '--dashboard=false'], { ROCKETMQ_TS_HOME: join(tmpdir(), 'rmqts-never-') });
    assert.equal(await start.exited, 1);
    assert.match(start.output(), /cannot listen on 127\.0\.0\.1:\d+.*--namesrvPort=<port>/, 'npm start names its own flag');
  });

  it('--help prints help and exits for npm start, mqbroker and mqnamesrv', { timeout: 30_000 }, async () => {
    for (const [command, flag] of [
      ['start', '--namesrvPort'],
      ['mqbroker', '--configFile'],
      ['mqnamesrv', '--printConfigItem'],
    ] as const) {
      const help = run(command, ['--help']);
      assert.equal(await help.exited, 0, help.output());
      assert.match(help.output(), /^Usage: /m);
      assert.ok(help.output().includes(flag), help.output());
      assert.match(help.output(), /--key=value/);
    }
  });

  it('unknown flags and bad values are errors naming the nearest flag or the rule', { timeout: 30_000 }, async () => {
    const typo = run('start', ['--namesrvPrt=9999']);
    assert.equal(await typo.exited, 1);
    assert.match(typo.output(), /unknown option --namesrvPrt; did you mean --namesrvPort\?/);
    const stray = run('mqbroker', ['-x', '-p']);
    assert.equal(await stray.exited, 1);
    assert.match(stray.output(), /unknown option -x/);
    const bad = run('mqbroker', ['-p', '--flushDiskType=SYNC']);
    assert.equal(await bad.exited, 1);
    assert.match(bad.output(), /flushDiskType must be ASYNC_FLUSH or SYNC_FLUSH/);
    const unimplemented = run('mqnamesrv', ['-p', '--clusterTest=true']);
    assert.equal(await unimplemented.exited, 1);
    assert.match(unimplemented.output(), /clusterTest=true is not supported by rocketmq-ts/);
    const noBrokers = run('start', ['--brokers', '0', '--namesrvPort=0']);
    assert.equal(await noBrokers.exited, 1);
    assert.match(noBrokers.output(), /--brokers=0 is not a broker count \(1–26\)/);
  });

  it('the sample conf/namesrv.conf and conf/broker.conf start a name server and a broker; piped output is JSON lines only', { timeout: 60_000 }, async (t) => {
    const home = await mkdtemp(join(tmpdir(), 'rmqts-conf-'));
    t.after(() => rm(home, { recursive: true, force: true }));
    const conf = fileURLToPath(new URL('../../../conf/', import.meta.url));
    const namesrv = run('mqnamesrv', ['-c', join(conf, 'namesrv.conf'), '--listenPort=0', '--bindAddress=127.0.0.1', `--kvConfigPath=${join(home, 'kv.json')}`]);
    t.after(() => namesrv.child.kill('SIGKILL'));
    // The announce line may arrive in two chunks: wait until the port is followed by the rest of its line.
    const bootLine = /listening on [^:]+:(\d+)\D/;
    const namesrvPort = Number(bootLine.exec(await waitFor(namesrv, bootLine))?.[1]);
    const listenPort = await freePort();
    // The sample's gRPC port is the default 8081, which a test file running beside this one (or
    // anything else on the machine) may hold: any free one here.
    const broker = run('mqbroker', ['-c', join(conf, 'broker.conf'), '-n', `127.0.0.1:${namesrvPort}`, `--listenPort=${listenPort}`, '--grpcServerPort=0', '--brokerIP1=127.0.0.1', '--bindAddress=127.0.0.1', `--storePathRootDir=${join(home, 'store')}`]);
    t.after(() => broker.child.kill('SIGKILL'));
    // The broker's own "the broker boot success" log line comes first; mqbroker's announce line
    // (RocketMQ's wording) follows it, and is the one asserted.
    await waitFor(broker, /"msg":"The broker\[broker-a, 127\.0\.0\.1:\d+\] boot success/);
    for (const proc of [namesrv, broker]) {
      for (const line of proc.output().trim().split('\n')) assert.doesNotThrow(() => JSON.parse(line), `not JSON: ${line}`);
    }
    const printed = run('mqbroker', ['-c', join(conf, 'broker.conf'), '-p']);
    assert.equal(await printed.exited, 0, printed.output());
    assert.match(printed.output(), /^brokerClusterName=DefaultCluster$/m);
    assert.match(printed.output(), /^flushDiskType=ASYNC_FLUSH$/m);
    broker.child.kill('SIGTERM');
    assert.equal(await broker.exited, 0);
    namesrv.child.kill('SIGTERM');
    assert.equal(await namesrv.exited, 0);
  });
});

async function waitFor(proc: ReturnType<typeof run>, pattern: RegExp, millis = 30_000): Promise<string> {
  const deadline = Date.now() + millis;
  while (!pattern.test(proc.output())) {
    assert.equal(proc.child.exitCode, null, proc.output());
    assert.ok(Date.now() < deadline, `no ${pattern} after ${millis} ms: ${proc.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return proc.output();
}
