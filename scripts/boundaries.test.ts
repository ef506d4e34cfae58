// The boundary rules (.dependency-cruiser.mjs) tested against a small fixture tree shaped like
// ours, with one deliberate violation of each rule, and against the real packages.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';

const root = new URL('..', import.meta.url).pathname;
const depcruise = join(root, 'node_modules', '.bin', 'depcruise');
const config = join(root, '.dependency-cruiser.mjs');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

function cruise(cwd: string, paths: string[]): Violation[] {
  const run = spawnSync(depcruise, ['--config', config, '--output-type', 'json', ...paths], { cwd, encoding: 'utf8' });
  assert.ok(run.stdout, `depcruise printed nothing: ${run.stderr}`);
  const result = JSON.parse(run.stdout) as { summary: { violations: Violation[] } };
  return result.summary.violations;
}

function write(base: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(base, path)), { recursive: true });
    writeFileSync(join(base, path), text);
  }
}

const workspacePackage = (name: string, dependencies: Record<string, string> = {}): string =>
  JSON.stringify({ name: `@rocketmq-ts/${name}`, type: 'module', dependencies, exports: { '.': { 'rocketmq-ts-source': './src/index.ts' } } });

describe('package boundaries (npm run lint:boundaries)', () => {
  it('names each deliberately wrong import', (t) => {
    const base = mkdtempSync(join(tmpdir(), 'rmqts-boundaries-'));
    t.after(() => rmSync(base, { recursive: true, force: true }));
    write(base, {
      'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', allowImportingTsExtensions: true, customConditions: ['rocketmq-ts-source'] } }),
      'packages/protocol/package.json': workspacePackage('protocol'),
      'packages/protocol/src/index.ts': "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n",
      'packages/store/package.json': workspacePackage('store', { '@rocketmq-ts/protocol': '0.1.0' }),
      'packages/store/src/index.ts': "import { read } from '@rocketmq-ts/protocol';\nimport { Socket } from 'node:net';\nexport const both = [read, Socket];\n",
      'packages/store/src/reach.ts': "import { Admin } from '../../client/src/index.ts';\nexport const admin = Admin;\n",
      'packages/client/package.json': workspacePackage('client', { '@rocketmq-ts/protocol': '0.1.0' }),
      'packages/client/src/index.ts': "import { Store } from '@rocketmq-ts/store';\nexport class Admin { store = Store; }\n",
      'packages/client/src/a.ts': "import { b } from './b.ts';\nexport const a = () => b;\n",
      'packages/client/src/b.ts': "import { a } from './a.ts';\nexport const b = () => a;\n",
      'packages/client/src/index.test.ts': "import { Store } from '@rocketmq-ts/store';\nexport const tests = Store;\n",
    });
    // Workspaces are linked into node_modules exactly as npm does it.
    for (const name of ['protocol', 'store', 'client']) {
      write(base, { [`node_modules/@rocketmq-ts/${name}/package.json`]: workspacePackage(name), [`node_modules/@rocketmq-ts/${name}/src/index.ts`]: 'export const Store = 1;\n' });
    }

    const violations = cruise(base, ['packages/protocol/src', 'packages/store/src', 'packages/client/src']);
    const found = violations.map((v) => `${v.rule.name}: ${v.from}`).sort();
    assert.deepEqual(found, [
      'client-imports-only-protocol: packages/client/src/index.ts',
      'declared-dependencies-only: packages/client/src/index.ts',
      'no-circular: packages/client/src/a.ts',
      'protocol-opens-no-file: packages/protocol/src/index.ts',
      'store-no-relative-reach-into-other-packages: packages/store/src/reach.ts',
      'store-opens-no-socket: packages/store/src/index.ts',
    ]);
  });

  it('holds for the packages as they are', () => {
    const packages = ['protocol', 'store', 'client', 'server', 'dashboard'].map((name) => `packages/${name}/src`);
    assert.deepEqual(cruise(root, packages), []);
  });
});
