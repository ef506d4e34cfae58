/**
 * Test clean-up in the order resources were made, undone newest first.
 *
 * Node's test runner runs `t.after` hooks oldest first and skips every later hook once one
 * throws. A temp dir registered before the broker that writes into it is then removed while the
 * broker still runs (ENOTEMPTY), and the broker, never killed, keeps the test file alive until
 * its timeout. Here one hook runs the clean-ups newest first and runs each even when an earlier
 * one failed, then reports every failure.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

const stacks = new WeakMap<TestContext, (() => unknown)[]>();

/**
 * Like `t.after(cleanup)`, but clean-ups given here run newest first, each even when another
 * failed, in one hook registered by the first call for `t`.
 */
export function defer(t: TestContext, cleanup: () => unknown): void {
  let stack = stacks.get(t);
  if (stack === undefined) {
    const created: (() => unknown)[] = [];
    stacks.set(t, created);
    t.after(async () => {
      const errors: unknown[] = [];
      for (const next of created.reverse()) {
        try {
          await next();
        } catch (error) {
          errors.push(error);
        }
      }
      if (errors.length === 1) throw errors[0];
      if (errors.length > 1) throw new AggregateError(errors, `${errors.length} clean-ups failed`);
    });
    stack = created;
  }
  stack.push(cleanup);
}

/** A fresh directory under the OS temp dir, removed once everything registered after it is undone. */
export async function tempDir(t: TestContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  defer(t, () => rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }));
  return dir;
}
