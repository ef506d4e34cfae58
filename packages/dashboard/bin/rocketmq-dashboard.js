#!/usr/bin/env node
// `npx rocketmq-dashboard -n 127.0.0.1:9876 [--port 8080]` (built by `npm ci` / `npm run build`).
import { main } from '../dist/cli.js';

try {
  await main(process.argv);
} catch (error) {
  process.stderr.write(`rocketmq-dashboard: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
