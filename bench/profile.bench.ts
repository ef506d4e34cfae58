/**
 * `npm run bench:profile`: where one broker's CPU goes per message, and how much of it is on the
 * event loop (the serial part of today's design). rocketmq-ts as `npm start` runs it, under
 * `node --cpu-prof`, driven by RocketMQ's benchmark Producer / Consumer under three loads:
 *
 *   send         Producer -w 64 -s 128 (second 10 s window)
 *   pull         Consumer, new group from offset 0 of the send phase's backlog (first 10 s window)
 *   send + pull  Producer -w 16 -s 128 and a Consumer on the same topic together (second window)
 *
 * For each: messages/s, CPU µs per message per thread (/proc/<pid>/task), and the event loop's
 * busy time by module (profile samples of the same window) scaled to µs per message.
 * docs/performance.md ("Cores") turns these into the serial fraction and the Amdahl projection.
 * Env: BENCH_PROFILE_DIR (where the .cpuprofile is kept; default a temp dir, printed),
 * BENCH_PROFILE_ARGS (more `npm start` options, e.g. "--serverSelectorThreads=1").
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from '../interop/lib/java.ts';
import { resetGroupToStart, topicMessageCount } from './lib/broker-admin.ts';
import { MODULE_GROUPS, type ModuleGroup, monotonicMicros, profileBreakdown, subtractThreads, threadCpuSeconds } from './lib/cpu-profile.ts';
import { machineInfo } from './lib/machine.ts';
import { startRocketmqTs } from './lib/node-targets.ts';
import { runTool } from './lib/rocketmq-tools.ts';
import { parseConsumerLine, parseProducerLine } from './lib/tool-output.ts';

interface ThreadSample {
  at: number;
  threads: Map<string, number>;
}

interface LoadFigures {
  load: string;
  messagesPerSecond: number;
  window: { from: number; to: number };
  threadSeconds: Map<string, number>;
}

const workDir = mkdtempSync(join(tmpdir(), 'rmqts-profile-'));
const profileDir = process.env.BENCH_PROFILE_DIR ?? join(workDir, 'profiles');
mkdirSync(profileDir, { recursive: true });
const toolsDir = join(workDir, 'tools');

function nearest(samples: readonly ThreadSample[], at: number): ThreadSample {
  let best = samples[0]!;
  for (const sample of samples) if (Math.abs(sample.at - at) < Math.abs(best.at - at)) best = sample;
  return best;
}

async function main(): Promise<void> {
  const machine = machineInfo();
  console.log(`machine: ${JSON.stringify(machine)}`);
  console.log(`load average at start: ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const brokerArgs = (process.env.BENCH_PROFILE_ARGS ?? '').split(/\s+/).filter((arg) => arg !== '');
  if (brokerArgs.length > 0) console.log(`npm start options: ${brokerArgs.join(' ')}`);
  const target = await startRocketmqTs({ flushDiskType: 'ASYNC_FLUSH', workDir: join(workDir, 'run'), topics: ['BenchProf'] }, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`], { brokerArgs });
  const pid = target.pids[0]!;
  const samples: ThreadSample[] = [];
  const sampler = setInterval(() => samples.push({ at: monotonicMicros(), threads: threadCpuSeconds(pid) }), 200);
  const loads: LoadFigures[] = [];
  const windowOf = (load: string, from: number, to: number, messagesPerSecond: number): void => {
    const threadSeconds = subtractThreads(nearest(samples, to).threads, nearest(samples, from).threads);
    loads.push({ load, messagesPerSecond, window: { from, to }, threadSeconds });
  };
  try {
    // send: the Producer's report lines close 10 s windows; the second is the one read.
    {
      const lines: { at: number; tps: number }[] = [];
      await runTool('Producer', {
        namesrvAddr: target.namesrvAddr,
        args: ['-t', 'BenchProf', '-w', '64', '-s', '128', '-k', 'false'],
        seconds: 21.5,
        runDir: toolsDir,
        onLine: (line) => {
          const report = parseProducerLine(line);
          if (report) lines.push({ at: monotonicMicros(), tps: report.sendTps });
        },
      });
      if (lines.length < 2) throw new Error('the Producer printed fewer than 2 reports');
      windowOf('send (Producer -w 64 -s 128)', lines[0]!.at, lines[1]!.at, lines[1]!.tps);
    }
    await sleep(2000);
    // pull: a new group from offset 0 of that backlog; the first window.
    {
      const backlog = await topicMessageCount(target.brokerAddr, 'BenchProf');
      const group = `bench_profile_${Date.now()}`;
      await resetGroupToStart(target.brokerAddr, group, 'BenchProf');
      const lines: { at: number; tps: number }[] = [];
      await runTool('Consumer', {
        namesrvAddr: target.namesrvAddr,
        args: ['-t', 'BenchProf', '-g', group],
        seconds: 11.5,
        runDir: toolsDir,
        onLine: (line) => {
          const report = parseConsumerLine(line);
          if (report) lines.push({ at: monotonicMicros(), tps: report.tps });
        },
      });
      if (lines.length < 1) throw new Error('the Consumer printed no report');
      windowOf(`pull (Consumer from a ${backlog}-message backlog)`, lines[0]!.at - 10_000_000, lines[0]!.at, lines[0]!.tps);
    }
    await sleep(2000);
    // send + pull together; the producer goes first so the topic has a route when the consumer starts.
    {
      const produced: { at: number; tps: number }[] = [];
      const consumed: { at: number; tps: number }[] = [];
      const producer = runTool('Producer', {
        namesrvAddr: target.namesrvAddr,
        args: ['-t', 'BenchProfE2E', '-w', '16', '-s', '128', '-k', 'false'],
        seconds: 24.5,
        runDir: toolsDir,
        onLine: (line) => {
          const report = parseProducerLine(line);
          if (report) produced.push({ at: monotonicMicros(), tps: report.sendTps });
        },
      });
      await sleep(3000);
      const consumer = runTool('Consumer', {
        namesrvAddr: target.namesrvAddr,
        args: ['-t', 'BenchProfE2E', '-g', `bench_profile_e2e_${Date.now()}`],
        seconds: 21.5,
        runDir: toolsDir,
        onLine: (line) => {
          const report = parseConsumerLine(line);
          if (report) consumed.push({ at: monotonicMicros(), tps: report.tps });
        },
      });
      await Promise.all([producer, consumer]);
      if (produced.length < 2 || consumed.length < 2) throw new Error('the Producer or Consumer printed fewer than 2 reports');
      // Messages handled: each one sent and each one delivered counts once (a pulled message is work too).
      windowOf('send + pull (Producer -w 16 and Consumer)', produced[0]!.at, produced[1]!.at, produced[1]!.tps + consumed[1]!.tps);
    }
  } finally {
    clearInterval(sampler);
    await target.stop();
  }
  // CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile: thread 0 is the event loop (a worker thread, such as the I/O thread, writes its own).
  const profileFile = readdirSync(profileDir).find((name) => /\.0\.\d+\.cpuprofile$/.test(name));
  if (!profileFile) throw new Error(`no .cpuprofile in ${profileDir}`);
  report(loads, join(profileDir, profileFile));
  // The profile stays (printed below); the store and the load generator's logs go.
  for (const dir of [join(workDir, 'run'), toolsDir]) rmSync(dir, { recursive: true, force: true });
  console.log(`\nprofile: ${join(profileDir, profileFile)}`);
}

function report(loads: readonly LoadFigures[], profilePath: string): void {
  for (const load of loads) {
    const seconds = (load.window.to - load.window.from) / 1e6;
    const messages = load.messagesPerSecond * seconds;
    const perMessage = (cpuSeconds: number): number => (cpuSeconds * 1e6) / messages;
    // The profiler's own thread (v8:ProfEvntProc) is the measurement's cost, not the broker's.
    const threads = [...load.threadSeconds].filter(([name]) => !name.startsWith('v8:Prof'));
    const total = threads.reduce((sum, [, s]) => sum + s, 0);
    const main = load.threadSeconds.get('main') ?? 0;
    console.log(`\n## ${load.load}: ${Math.round(load.messagesPerSecond)} msg/s over ${seconds.toFixed(1)} s`);
    console.log(`CPU per message: ${perMessage(total).toFixed(2)} µs, of which the event loop ${perMessage(main).toFixed(2)} µs (${((100 * main) / total).toFixed(1)} %)`);
    const others = threads.filter(([name, s]) => name !== 'main' && s > 0).sort((a, b) => b[1] - a[1]);
    for (const [name, s] of others) console.log(`  thread ${name.padEnd(24)} ${perMessage(s).toFixed(2)} µs/msg`);
    const { busyMillis, idleMillis } = profileBreakdown(profilePath, load.window);
    const busy = [...busyMillis.values()].reduce((a, b) => a + b, 0);
    console.log(`event loop sampled: busy ${busy.toFixed(0)} ms, idle ${idleMillis.toFixed(0)} ms (${((100 * idleMillis) / (busy + idleMillis)).toFixed(1)} % idle)`);
    console.log('| module | share of event-loop busy | µs per message |');
    console.log('|---|---|---|');
    for (const group of MODULE_GROUPS) {
      const millis = busyMillis.get(group as ModuleGroup) ?? 0;
      if (millis === 0) continue;
      console.log(`| ${group} | ${((100 * millis) / busy).toFixed(1)} % | ${((perMessage(main) * millis) / busy).toFixed(2)} |`);
    }
  }
}

await main();
