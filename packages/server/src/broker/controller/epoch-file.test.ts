import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { consistentPoint, type EpochEntry, EpochFile } from './epoch-file.ts';

const entries = (list: [number, number][], end: number): EpochEntry[] => list.map(([epoch, startOffset], i) => ({ epoch, startOffset, endOffset: list[i + 1]?.[1] ?? end }));

describe('epoch file', () => {
  it('a returning old master keeps what the new master has of the epochs they share', () => {
    // Old master wrote epoch 2 from 500 up to 900; the new master (epoch 3) took over at 700.
    const oldMaster = entries([[1, 0], [2, 500]], 900);
    const newMaster = entries([[1, 0], [2, 500], [3, 700]], 1200);
    assert.equal(consistentPoint(oldMaster, newMaster), 700);
    // A slave that lags the new master's epoch-2 data keeps all it has.
    assert.equal(consistentPoint(entries([[1, 0], [2, 500]], 650), newMaster), 650);
    // Nothing in common: the whole log goes.
    assert.equal(consistentPoint(entries([[4, 0]], 100), newMaster), -1);
    // Same epoch number, another start: not the same history.
    assert.equal(consistentPoint(entries([[1, 0], [2, 400]], 900), newMaster), 400);
  });

  it('persists appends and truncations, dropping entries a newer epoch supersedes', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'rmqts-epoch-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'epochFileCheckpoint');
    const file = await EpochFile.load(path);
    assert.equal(file.lastEpoch, 0);
    await file.append(1, 0);
    await file.append(2, 500);
    await file.append(3, 500); // epoch 2 wrote nothing
    assert.deepEqual(file.list(800), entries([[1, 0], [3, 500]], 800));
    await file.truncate(400);
    assert.deepEqual((await EpochFile.load(path)).list(400), entries([[1, 0]], 400));
    assert.equal(await readFile(path, 'utf8'), '1 0\n');
  });
});
