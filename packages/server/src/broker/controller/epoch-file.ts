/**
 * The epoch list of a broker under a controller (Apache EpochFileCache's role): which master
 * epoch wrote the commit log from which offset. Kept in `<storePathRootDir>/epochFileCheckpoint`
 * (Apache's file name; our layout: one `epoch startOffset` line per entry, written to a temp
 * file and renamed). A follower compares its list with its new master's to find the last offset
 * both logs agree on and cuts its own log there before it copies (findConsistentPoint).
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface EpochEntry {
  epoch: number;
  startOffset: number;
  /** End of the data written in this epoch (the next entry's start, or the log end). */
  endOffset: number;
}

export interface EpochStart {
  epoch: number;
  startOffset: number;
}

export function epochFilePath(storePathRootDir: string): string {
  return join(storePathRootDir, 'epochFileCheckpoint');
}

export class EpochFile {
  private entries: EpochStart[];

  private constructor(
    private readonly file: string,
    entries: EpochStart[],
  ) {
    this.entries = entries;
  }

  static async load(file: string): Promise<EpochFile> {
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const entries: EpochStart[] = [];
    for (const line of text.split('\n')) {
      const [epoch, start] = line.trim().split(/\s+/).map(Number);
      if (Number.isSafeInteger(epoch) && Number.isSafeInteger(start)) entries.push({ epoch: epoch!, startOffset: start! });
    }
    return new EpochFile(file, entries);
  }

  get lastEpoch(): number {
    return this.entries.at(-1)?.epoch ?? 0;
  }

  /** The entries with their ends, `maxOffset` being this log's end. */
  list(maxOffset: number): EpochEntry[] {
    return this.entries.map((entry, i) => ({ ...entry, endOffset: this.entries[i + 1]?.startOffset ?? maxOffset }));
  }

  /** A new master epoch starts at `startOffset`: later or empty entries it supersedes go. */
  async append(epoch: number, startOffset: number): Promise<void> {
    if (epoch <= this.lastEpoch && this.entries.some((e) => e.epoch === epoch)) return;
    this.entries = this.entries.filter((entry) => entry.startOffset < startOffset && entry.epoch < epoch);
    this.entries.push({ epoch, startOffset });
    await this.persist();
  }

  /** Replaces the list with a master's (entries starting at or past `maxOffset` describe data this log lacks). */
  async adopt(master: readonly EpochStart[], maxOffset: number): Promise<void> {
    const kept = master.filter((entry) => entry.startOffset < maxOffset || entry === master[0]).map((e) => ({ epoch: e.epoch, startOffset: e.startOffset }));
    this.entries = kept;
    await this.persist();
  }

  /** Drops entries starting at or after `offset` (the log was cut there). */
  async truncate(offset: number): Promise<void> {
    const kept = this.entries.filter((entry) => entry.startOffset < offset);
    if (kept.length === this.entries.length) return;
    this.entries = kept;
    await this.persist();
  }

  private async persist(): Promise<void> {
    const temp = `${this.file}.tmp`;
    await writeFile(temp, this.entries.map((e) => `${e.epoch} ${e.startOffset}`).join('\n') + '\n', { flush: true });
    await rename(temp, this.file);
  }
}

/**
 * The end of what two logs hold in common, from their epoch lists (Apache findConsistentPoint):
 * the newest epoch both have with the same start, up to the smaller of the two ends. −1 when
 * they share none (the follower must drop its whole log).
 */
export function consistentPoint(local: readonly EpochEntry[], remote: readonly EpochEntry[]): number {
  for (let i = local.length - 1; i >= 0; i--) {
    const mine = local[i]!;
    const theirs = remote.find((entry) => entry.epoch === mine.epoch);
    if (theirs && theirs.startOffset === mine.startOffset) return Math.min(mine.endOffset, theirs.endOffset);
  }
  return -1;
}
