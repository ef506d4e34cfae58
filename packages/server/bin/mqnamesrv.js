#!/usr/bin/env -S node --initial-old-space-size=256
// The name server, as Apache RocketMQ's `mqnamesrv` (built by `npm ci` / `npm run build`).
import { main } from '../dist/cli/mqnamesrv.js';

try {
  await main(process.argv);
} catch (error) {
  // A user-facing failure (port in use, bad setting, store locked): the message says the fix.
  process.stderr.write(`mqnamesrv: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
