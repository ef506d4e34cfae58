#!/usr/bin/env -S node --initial-old-space-size=256
// The broker, as Apache RocketMQ's `mqbroker` (built by `npm ci` / `npm run build`).
import { main } from '../dist/cli/mqbroker.js';

try {
  await main(process.argv);
} catch (error) {
  // A user-facing failure (port in use, bad setting, store locked): the message says the fix.
  process.stderr.write(`mqbroker: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
