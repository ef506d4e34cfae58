/**
 * The slave side of the HA port (Java HAService.HAClient): connects to the master's HA
 * address, reports its commit-log end on connect, after every applied frame that moved it and
 * at least every haSendHeartbeatInterval, and appends each frame's bytes through the store's
 * replica sink. A frame that does not continue the local log (once it has data) closes the
 * connection; so does a master silent for haHousekeepingInterval. It reconnects after
 * `reconnectDelayMillis` for as long as it runs.
 */
import { connect, type Socket } from 'node:net';
import type { ReplicaSink } from '@rocketmq-ts/store';
import type { ServerLogger } from '../../common/logger.ts';
import { encodeOffsetReport, encodeSlaveHello, type TransferFrame, TransferFrameDecoder } from './ha-frames.ts';
import type { HaTimings } from './ha-options.ts';

export type HaClientState = 'IDLE' | 'CONNECTING' | 'TRANSFER' | 'PAUSED' | 'STOPPED';

export interface HaClientOptions extends HaTimings {
  /** Wait between connection attempts. @defaultValue 5000 (Java waits 5 s after a failure) */
  reconnectDelayMillis?: number;
  /**
   * Controller mode: this slave's controller brokerId, sent in a hello before the first report;
   * the hello also asks for the master's confirm offset in every frame (onConfirmOffset).
   */
  helloBrokerId?: number;
  /** Controller mode: the master's confirm offset, after the frame that carried it is applied. */
  onConfirmOffset?: (offset: number) => void;
}

export class HaClient {
  private masterHaAddr: string | undefined;
  private socket: Socket | undefined;
  private decoder: TransferFrameDecoder;
  private reportedOffset = -1;
  private lastReportAt = 0;
  private lastReadAt = 0;
  private applying: Promise<void> = Promise.resolve();
  private loopTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private running = false;
  private paused = false;
  private connectedAt = 0;
  /** The master's commit-log end as last seen in a frame header (for lag figures). */
  masterOffset = 0;

  constructor(
    private readonly sink: ReplicaSink,
    private readonly options: HaClientOptions,
    private readonly logger: ServerLogger,
  ) {
    this.decoder = new TransferFrameDecoder(options.helloBrokerId !== undefined);
  }

  /** The master's HA address in use (haMasterAddress, or learnt from the name server). */
  get masterAddress(): string | undefined {
    return this.masterHaAddr;
  }

  get state(): HaClientState {
    if (!this.running) return 'STOPPED';
    if (this.paused) return 'PAUSED';
    if (this.socket) return this.connectedAt > 0 ? 'TRANSFER' : 'CONNECTING';
    return 'IDLE';
  }

  get maxPhyOffset(): number {
    return this.sink.maxPhyOffset;
  }

  /** Sets (or changes) the master's HA address; a change drops the current connection. */
  updateMasterAddress(addr: string | undefined): void {
    if (!addr || addr === this.masterHaAddr) return;
    this.logger.info({ from: this.masterHaAddr, to: addr }, 'HA master address set');
    this.masterHaAddr = addr;
    this.disconnect('the master address changed');
    this.schedule(0);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.heartbeatTimer = setInterval(() => this.tick(), Math.min(1_000, this.options.heartbeatIntervalMillis));
    this.heartbeatTimer.unref();
    this.schedule(0);
  }

  /** Stops reading and reporting while keeping the socket open: a frozen slave, for tests and diagnosis. */
  pause(): void {
    this.paused = true;
    this.socket?.pause();
  }

