/**
 * Child process of timer.bench.ts: our name server + broker in a process of their own, so the
 * benchmark can read the broker's RSS and heap. Prints `READY <namesrvAddr> <brokerAddr>`, then
 * answers each IPC message `mem` with its memory figures (after a GC) and the wheel's gauge.
 */
import { startCluster } from '@rocketmq-ts/server/internal';

const storeDir = process.argv[2];
const cluster = await startCluster(undefined, { messageIndexEnable: false }, storeDir ? { storeDir } : {});
process.stdout.write(`READY ${cluster.namesrvAddr} ${cluster.brokerAddr}\n`);
process.on('message', (message) => {
  if (message !== 'mem') return;
  (globalThis as { gc?: () => void }).gc?.();
  const usage = process.memoryUsage();
  const timer = cluster.broker.timerService;
  process.send?.({ rss: usage.rss, heapUsed: usage.heapUsed, external: usage.external, pending: timer?.pendingCount() ?? -1, stats: timer?.stats });
});
process.on('disconnect', () => void cluster.stop().then(() => process.exit(0)));
