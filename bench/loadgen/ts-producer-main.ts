/** Child-process entry of the TypeScript load generator: `ts-producer-main.ts '<TsProducerOptions JSON>'` → `RESULT <json>`. */
import { runTsProducer, type TsProducerOptions } from './ts-producer.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as TsProducerOptions;
const result = await runTsProducer(options);
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
