/**
 * Child of the torture run: a name server and broker on a given store directory and port,
 * in the given flush mode. Prints "ready <brokerAddr> <namesrvAddr>" and serves until killed.
 * Args: storeDir listenPort flushDiskType [mappedFileSizeCommitLog]
 */
import { startCluster } from '@rocketmq-ts/server/internal';

const [storeDir, port, flushDiskType, segmentSize] = process.argv.slice(2);
const cluster = await startCluster(
  undefined,
  {
    listenPort: Number(port),
    fastListenPort: -1,
    flushDiskType: flushDiskType === 'SYNC_FLUSH' ? 'SYNC_FLUSH' : 'ASYNC_FLUSH',
    ...(segmentSize ? { mappedFileSizeCommitLog: Number(segmentSize) } : {}),
  },
  { storeDir: storeDir! },
);
process.stdout.write(`ready ${cluster.brokerAddr} ${cluster.namesrvAddr}\n`);
setInterval(() => process.stdout.write(`rss ${process.memoryUsage().rss}\n`), 500);
