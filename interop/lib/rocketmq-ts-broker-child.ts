/**
 * Child process for tests that kill a broker like a crash: `rocketmq-ts-broker-child.ts
 * <namesrvAddr> <storeDir> <brokerConfig JSON>` starts one of our brokers (no name server) that
 * registers with `namesrvAddr`, prints `READY <brokerAddr>` and runs until killed.
 */
import { startBroker } from '@rocketmq-ts/server/internal';

const [namesrvAddr, storeDir, configJson] = process.argv.slice(2);
if (!namesrvAddr || !storeDir) throw new Error('usage: rocketmq-ts-broker-child.ts <namesrvAddr> <storeDir> [brokerConfig JSON]');
const brokerConfig = JSON.parse(configJson ?? '{}') as Parameters<typeof startBroker>[2];
const { broker } = await startBroker(undefined, namesrvAddr, brokerConfig, { storeDir });
process.stdout.write(`READY ${broker.brokerAddr}\n`);
setInterval(() => undefined, 60_000);
