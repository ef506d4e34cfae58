/**
 * Child process for tests that kill a broker like a crash: `rocketmq-ts-broker-child.ts
 * <namesrvAddr> <storeDir> <brokerConfig JSON>` starts one of our brokers (no name server) that
 * registers with `namesrvAddr`, prints `READY <brokerAddr>` and runs until killed. With
 * RMQTS_BROKER_LOG=<level> the broker logs JSON lines to stdout at that level.
 */
import { pino } from 'pino';
import { startBroker } from '@rocketmq-ts/server/internal';

const [namesrvAddr, storeDir, configJson] = process.argv.slice(2);
if (!namesrvAddr || !storeDir) throw new Error('usage: rocketmq-ts-broker-child.ts <namesrvAddr> <storeDir> [brokerConfig JSON]');
const brokerConfig = JSON.parse(configJson ?? '{}') as Parameters<typeof startBroker>[2];
const level = process.env.RMQTS_BROKER_LOG;
const logger = level ? pino({ level, base: { pid: process.pid } }, pino.destination({ dest: 1, sync: true })) : undefined;
const { broker } = await startBroker(undefined, namesrvAddr, brokerConfig, { storeDir, logger });
process.stdout.write(`READY ${broker.brokerAddr}\n`);
setInterval(() => undefined, 60_000);
