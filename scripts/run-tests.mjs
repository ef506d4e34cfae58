#!/usr/bin/env node
// Runs every *.test.ts with Node's built-in test runner (Node 20 has no glob support in
// --test, so the files are listed here). `--interop` runs the interop suites instead.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const interop = process.argv.includes('--interop');
const filters = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const files = (interop ? walk(join(root, 'interop')) : [...walk(join(root, 'packages')), ...walk(join(root, 'bench')), ...walk(join(root, 'scripts'))])
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--conditions=rocketmq-ts-source', '--test', '--test-concurrency=2', '--test-timeout=600000', ...files],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
