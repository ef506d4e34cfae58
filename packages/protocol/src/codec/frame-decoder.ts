/**
 * Splits a TCP byte stream into frames: handles frames split across chunks and several
 * frames in one chunk. Pure: no sockets, timers or logging. A frame contained in one chunk
 * is handed out as a view of that chunk; one spanning chunks is copied once.
 */
import { FrameDecodeError, FrameTooLargeError } from '../errors.ts';
import { DEFAULT_MAX_FRAME_LENGTH } from './frame.ts';

export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxFrameLength = DEFAULT_MAX_FRAME_LENGTH) {}

  /** Bytes received but not yet part of a complete frame. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /**
   * Adds a chunk and returns the frames it completed, each without its length prefix.
   * Throws FrameDecodeError on a bad length; the stream cannot be resynchronised after that.
   */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length === 0) return [];
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.buffered < 4) break;
      const length = this.peekLength();
      if (length < 4) throw new FrameDecodeError(`frame length ${length} is smaller than the 4-byte header length field`);
      if (length + 4 > this.maxFrameLength) throw new FrameTooLargeError(length + 4, this.maxFrameLength);
      if (this.buffered < length + 4) break;
      this.skip(4);
      frames.push(this.take(length));
    }
    return frames;
  }

  private peekLength(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readInt32BE(0);
    const head = Buffer.allocUnsafe(4);
    let copied = 0;
    for (const chunk of this.chunks) {
      copied += chunk.copy(head, copied, 0, Math.min(chunk.length, 4 - copied));
      if (copied === 4) break;
    }
    return head.readInt32BE(0);
  }

  private skip(count: number): void {
    this.take(count);
  }

  private take(count: number): Buffer {
    this.buffered -= count;
    const first = this.chunks[0]!;
    if (first.length > count) {
      this.chunks[0] = first.subarray(count);
      return first.subarray(0, count);
    }
    if (first.length === count) {
      this.chunks.shift();
      return first;
    }
    const out = Buffer.allocUnsafe(count);
    let copied = 0;
    while (copied < count) {
      const chunk = this.chunks[0]!;
      const n = Math.min(chunk.length, count - copied);
      chunk.copy(out, copied, 0, n);
      copied += n;
      if (n === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(n);
    }
    return out;
  }
}
