#!/usr/bin/env -S node --initial-old-space-size=256
// `npm start`: name server + broker in one process (built by `npm ci` / `npm run build`).
import { main } from '../dist/cli/start.js';

try {
  await main(process.argv);
} catch (error) {
  // A user-facing failure (port in use, bad setting, store locked): the message says the fix.
  process.stderr.write(`rocketmq-ts: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
