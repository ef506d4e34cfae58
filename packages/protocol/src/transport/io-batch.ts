/**
 * What the event loop and its I/O thread (io-thread.ts) tell each other, one batch per event-loop
 * turn in each direction: a flat list of (op, connection id, a, b) integers, every byte of socket
 * data of the turn in one transferred ArrayBuffer (a and b are offset and length into it), and the
 * few strings (addresses, close reasons) by index. One postMessage per turn, whatever the number
 * of connections and frames, because a postMessage costs as much as the codec work of a frame.
 */

/** From the I/O thread: a connection was accepted (a, b: indexes of its remote and local "ip:port"). */
export const OP_OPEN = 1;
/** Either way: socket bytes (a: offset, b: length into the batch's data). */
export const OP_DATA = 2;
/** From the I/O thread: the peer ended its side. To it: end our side after what was written. */
export const OP_END = 3;
/** From the I/O thread: the socket closed (a: index of the reason, -1 if none; b: 1 if it failed). */
export const OP_CLOSE = 4;
/** From the I/O thread: the socket was idle for the time set with OP_SET_TIMEOUT. */
export const OP_TIMEOUT = 5;
/** From the I/O thread: the oldest OP_DATA write of this connection reached the kernel. */
export const OP_WRITTEN = 6;
/** To the I/O thread: stop reading this socket (the event loop holds enough of its bytes). */
export const OP_PAUSE = 7;
/** To the I/O thread: read this socket again. */
export const OP_RESUME = 8;
/** To the I/O thread: report OP_TIMEOUT after a milliseconds without traffic (0: never). */
export const OP_SET_TIMEOUT = 9;
/** To the I/O thread: close the socket now, dropping what is not written. */
export const OP_DESTROY = 10;

export interface IoBatch {
  ops: Int32Array;
  data: ArrayBuffer | undefined;
  strings: string[];
}

/** Collects one turn's ops and bytes; `take` hands them over as one message. */
export class IoBatchWriter {
  private ops: number[] = [];
  private chunks: Uint8Array[] = [];
  private dataLength = 0;
  private strings: string[] = [];
  private scheduled = false;

  constructor(private readonly schedule: () => void) {}

  get empty(): boolean {
    return this.ops.length === 0;
  }

  op(op: number, id: number, a = 0, b = 0): void {
    this.ops.push(op, id, a, b);
    this.wake();
  }

  /** Bytes are copied at `take`, so the caller may reuse its buffers once the turn ends. */
  data(id: number, chunks: readonly Uint8Array[]): void {
    let length = 0;
    for (const chunk of chunks) {
      this.chunks.push(chunk);
      length += chunk.length;
    }
    this.ops.push(OP_DATA, id, this.dataLength, length);
    this.dataLength += length;
    this.wake();
  }

  string(text: string): number {
    this.strings.push(text);
    return this.strings.length - 1;
  }

  /** The batch and its transfer list; the writer starts empty again. */
  take(): { batch: IoBatch; transfer: ArrayBuffer[] } {
    const ops = Int32Array.from(this.ops);
    let data: ArrayBuffer | undefined;
    if (this.dataLength > 0) {
      const bytes = new Uint8Array(new ArrayBuffer(this.dataLength));
      let at = 0;
      for (const chunk of this.chunks) {
        bytes.set(chunk, at);
        at += chunk.length;
      }
      data = bytes.buffer;
    }
    const batch: IoBatch = { ops, data, strings: this.strings };
    this.ops = [];
    this.chunks = [];
    this.dataLength = 0;
    this.strings = [];
    this.scheduled = false;
    return { batch, transfer: data ? [ops.buffer as ArrayBuffer, data] : [ops.buffer as ArrayBuffer] };
  }

  private wake(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.schedule();
  }
}
