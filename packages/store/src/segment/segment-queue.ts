/**
 * The ordered segments of one log directory (Java MappedFileQueue): files named by their
 * 20-digit start offset, each exactly `segmentSize` bytes, contiguous. Loading refuses a
 * segment of another length (as Apache does) and a gap between segments.
 *
 * Zeroing a segment's tail (after recovery) shrinks and re-extends the file; a crash between
 * the two leaves a short file, so a marker `<dir>.zero-tail` beside the directory (not inside:
 * Apache parses every file in it as a segment) names the segment until it is whole again, and
 * load() finishes the job.
 */
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type Logger, silentLogger } from '@rocketmq-ts/protocol';
import { CorruptSegmentError, SegmentSizeError } from '../errors.ts';
import { fileNameToOffset, offsetToFileName, Segment, syncDirectory } from './segment.ts';
import { nodeSegmentIO, type SegmentIO } from './segment-io.ts';

export interface SegmentQueueOptions {
  dir: string;
  segmentSize: number;
  /** The config key of the segment size, named in errors. */
  sizeSetting: string;
  io?: SegmentIO;
  logger?: Logger;
}

export class SegmentQueue {
  private list: Segment[] = [];
  readonly dir: string;
  readonly segmentSize: number;
  private readonly io: SegmentIO;
  private readonly logger: Logger;

  private constructor(private readonly options: SegmentQueueOptions) {
    this.dir = options.dir;
    this.segmentSize = options.segmentSize;
    this.io = options.io ?? nodeSegmentIO;
    this.logger = options.logger ?? silentLogger;
  }

  /** Opens (creating it if needed) the directory and checks every segment's name, size and order. */
  static async load(options: SegmentQueueOptions): Promise<SegmentQueue> {
    const queue = new SegmentQueue(options);
    await mkdir(options.dir, { recursive: true });
    await queue.finishInterruptedZeroing();
    const offsets: number[] = [];
    for (const name of await readdir(options.dir)) {
      const offset = fileNameToOffset(name);
      if (offset === undefined) {
        queue.logger.warn({ dir: options.dir, file: name }, 'ignoring a file that is not a segment');
        continue;
      }
      offsets.push(offset);
    }
    offsets.sort((a, b) => a - b);
    const sizes = await Promise.all(offsets.map((offset) => stat(join(options.dir, offsetToFileName(offset))).then((info) => info.size)));
    const firstEmpty = sizes.indexOf(0);
    if (firstEmpty >= 0 && (await queue.isInterruptedCreation(offsets.slice(firstEmpty), sizes.slice(firstEmpty)))) {
      const names = offsets.slice(firstEmpty).map(offsetToFileName);
      queue.logger.warn({ dir: options.dir, files: names }, 'deleting empty segments whose creation a crash interrupted');
      for (const name of names) await rm(join(options.dir, name), { force: true });
      await syncDirectory(options.dir);
      offsets.length = sizes.length = firstEmpty;
    }
    offsets.forEach((offset, index) => {
      const segment = Segment.existing(options.dir, offset, options.segmentSize, queue.io);
      if (sizes[index] !== options.segmentSize) {
        throw new SegmentSizeError(segment.file, sizes[index]!, options.segmentSize, options.sizeSetting);
      }
      const previous = queue.list.at(-1);
      if (previous && previous.endOffset !== offset) {
        throw new CorruptSegmentError(
          segment.file,
          0,
          `the previous segment ${previous.name} ends at ${previous.endOffset}, so a segment starting at ${offset} leaves a gap; ` +
            `restore the missing segments or remove the files after the gap`,
        );
      }
      queue.list.push(segment);
    });
    return queue;
  }

  get segments(): readonly Segment[] {
    return this.list;
  }

  first(): Segment | undefined {
    return this.list[0];
  }

  last(): Segment | undefined {
    return this.list.at(-1);
  }

  /** The segment holding `offset`, if it is still stored. */
  find(offset: number): Segment | undefined {
    const first = this.list[0];
    if (!first || offset < first.startOffset) return undefined;
    return this.list[Math.floor((offset - first.startOffset) / this.segmentSize)];
  }