  resume(): void {
    this.paused = false;
    this.socket?.resume();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.loopTimer);
    clearInterval(this.heartbeatTimer);
    this.disconnect('the broker is shutting down');
    // Waits for the batch being applied; its failure was logged where it happened.
    await this.applying.catch(() => undefined);
  }

  private schedule(delay: number): void {
    clearTimeout(this.loopTimer);
    if (!this.running) return;
    this.loopTimer = setTimeout(() => this.connectOnce(), delay);
    this.loopTimer.unref();
  }

  private connectOnce(): void {
    if (!this.running || this.socket) return;
    const addr = this.masterHaAddr;
    if (!addr) return this.schedule(this.options.reconnectDelayMillis ?? 5_000);
    const colon = addr.lastIndexOf(':');
    const host = addr.slice(0, colon);
    const port = Number(addr.slice(colon + 1));
    const socket = connect({ host, port });
    this.socket = socket;
    this.connectedAt = 0;
    this.decoder = new TransferFrameDecoder(this.options.helloBrokerId !== undefined);
    socket.setNoDelay(true);
    socket.on('connect', () => {
      this.connectedAt = Date.now();
      this.lastReadAt = Date.now();
      this.reportedOffset = -1;
      this.logger.info({ master: addr, offset: this.sink.maxPhyOffset }, 'HA client connected to the master');
      if (this.options.helloBrokerId !== undefined) socket.write(encodeSlaveHello(this.options.helloBrokerId));
      this.report(true);
      if (this.paused) socket.pause();
    });
    socket.on('data', (chunk: Buffer) => this.onData(socket, chunk));
    socket.on('error', (error) => this.logger.warn({ master: addr, err: error.message }, 'HA connection to the master failed; retrying (check haMasterAddress / the master’s listenPort + 1)'));
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.connectedAt = 0;
      this.schedule(this.options.reconnectDelayMillis ?? 5_000);
    });
  }

  private disconnect(reason: string): void {
    const socket = this.socket;
    if (!socket) return;
    this.logger.info({ master: this.masterHaAddr, reason }, 'HA client disconnects');
    this.socket = undefined;
    this.connectedAt = 0;
    socket.destroy();
    this.schedule(this.options.reconnectDelayMillis ?? 5_000);
  }

  private onData(socket: Socket, chunk: Buffer): void {
    if (socket !== this.socket) return;
    this.lastReadAt = Date.now();
    let frames: TransferFrame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (error) {
      this.disconnect(`bad transfer frame: ${(error as Error).message}`);
      return;
    }
    if (frames.length === 0) return;
    // Frames are applied one after another; the socket pauses while a batch is written.
    socket.pause();
    this.applying = this.applying
      .then(() => this.apply(socket, frames))
      .catch((error: unknown) => this.disconnect((error as Error).message))
      .finally(() => {
        if (this.socket === socket && !this.paused) socket.resume();
      });
  }

  private async apply(socket: Socket, frames: TransferFrame[]): Promise<void> {
    for (const frame of frames) {
      if (socket !== this.socket) return;
      const local = this.sink.maxPhyOffset;
      this.masterOffset = Math.max(this.masterOffset, frame.phyOffset + frame.body.length);
      if (local !== 0 && frame.phyOffset !== local) {
        this.logger.error({ master: this.masterHaAddr, masterOffset: frame.phyOffset, slaveOffset: local }, 'HA frame does not continue this slave’s commit log: reconnecting');
        this.disconnect('offset mismatch');
        return;
      }
      if (frame.body.length > 0) await this.sink.append(frame.phyOffset, frame.body);
      if (frame.confirmOffset !== undefined && socket === this.socket) this.options.onConfirmOffset?.(frame.confirmOffset);
    }
    this.report(false);
  }

  /** Reports maxPhyOffset when it moved (or `force`). */
  private report(force: boolean): void {
    const socket = this.socket;
    if (!socket || this.connectedAt === 0 || this.paused) return;
    const offset = this.sink.maxPhyOffset;
    if (!force && offset === this.reportedOffset) return;
    this.reportedOffset = offset;
    this.lastReportAt = Date.now();
    socket.write(encodeOffsetReport(offset));
  }

  private tick(): void {
    if (!this.socket || this.connectedAt === 0 || this.paused) return;
    const now = Date.now();
    if (now - this.lastReadAt > this.options.housekeepingIntervalMillis) {
      this.disconnect(`nothing from the master for ${this.options.housekeepingIntervalMillis} ms (haHousekeepingInterval)`);
      return;
    }
    if (now - this.lastReportAt >= this.options.heartbeatIntervalMillis) this.report(true);
  }
}
