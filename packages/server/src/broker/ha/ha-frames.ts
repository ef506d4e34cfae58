/**
 * The HA port's two byte streams (no RemotingCommand framing, big-endian; wave2.md §a.2,
 * Java HAConnection / HAService.HAClient):
 *
 *   slave → master:  int64 maxPhyOffset                       (repeated; the last complete one counts)
 *   master → slave:  int64 phyOffset | int32 bodySize | body   (bodySize 0 = heartbeat)
 *
 * Controller mode, with a slave whose hello is version 2 (below), the master's frames carry its
 * confirm offset after the size: int64 phyOffset | int32 bodySize | int64 confirmOffset | body.
 *
 * Pure: Buffers in, values out.
 */

export const OFFSET_REPORT_LENGTH = 8;
export const TRANSFER_HEADER_LENGTH = 12;
/** A frame header with the master's confirm offset (hello version 2). */
export const CONFIRMED_TRANSFER_HEADER_LENGTH = 20;

export function encodeOffsetReport(maxPhyOffset: number): Buffer {
  const buffer = Buffer.allocUnsafe(OFFSET_REPORT_LENGTH);
  buffer.writeBigInt64BE(BigInt(maxPhyOffset), 0);
  return buffer;
}

/** A frame header; with `confirmOffset` the 20-byte form a version-2 slave reads. */
export function encodeTransferHeader(phyOffset: number, bodySize: number, confirmOffset?: number): Buffer {
  const buffer = Buffer.allocUnsafe(confirmOffset === undefined ? TRANSFER_HEADER_LENGTH : CONFIRMED_TRANSFER_HEADER_LENGTH);
  buffer.writeBigInt64BE(BigInt(phyOffset), 0);
  buffer.writeInt32BE(bodySize, 8);
  if (confirmOffset !== undefined) buffer.writeBigInt64BE(BigInt(confirmOffset), 12);
  return buffer;
}

/**
 * Controller mode only (our extension, not Apache's AutoSwitchHA): before its first offset
 * report a slave names itself, so the master can track its in-sync set by controller brokerId:
 * int32 magic | int32 version | int64 brokerId (16 bytes). Version 2 also asks for the master's
 * confirm offset in every frame, so a slave serves reads only of what a failover cannot cut;
 * a master answers a version-1 hello (an older broker of ours) with 12-byte headers.
 */
export const SLAVE_HELLO_LENGTH = 16;
export const SLAVE_HELLO_MAGIC = 0x52545348; // "RTSH"
export const SLAVE_HELLO_VERSION = 2;

export interface SlaveHello {
  brokerId: number;
  version: number;
}

export function encodeSlaveHello(brokerId: number, version = SLAVE_HELLO_VERSION): Buffer {
  const buffer = Buffer.allocUnsafe(SLAVE_HELLO_LENGTH);
  buffer.writeInt32BE(SLAVE_HELLO_MAGIC, 0);
  buffer.writeInt32BE(version, 4);
  buffer.writeBigInt64BE(BigInt(brokerId), 8);
  return buffer;
}

/** The slave's brokerId and hello version, or an error naming what arrived instead. */
export function decodeSlaveHello(buffer: Buffer): SlaveHello {
  if (buffer.length < SLAVE_HELLO_LENGTH || buffer.readInt32BE(0) !== SLAVE_HELLO_MAGIC) {
    throw new RangeError('the slave did not open with a controller-mode hello: is it a broker without enableControllerMode=true?');
  }
  const version = buffer.readInt32BE(4);
  if (version < 1) throw new RangeError(`the slave's hello has version ${version}`);
  return { brokerId: toSafeNumber(buffer.readBigInt64BE(8), 'slave brokerId'), version };
}

function toSafeNumber(value: bigint, what: string): number {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${what} ${value} is outside 0..2^53`);
  return Number(value);
}

/** Master side: the offsets a slave reports, read as whole 8-byte groups across arbitrary chunks. */
export class OffsetReportDecoder {
  private partial = Buffer.alloc(0);

  /** The last complete report in `chunk` (with earlier leftover bytes), or undefined if none completed. */
  push(chunk: Buffer): number | undefined {
    const data = this.partial.length > 0 ? Buffer.concat([this.partial, chunk]) : chunk;
    const whole = data.length - (data.length % OFFSET_REPORT_LENGTH);
    this.partial = Buffer.from(data.subarray(whole));
    if (whole === 0) return undefined;
    return toSafeNumber(data.readBigInt64BE(whole - OFFSET_REPORT_LENGTH), 'the reported slave offset');
  }
}

export interface TransferFrame {
  phyOffset: number;
  /** Raw commit-log bytes from phyOffset; empty for a heartbeat. */
  body: Buffer;
  /** The master's confirm offset when the frame was sent (20-byte headers only). */
  confirmOffset?: number;
}

/** Slave side: transfer frames out of arbitrary chunks (a partial frame is kept until complete). */
export class TransferFrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private readonly headerLength: number;

  /** `withConfirmOffset`: the 20-byte headers a version-2 hello asks for. */
  constructor(withConfirmOffset = false) {
    this.headerLength = withConfirmOffset ? CONFIRMED_TRANSFER_HEADER_LENGTH : TRANSFER_HEADER_LENGTH;
  }

  push(chunk: Buffer): TransferFrame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: TransferFrame[] = [];
    const header = this.headerLength;
    if (this.buffered < header) return frames;
    let data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    let at = 0;
    while (data.length - at >= header) {
      const bodySize = data.readInt32BE(at + 8);
      if (bodySize < 0) throw new RangeError(`a transfer frame declares ${bodySize} bytes`);
      if (data.length - at < header + bodySize) break;
      const phyOffset = toSafeNumber(data.readBigInt64BE(at), 'the transfer offset');
      const frame: TransferFrame = { phyOffset, body: data.subarray(at + header, at + header + bodySize) };
      if (header === CONFIRMED_TRANSFER_HEADER_LENGTH) frame.confirmOffset = toSafeNumber(data.readBigInt64BE(at + 12), 'the confirm offset');
      frames.push(frame);
      at += header + bodySize;
    }
    data = data.subarray(at);
    this.chunks = data.length > 0 ? [data] : [];
    this.buffered = data.length;
    return frames;
  }
}
