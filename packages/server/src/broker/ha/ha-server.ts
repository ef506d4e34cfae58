/**
 * The master side of the HA port (Java HAService.AcceptSocketService + HAConnection), on
 * listenPort + 1. Each slave connection reads the slave's offset reports and streams the
 * commit log to it in frames of at most haTransferBatchSize bytes, never across a segment end,
 * with an empty frame as heartbeat when nothing was sent for haSendHeartbeatInterval.
 *
 * First-transfer rule: nothing is sent before the slave's first report; a first report of 0
 * starts at the beginning of the master's last segment, any other value at that offset.
 * Reports feed GroupTransfer (SYNC_MASTER waits).
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { ReplicationSource } from '@rocketmq-ts/store';
import type { ServerLogger } from '../../common/logger.ts';
import { decodeSlaveHello, encodeTransferHeader, OffsetReportDecoder, SLAVE_HELLO_LENGTH } from './ha-frames.ts';
import type { HaTimings } from './ha-options.ts';
import type { GroupTransfer } from './group-transfer.ts';

/** How long the transfer loop sleeps when it is caught up and no append wakes it (Java: 100 ms). */
const IDLE_WAIT_MILLIS = 100;

export interface HaSlaveInfo {
  /** The slave's address as seen from here. */
  addr: string;
  /** The last offset it reported. */
  ackOffset: number;
  /** Where the next frame starts (-1 before the first report). */
  nextTransferOffset: number;
  connectedAt: number;
  /** Controller mode: the slave's controller brokerId (from its hello). */
  brokerId?: number;
}

/**
 * Controller mode: slaves open with a hello naming their brokerId; acks are reported per slave,
 * and slaves that ask for it (hello version 2) get the confirm offset in every frame.
 */
export interface HaServerControllerHooks {
  onSlaveAck(brokerId: number, offset: number): void;
  onSlaveGone(brokerId: number): void;
  /** What consumers may read on this master (Replication.confirmOffset). */
  confirmOffset(): number;
}

class HaConnection {
  readonly addr: string;
  readonly connectedAt = Date.now();
  ackOffset = -1;
  brokerId: number | undefined;
  /** The slave asked for the confirm offset in every frame (hello version 2). */
  private sendsConfirm = false;
  /** The confirm offset in the last frame sent (-1: none yet). */
  private sentConfirm = -1;
  private hello: Buffer | undefined;
  /** The slave's first report: -1 until it arrives. */
  private requestOffset = -1;
  nextTransferOffset = -1;
  private lastReadAt = Date.now();
  private lastWriteAt = 0;
  private closed = false;
  private wake: (() => void) | undefined;
  private readonly reports = new OffsetReportDecoder();

