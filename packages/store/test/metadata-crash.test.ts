/**
 * Config files survive crashes: a writer process SIGKILLed in the middle of persisting, and
 * the on-disk states a crash can leave between the steps of the write protocol.
 *
 * The same file is the child process: with METADATA_CRASH_CHILD=<path> it persists consumer
 * offsets in a loop until killed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { configFilePaths } from '../src/metadata/config-manager.ts';
import { ConsumerOffsetManager } from '../src/metadata/consumer-offset-manager.ts';
import { DelayOffsetManager } from '../src/metadata/delay-offset-manager.ts';
import { newTopicConfig } from '@rocketmq-ts/protocol';
import { TopicConfigManager } from '../src/metadata/topic-config-manager.ts';

const childPath = process.env['METADATA_CRASH_CHILD'];

if (childPath) {
  const manager = await ConsumerOffsetManager.load(childPath);
  for (let round = 1; ; round++) {
    // many keys, so each write is big enough to be caught half-way
    for (let g = 0; g < 200; g++) manager.commitOffset(`group-${g}`, 'TopicTest', 0, round);
    await manager.persist();
    if (round === 3) process.stdout.write('ready\n');
  }
} else {
  describe('config files across crashes', () => {
    it('a writer killed at a random moment leaves a loadable, whole version', async (t) => {
      const root = await tempRoot(t);
      const { consumerOffset } = configFilePaths(root);
      const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=rocketmq-ts-source', fileURLToPath(import.meta.url)], {
        env: { ...process.env, METADATA_CRASH_CHILD: consumerOffset },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      t.after(() => child.kill('SIGKILL'));
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
      });
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));

      const loaded = await ConsumerOffsetManager.load(consumerOffset);
      const rounds = new Set([...loaded.entries()].map((entry) => entry.offsets.get(0)));
      assert.equal(rounds.size, 1, 'every group has the offset of the same round: one whole version');
      assert.equal([...loaded.entries()].length, 200);
      assert.ok([...rounds][0]! >= 3);
    });

    it('each crash point between the steps loads the old or the new version', async (t) => {
      const { topics } = configFilePaths(await tempRoot(t));
      const write = async (version: number): Promise<void> => {
        const manager = await TopicConfigManager.load(topics);
        manager.set(newTopicConfig(`Topic${version}`));
        await manager.persist();
      };
      const topicsIn = async (): Promise<string[]> => (await TopicConfigManager.load(topics)).names().sort();
      await write(1);
      await write(2); // file: Topic1+2, bak: Topic1

      // 1. crashed after writing .tmp (whole or half): .tmp is ignored
      await writeFile(`${topics}.tmp`, '{"topicConfigTable":{"Topic3"');
      assert.deepEqual(await topicsIn(), ['Topic1', 'Topic2']);
      // 2. crashed in Java's window between deleting the file and renaming .tmp
      const current = await readFile(topics, 'utf8');
      await unlink(topics);
      const fromBak = await TopicConfigManager.load(topics);
      assert.equal(fromBak.loadedFrom, 'bak');
      assert.deepEqual(fromBak.names(), ['Topic1']);
      // 3. a torn file (written in place by another tool, or a disk that lied) falls back too
      await writeFile(topics, current);
      await truncate(topics, current.length - 10);
      assert.deepEqual(await topicsIn(), ['Topic1']);
      // the next write repairs the file from what was loaded
      await write(3);
      assert.deepEqual(await topicsIn(), ['Topic1', 'Topic3']);
    });

    it('every manager falls back to its backup', async (t) => {
      const paths = configFilePaths(await tempRoot(t));
      const delay = await DelayOffsetManager.load(paths.delayOffset);
      delay.set(1, 10);
      await delay.persist();
      delay.set(1, 20);
      await delay.persist();
      await writeFile(paths.delayOffset, '');
      const reloaded = await DelayOffsetManager.load(paths.delayOffset);
      assert.equal(reloaded.loadedFrom, 'bak');
      assert.equal(reloaded.get(1), 10);
    });
  });
}

async function tempRoot(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'metadata-crash-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
