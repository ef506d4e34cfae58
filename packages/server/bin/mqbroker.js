#!/usr/bin/env node
// The broker, as Apache RocketMQ's `mqbroker` (built by `npm ci` / `npm run build`).
import { main } from '../dist/cli/mqbroker.js';

await main(process.argv);
