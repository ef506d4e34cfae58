#!/usr/bin/env node
// Apache RocketMQ's admin tool `mqadmin` for rocketmq-ts and Apache clusters (built by `npm ci` / `npm run build`).
import { main } from '../dist/cli/mqadmin/main.js';

await main(process.argv);
