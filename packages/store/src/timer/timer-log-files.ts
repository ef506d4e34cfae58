/**
 * Segment files of the timer log: `<dir>/<20-digit start offset>`, each `segmentBytes` long
 * when full (a whole number of 56-byte records, so no record straddles two files).
 *
 * Before segments existed the log was one file, `<dir>/00000000000000000000`, that grew for
 * ever. Its name is segment 0's, so it is migrated by splitting: every `segmentBytes` past the
 * first are copied to the segment file they belong to (temp + fsync + rename), then the old
 * file is cut to one segment. Positions stay the same. A crash during the split leaves the old
 * file whole, so the next open simply splits again.
 */
import { type FileHandle, open, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptSegmentError } from '../errors.ts';
import { syncDirectory } from '../segment/segment.ts';

const NAME = /^\d{20}$/;
const COPY_CHUNK = 4 * 1024 * 1024;

export function segmentFileName(start: number): string {
  return String(start).padStart(20, '0');
}

/** Start offsets of the segment files in `dir`, ascending; leftover temp files are removed. */
export async function listSegmentStarts(dir: string): Promise<number[]> {
  const names = await readdir(dir);
  // A leftover temp file that cannot be removed is harmless: it is never read as a segment.
  for (const name of names) if (name.endsWith('.tmp')) await unlink(join(dir, name)).catch(() => {});
  return names
    .filter((name) => NAME.test(name))
    .map(Number)
    .sort((a, b) => a - b);
}

/**
 * The segment size of an existing log without a saved one (no checkpoint was written yet, so
 * nothing was deleted and the files are consecutive): the distance between the first two.
 */
export function inferSegmentBytes(starts: readonly number[]): number | undefined {
  return starts.length >= 2 ? starts[1]! - starts[0]! : undefined;
}

export function checkLayout(dir: string, starts: readonly number[], segmentBytes: number): void {
  for (const start of starts) {
    if (start % segmentBytes !== 0) {
      throw new CorruptSegmentError(join(dir, segmentFileName(start)), 0, `its start offset is not a multiple of the timer log segment size ${segmentBytes}; move the timer files away only when no timer message is pending`);
    }
  }
}

async function copyRange(source: FileHandle, from: number, length: number, target: string): Promise<void> {
  const out = await open(`${target}.tmp`, 'w');
  try {
    const chunk = Buffer.allocUnsafe(Math.min(COPY_CHUNK, length));
    for (let done = 0; done < length; ) {
      const { bytesRead } = await source.read(chunk, 0, Math.min(chunk.length, length - done), from + done);
      if (bytesRead === 0) break;
      let written = 0;
      while (written < bytesRead) written += (await out.write(chunk, written, bytesRead - written, done + written)).bytesWritten;
      done += bytesRead;
    }
    await out.sync();
  } finally {
    await out.close();
  }
  await rename(`${target}.tmp`, target);
}

/** Splits a file longer than one segment (the single-file log of earlier versions); returns whether it did. */
export async function splitOversizedSegment(dir: string, start: number, segmentBytes: number): Promise<boolean> {
  const path = join(dir, segmentFileName(start));
  const handle = await open(path, 'r+');
  try {
    const size = (await handle.stat()).size;
    if (size <= segmentBytes) return false;
    for (let at = segmentBytes; at < size; at += segmentBytes) {
      await copyRange(handle, at, Math.min(segmentBytes, size - at), join(dir, segmentFileName(start + at)));
    }
    // The copies must be durable (names included) before the original loses their bytes.
    await syncDirectory(dir);
    await handle.truncate(segmentBytes);
    await handle.sync();
    return true;
  } finally {
    await handle.close();
  }
}
