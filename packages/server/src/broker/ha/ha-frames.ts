/**
 * The HA port's two byte streams (no RemotingCommand framing, big-endian; wave2.md §a.2,
 * Java HAConnection / HAService.HAClient):
 *
 *   slave → master:  int64 maxPhyOffset                       (repeated; the last complete one counts)
 *   master → slave:  int64 phyOffset | int32 bodySize | body   (bodySize 0 = heartbeat)
 *
 * Pure: Buffers in, values out.
 */

export const OFFSET_REPORT_LENGTH = 8;
export const TRANSFER_HEADER_LENGTH = 12;

export function encodeOffsetReport(maxPhyOffset: number): Buffer {
  const buffer = Buffer.allocUnsafe(OFFSET_REPORT_LENGTH);
  buffer.writeBigInt64BE(BigInt(maxPhyOffset), 0);
  return buffer;
}

export function encodeTransferHeader(phyOffset: number, bodySize: number): Buffer {
  const buffer = Buffer.allocUnsafe(TRANSFER_HEADER_LENGTH);
  buffer.writeBigInt64BE(BigInt(phyOffset), 0);
  buffer.writeInt32BE(bodySize, 8);
  return buffer;
}

/**
 * Controller mode only (our extension, not Apache's AutoSwitchHA): before its first offset
 * report a slave names itself, so the master can track its in-sync set by controller brokerId:
 * int32 magic | int32 version | int64 brokerId (16 bytes).
 */
export const SLAVE_HELLO_LENGTH = 16;
export const SLAVE_HELLO_MAGIC = 0x52545348; // "RTSH"

export function encodeSlaveHello(brokerId: number): Buffer {
  const buffer = Buffer.allocUnsafe(SLAVE_HELLO_LENGTH);
  buffer.writeInt32BE(SLAVE_HELLO_MAGIC, 0);
  buffer.writeInt32BE(1, 4);
  buffer.writeBigInt64BE(BigInt(brokerId), 8);
  return buffer;
}

/** The slave's brokerId from a hello, or an error naming what arrived instead. */
export function decodeSlaveHello(buffer: Buffer): number {
  if (buffer.length < SLAVE_HELLO_LENGTH || buffer.readInt32BE(0) !== SLAVE_HELLO_MAGIC) {
    throw new RangeError('the slave did not open with a controller-mode hello: is it a broker without enableControllerMode=true?');
  }
  return toSafeNumber(buffer.readBigInt64BE(8), 'slave brokerId');
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
}

/** Slave side: transfer frames out of arbitrary chunks (a partial frame is kept until complete). */
export class TransferFrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  push(chunk: Buffer): TransferFrame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: TransferFrame[] = [];
    if (this.buffered < TRANSFER_HEADER_LENGTH) return frames;
    let data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    let at = 0;
    while (data.length - at >= TRANSFER_HEADER_LENGTH) {
      const bodySize = data.readInt32BE(at + 8);
      if (bodySize < 0) throw new RangeError(`a transfer frame declares ${bodySize} bytes`);
      if (data.length - at < TRANSFER_HEADER_LENGTH + bodySize) break;
      const phyOffset = toSafeNumber(data.readBigInt64BE(at), 'the transfer offset');
      frames.push({ phyOffset, body: data.subarray(at + TRANSFER_HEADER_LENGTH, at + TRANSFER_HEADER_LENGTH + bodySize) });
      at += TRANSFER_HEADER_LENGTH + bodySize;
    }
    data = data.subarray(at);
    this.chunks = data.length > 0 ? [data] : [];
    this.buffered = data.length;
    return frames;
  }
}
