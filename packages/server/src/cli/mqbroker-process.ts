/** Entry of one broker process started by `npm start -- --cluster …` (cluster.ts): mqbroker with the flags given. */
import { main } from './mqbroker.ts';

try {
  await main(process.argv);
} catch (error) {
  process.stderr.write(`mqbroker: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
