// docs/api is the client's API reference, generated from its TSDoc by TypeDoc
// (`npm run docs:api`); this test fails when the committed pages no longer match the source.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const root = new URL('..', import.meta.url).pathname;

function files(dir: string, base = dir, out = new Map<string, string>()): Map<string, string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files(path, base, out);
    else out.set(relative(base, path), readFileSync(path, 'utf8'));
  }
  return out;
}

test('docs/api matches the client source (regenerate with npm run docs:api)', { timeout: 180_000 }, (t) => {
  const out = mkdtempSync(join(tmpdir(), 'rmqts-api-docs-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const run = spawnSync(join(root, 'node_modules', '.bin', 'typedoc'), ['--out', out, '--logLevel', 'Warn'], { cwd: root, encoding: 'utf8' });
  assert.equal(run.status, 0, `typedoc failed:\n${run.stdout}\n${run.stderr}`);
  assert.equal(run.stdout.trim() + run.stderr.trim(), '', 'typedoc printed warnings');
  const fresh = files(out);
  const committed = files(join(root, 'docs', 'api'));
  assert.deepEqual([...committed.keys()].sort(), [...fresh.keys()].sort(), 'the same pages');
  for (const [page, text] of fresh) assert.equal(committed.get(page), text, `docs/api/${page} is stale: run npm run docs:api`);
});
