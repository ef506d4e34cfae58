import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, describe, it } from 'node:test';
import { parseFastjson } from '@rocketmq-ts/protocol';
import { loadConfigFile, writeConfigFile } from './config-file.ts';
import { ConfigFileCorruptError } from './errors.ts';

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'config-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Loads with a decoder that keeps the parsed value, and the warnings logged. */
async function load(path: string): Promise<{ source: string | undefined; value: unknown; warnings: string[] }> {
  let value: unknown;
  const warnings: string[] = [];
  const logger = { debug() {}, info() {}, error() {}, warn: (_: object, message?: string) => void warnings.push(message ?? '') };
  const source = await loadConfigFile(path, (text) => (value = parseFastjson(text)), logger);
  return { source, value, warnings };
}

describe('config file write protocol', () => {
  it('writes the new version, keeps the previous as .bak, leaves no .tmp', async (t) => {
    const dir = await tempDir(t);
    const path = join(dir, 'config', 'topics.json');
    await writeConfigFile(path, '{"v":1}');
    assert.deepEqual(await readdir(join(dir, 'config')), ['topics.json']);
    await writeConfigFile(path, '{"v":2}');
    await writeConfigFile(path, '{"v":3}');
    assert.deepEqual((await readdir(join(dir, 'config'))).sort(), ['topics.json', 'topics.json.bak']);
    assert.equal(await readFile(path, 'utf8'), '{"v":3}');
    assert.equal(await readFile(`${path}.bak`, 'utf8'), '{"v":2}');
    assert.deepEqual(await load(path), { source: 'file', value: { v: 3 }, warnings: [] });
  });

  it('crash after writing .tmp, before the rename: the old file wins, the .tmp is ignored then replaced', async (t) => {
    const dir = await tempDir(t);
    const path = join(dir, 'topics.json');
    await writeConfigFile(path, '{"v":1}');
    await writeFile(`${path}.tmp`, '{"v":2, "half-writ');
    assert.deepEqual((await load(path)).value, { v: 1 });
    await writeConfigFile(path, '{"v":3}');
    assert.deepEqual((await load(path)).value, { v: 3 });
    assert.ok(!(await readdir(dir)).includes('topics.json.tmp'));
  });

  it('crash between deleting the file and the rename (Java’s order): falls back to .bak', async (t) => {
    const dir = await tempDir(t);
    const path = join(dir, 'topics.json');
    await writeConfigFile(path, '{"v":1}');
    await writeConfigFile(path, '{"v":2}');
    await writeFile(`${path}.tmp`, '{"v":3}');
    await unlink(path);
    const loaded = await load(path);
    assert.equal(loaded.source, 'bak');
    assert.deepEqual(loaded.value, { v: 1 });
    assert.match(loaded.warnings.join('\n'), /backup/);
  });

  it('a truncated or empty file falls back to .bak and says so', async (t) => {
    const dir = await tempDir(t);
    const path = join(dir, 'consumerOffset.json');
    await writeConfigFile(path, '{"offsetTable":{"T@G":{0:1}}}');
    await writeConfigFile(path, '{"offsetTable":{"T@G":{0:2}}}');
    await writeFile(path, '{"offsetTable":{"T@G":{0:');
    const truncated = await load(path);
    assert.equal(truncated.source, 'bak');
    assert.deepEqual(truncated.value, { offsetTable: { 'T@G': new Map([[0, 1]]) } });
    assert.match(truncated.warnings[0]!, /does not parse/);
    await writeFile(path, '');
    const empty = await load(path);
    assert.equal(empty.source, 'bak');
    assert.match(empty.warnings[0]!, /empty/);
  });

  it('nothing on disk loads as nothing; unreadable file and backup is an error that names the file', async (t) => {
    const dir = await tempDir(t);
    const path = join(dir, 'delayOffset.json');
    assert.equal((await load(path)).source, undefined);
    await writeFile(path, '{broken');
    await assert.rejects(load(path), (error: unknown) => error instanceof ConfigFileCorruptError && error.message.includes(path));
    await writeFile(`${path}.bak`, 'also broken');
    await assert.rejects(load(path), ConfigFileCorruptError);
  });
});