  constructor(
    private readonly socket: Socket,
    private readonly source: ReplicationSource,
    private readonly timings: HaTimings,
    private readonly onAck: (offset: number) => void,
    private readonly logger: ServerLogger,
    private readonly controller?: HaServerControllerHooks,
  ) {
    if (controller) this.hello = Buffer.alloc(0);
    this.addr = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  private onData(chunk: Buffer): void {
    this.lastReadAt = Date.now();
    if (this.hello) {
      const data = Buffer.concat([this.hello, chunk]);
      if (data.length < SLAVE_HELLO_LENGTH) {
        this.hello = data;
        return;
      }
      this.hello = undefined;
      try {
        const hello = decodeSlaveHello(data);
        this.brokerId = hello.brokerId;
        this.sendsConfirm = hello.version >= 2;
      } catch (error) {
        this.close((error as Error).message);
        return;
      }
      this.logger.info({ slave: this.addr, brokerId: this.brokerId, confirmOffsetInFrames: this.sendsConfirm }, 'HA slave introduced itself');
      chunk = data.subarray(SLAVE_HELLO_LENGTH);
      if (chunk.length === 0) return;
    }
    let offset: number | undefined;
    try {
      offset = this.reports.push(chunk);
    } catch (error) {
      this.close(`bad offset report: ${(error as Error).message}`);
      return;
    }
    if (offset === undefined) return;
    if (offset > this.source.maxPhyOffset) {
      // Only a slave whose store holds data this master does not (another master's, or what this
      // one lost) can be ahead; counting its reports would let SYNC_MASTER sends pass unreplicated.
      this.logger.error(
        { slave: this.addr, slaveOffset: offset, masterOffset: this.source.maxPhyOffset },
        "HA slave reports more commit log than this master has: its store has diverged; move the slave's storePathRootDir away and restart it",
      );
      this.close('the slave is ahead of the master');
      return;
    }
    this.ackOffset = offset;
    if (this.requestOffset < 0) {
      this.requestOffset = offset;
      this.logger.info({ slave: this.addr, offset }, 'HA slave reported its offset; transfer starts');
    }
    this.onAck(offset);
    if (this.brokerId !== undefined) this.controller?.onSlaveAck(this.brokerId, offset);
    this.notify();
  }

  /** Wakes the transfer loop (new data, or the first report). */
  notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.logger.info({ slave: this.addr, reason }, 'HA connection closed');
    this.socket.destroy();
    this.notify();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Idle check (haHousekeepingInterval). */
  housekeep(now: number): void {
    if (now - this.lastReadAt > this.timings.housekeepingIntervalMillis) {
      this.close(`no offset report for ${this.timings.housekeepingIntervalMillis} ms (haHousekeepingInterval)`);
    }
  }

  /** The transfer loop: runs until the connection closes. */
  async run(): Promise<void> {
    try {
      while (!this.closed) {
        if (this.requestOffset < 0) {
          await this.sleep(IDLE_WAIT_MILLIS);
          continue;
        }
        if (this.nextTransferOffset < 0) {
          if (this.requestOffset === 0) {
            const max = this.source.maxPhyOffset;
            this.nextTransferOffset = max - (max % this.source.segmentSize);
          } else {
            this.nextTransferOffset = this.requestOffset;
          }
          this.logger.info({ slave: this.addr, from: this.nextTransferOffset }, 'HA transfer to slave starts');
        }
        const body = await this.source.readRange(this.nextTransferOffset, this.timings.transferBatchSize);
        if (this.closed) break;
        if (body && body.length > 0) {
          await this.send(this.header(body.length), body);
          this.nextTransferOffset += body.length;
          continue;
        }
        // A moved confirm offset goes out at once: the slave's consumers wait for it.
        const confirmMoved = this.sendsConfirm && this.confirmOffset() !== this.sentConfirm;
        if (confirmMoved || Date.now() - this.lastWriteAt >= this.timings.heartbeatIntervalMillis) {
          await this.send(this.header(0));
          continue;
        }
        await this.sleep(IDLE_WAIT_MILLIS);
      }
    } catch (error) {
      this.close(`transfer failed: ${(error as Error).message}`);
    }
  }

  private confirmOffset(): number {
    return this.controller?.confirmOffset() ?? this.source.maxPhyOffset;
  }

  private header(bodySize: number): Buffer {
    if (!this.sendsConfirm) return encodeTransferHeader(this.nextTransferOffset, bodySize);
    this.sentConfirm = this.confirmOffset();
    return encodeTransferHeader(this.nextTransferOffset, bodySize, this.sentConfirm);
  }

  private send(header: Buffer, body?: Buffer): Promise<void> {
    this.lastWriteAt = Date.now();
    return new Promise((resolve) => {
      if (this.closed) return resolve();
      this.socket.cork();
      this.socket.write(header);
      const flushed = this.socket.write(body ?? Buffer.alloc(0));
      this.socket.uncork();
      if (flushed) return resolve();
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.once('drain', done);
      this.socket.once('close', done);
    });
  }

  private sleep(millis: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, millis);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/**
 * The HA listening socket, apart from what serves it: bound for the broker's whole life. Under a
 * controller that spans every role (as Apache's AutoSwitchHAService accepts from start): a slave
 * that released it could find it taken, as the local port of some outgoing connection, when it
 * is elected, and could not serve as master until that connection closed.
 */
export class HaPort {
  private server: Server | undefined;
  private handler: ((socket: Socket) => void) | undefined;

  constructor(private readonly logger: ServerLogger) {}

  async listen(port: number, host: string): Promise<number> {
    const server = createServer((socket) => {
      if (this.handler) return this.handler(socket);
      // Not a master now: a slave that still follows us is told at once.
      socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => this.logger.error({ err: error.message }, 'HA server error'));
    this.server = server;
    return (server.address() as { port: number }).port;
  }

  /** Who serves new connections from now on (undefined: they are closed). */
  serve(handler: ((socket: Socket) => void) | undefined): void {
    this.handler = handler;
  }

  async close(): Promise<void> {
    this.handler = undefined;
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export class HaServer {
  private port: HaPort | undefined;
  private readonly connections = new Set<HaConnection>();
  private housekeeping: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly source: ReplicationSource,
    private readonly transfer: GroupTransfer,
    private readonly timings: HaTimings,
    private readonly logger: ServerLogger,
    private readonly controller?: HaServerControllerHooks,
  ) {}

  /** Serves slaves on `port`; its owner keeps it bound when this server closes. */
  serveOn(port: HaPort): void {
    this.port = port;
    port.serve((socket) => this.accept(socket));
    this.unsubscribe = this.source.onAppended(() => {
      for (const connection of this.connections) connection.notify();
    });
    this.housekeeping = setInterval(() => {
      const now = Date.now();
      for (const connection of this.connections) connection.housekeep(now);
    }, 1_000);
    this.housekeeping.unref();
  }

  /** Controller mode: the confirm offset moved (an in-sync set change); slaves learn it now. */
  confirmOffsetMoved(): void {
    for (const connection of this.connections) connection.notify();
  }

  /** connectionCount */
  get connectionCount(): number {
    return this.connections.size;
  }

  slaves(): HaSlaveInfo[] {
    return [...this.connections].map((c) => ({ addr: c.addr, ackOffset: c.ackOffset, nextTransferOffset: c.nextTransferOffset, connectedAt: c.connectedAt, brokerId: c.brokerId }));
  }

  private accept(socket: Socket): void {
    // Controller mode: acks count per slave (in-sync set), not as "any slave".
    const onAck = this.controller ? () => undefined : (offset: number) => this.transfer.acknowledge(offset);
    const hooks = this.controller;
    const controller: HaServerControllerHooks | undefined = hooks && {
      onSlaveAck: (brokerId, offset) => {
        hooks.onSlaveAck(brokerId, offset);
        // One slave's ack can move the confirm offset every other slave waits for.
        for (const other of this.connections) other.notify();
      },
      onSlaveGone: (brokerId) => hooks.onSlaveGone(brokerId),
      confirmOffset: () => hooks.confirmOffset(),
    };
    const connection = new HaConnection(socket, this.source, this.timings, onAck, this.logger, controller);
    this.connections.add(connection);
    if (!this.controller) this.transfer.setConnectionCount(this.connections.size);
    this.logger.info({ slave: connection.addr }, 'HA slave connected');
    const closed = (): void => {
      connection.close('socket closed');
      if (this.connections.delete(connection)) {
        if (!this.controller) this.transfer.setConnectionCount(this.connections.size);
        if (connection.brokerId !== undefined) this.controller?.onSlaveGone(connection.brokerId);
      }
    };
    socket.on('close', closed);
    socket.on('error', (error) => {
      this.logger.warn({ slave: connection.addr, err: error.message }, 'HA connection error');
      closed();
    });
    void connection.run();
  }

  async close(): Promise<void> {
    clearInterval(this.housekeeping);
    this.unsubscribe?.();
    for (const connection of this.connections) connection.close('the broker is shutting down');
    this.connections.clear();
    if (!this.controller) this.transfer.setConnectionCount(0);
    const port = this.port;
    this.port = undefined;
    port?.serve(undefined);
  }
}
