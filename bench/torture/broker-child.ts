/**
 * Child of the torture run: a name server and broker on a given store directory and port,
 * in the given flush mode. Prints "ready <brokerAddr> <namesrvAddr>" and serves until killed.
 * Args: storeDir listenPort flushDiskType [mappedFileSizeCommitLog]
 * TORTURE_BROKER_CONFIG (JSON) adds broker settings, e.g. {"serverMaxRequestsPerTurn":1000000}.
 * TORTURE_NAMESRV_ADDR: register with that name server (the parent's, behind a fault proxy)
 * instead of starting one here.
 * TORTURE_CPU_PROFILE=<path prefix>: profile the CPU from start; SIGUSR2 writes <prefix>-<pid>.cpuprofile and exits.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startBroker, startCluster } from '@rocketmq-ts/server/internal';

const [storeDir, port, flushDiskType, segmentSize] = process.argv.slice(2);
const profileFile = process.env['TORTURE_CPU_PROFILE'];
if (profileFile) {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 1000 });
  await session.post('Profiler.start');
  process.on('SIGUSR2', () => {
    void session.post('Profiler.stop').then(({ profile }) => {
      writeFileSync(`${profileFile}-${process.pid}.cpuprofile`, JSON.stringify(profile));
      process.exit(0);
    });
  });
}
const config = {
  listenPort: Number(port),
  fastListenPort: -1,
  flushDiskType: flushDiskType === 'SYNC_FLUSH' ? ('SYNC_FLUSH' as const) : ('ASYNC_FLUSH' as const),
  ...(segmentSize ? { mappedFileSizeCommitLog: Number(segmentSize) } : {}),
  ...(JSON.parse(process.env['TORTURE_BROKER_CONFIG'] ?? '{}') as object),
};
const namesrvAddr = process.env['TORTURE_NAMESRV_ADDR'];
if (namesrvAddr) {
  const { broker } = await startBroker(undefined, namesrvAddr, config, { storeDir: storeDir! });
  process.stdout.write(`ready ${broker.brokerAddr} ${namesrvAddr}\n`);
} else {
  const cluster = await startCluster(undefined, config, { storeDir: storeDir! });
  process.stdout.write(`ready ${cluster.brokerAddr} ${cluster.namesrvAddr}\n`);
}
// RSS, and the longest event-loop stall of the last 500 ms (what any request waiting then waited).
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
setInterval(() => {
  const memory = process.memoryUsage();
  // heap and external (Buffers) tell a JS-heap leak from native memory.
  process.stdout.write(`rss ${memory.rss} loopmax ${(loopDelay.max / 1e6).toFixed(0)} heap ${memory.heapUsed} external ${memory.external}\n`);
  loopDelay.reset();
}, 500);
