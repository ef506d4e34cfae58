#!/usr/bin/env node
// The name server, as Apache RocketMQ's `mqnamesrv` (built by `npm ci` / `npm run build`).
import { main } from '../dist/cli/mqnamesrv.js';

await main(process.argv);