  indexOf(segment: Segment): number {
    return this.list.indexOf(segment);
  }

  /** Segments overlapping [from, to). */
  between(from: number, to: number): Segment[] {
    return this.list.filter((segment) => segment.startOffset < to && segment.endOffset > from);
  }

  /** Creates the segment that starts at `startOffset` (the end of the last one, when there is one). */
  create(startOffset: number): Segment {
    const last = this.last();
    if (last && last.endOffset !== startOffset) {
      throw new CorruptSegmentError(last.file, startOffset, `a new segment must start at ${last.endOffset}, not ${startOffset}`);
    }
    const segment = Segment.create(this.dir, startOffset, this.segmentSize, this.io);
    this.list.push(segment);
    return segment;
  }

  /** Replaces a segment whose file could not be created by a new attempt at the same offset. */
  recreate(segment: Segment): Segment {
    const index = this.list.indexOf(segment);
    if (index < 0 || !segment.failed) throw new CorruptSegmentError(segment.file, 0, 'only a failed, listed segment can be recreated');
    const fresh = Segment.create(this.dir, segment.startOffset, this.segmentSize, this.io);
    this.list[index] = fresh;
    return fresh;
  }

  /** Deletes the segments from index `index` on (newest ones). */
  async deleteFrom(index: number): Promise<Segment[]> {
    const removed = this.list.splice(index);
    for (const segment of removed) await segment.destroy();
    if (removed.length > 0) await syncDirectory(this.dir);
    return removed;
  }

  /** Deletes the `count` oldest segments. */
  async deleteOldest(count: number): Promise<Segment[]> {
    const removed = this.list.splice(0, count);
    for (const segment of removed) await segment.destroy();
    if (removed.length > 0) await syncDirectory(this.dir);
    return removed;
  }

  /** Makes every byte of `segment` from `position` on zero, crash-safely (see the header). */
  async zeroTail(segment: Segment, position: number): Promise<void> {
    const marker = this.markerFile();
    await writeFile(marker, `${segment.name} ${position}\n`, { flush: true });
    await syncDirectory(dirname(marker));
    await segment.zeroFrom(position);
    await rm(marker, { force: true });
  }

  async close(): Promise<void> {
    for (const segment of this.list) await segment.close();
  }

  /**
   * A segment is created as an empty file, then extended: a crash in between leaves a 0-byte
   * file. Nothing is written into a segment before it is whole, nor into any later one, so a
   * 0-byte segment followed only by 0-byte or never-written segments is such a leftover.
   */
  private async isInterruptedCreation(offsets: number[], sizes: number[]): Promise<boolean> {
    const head = Buffer.alloc(8);
    for (let i = 1; i < offsets.length; i++) {
      if (sizes[i] === 0) continue;
      if (sizes[i] !== this.segmentSize) return false;
      const segment = Segment.existing(this.dir, offsets[i]!, this.segmentSize, this.io);
      const read = await segment.read(head, 0, 8, 0).finally(() => segment.close());
      if (read !== 8 || head.some((byte) => byte !== 0)) return false;
    }
    return true;
  }

  private markerFile(): string {
    return join(dirname(this.dir), `${basename(this.dir)}.zero-tail`);
  }

  private async finishInterruptedZeroing(): Promise<void> {
    const marker = this.markerFile();
    // No marker means no interrupted zeroing; any other read error must stop the start.
    const text = await readFile(marker, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (text === undefined) return;
    const [name, positionText] = text.trim().split(' ');
    const offset = fileNameToOffset(name ?? '');
    const position = Number(positionText);
    if (offset !== undefined && Number.isSafeInteger(position)) {
      const segment = Segment.existing(this.dir, offset, this.segmentSize, this.io);
      const size = await stat(segment.file).then((info) => info.size, () => undefined);
      if (size !== undefined) {
        this.logger.warn({ file: segment.file, position }, 'finishing the zeroing of a segment tail interrupted by a crash');
        await segment.zeroFrom(Math.min(position, size));
        await segment.close();
      }
    }
    await rm(marker, { force: true });
  }
}
