/** Brokers that `npm start -- --brokers N` / `--cluster` spawns run with the parent's loader and heap flags. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { childNodeFlags } from './cluster.ts';

it('passes the loader and V8 heap-size flags on, and nothing else', () => {
  const argv = ['--import', 'tsx', '--conditions=rocketmq-ts-source', '--initial-old-space-size=256', '--max-semi-space-size=4', '--max-old-space-size=512', '--inspect=0', '-e', 'x', '--loader=ts-node/esm'];
  assert.deepEqual(childNodeFlags(argv), ['--import', 'tsx', '--conditions=rocketmq-ts-source', '--initial-old-space-size=256', '--max-semi-space-size=4', '--max-old-space-size=512', '--loader=ts-node/esm']);
});
