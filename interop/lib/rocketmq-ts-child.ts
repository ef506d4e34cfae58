/**
 * Child process of rocketmq-ts-process.ts: `rocketmq-ts-child.ts <storeDir> <brokerConfig JSON>
 * [tmpDir]` starts our name server and broker (startCluster) on the store directory, with its
 * temporary directory under tmpDir, prints `READY <namesrvAddr> <brokerAddr>` and runs until killed.
 */
import { startCluster } from '@rocketmq-ts/server/internal';

const [storeDir, configJson, tmpDir] = process.argv.slice(2);
if (!storeDir) throw new Error('usage: rocketmq-ts-child.ts <storeDir> [brokerConfig JSON] [tmpDir]');
// os.tmpdir() reads TMPDIR on each call; set here, not for the whole process (tsx keeps its cache there).
if (tmpDir) process.env.TMPDIR = tmpDir;
const brokerConfig = JSON.parse(configJson ?? '{}') as Parameters<typeof startCluster>[1];
const cluster = await startCluster(undefined, brokerConfig, { storeDir });
process.stdout.write(`READY ${cluster.namesrvAddr} ${cluster.brokerAddr}\n`);
setInterval(() => undefined, 60_000);
