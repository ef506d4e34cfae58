/**
 * Socket I/O on a thread of its own (Apache's serverSelectorThreads, our only supported count
 * being 1): the thread accepts, reads and writes; the event loop sees each connection as a Duplex
 * stream (WorkerSocket) fed by batches of bytes, and keeps the frames, handlers and store.
 *
 * One thread, not several: Node.js 20 gives a worker no way to share a listening socket except
 * by its fd number, and two handles on one fd close it twice (the second close can hit an fd the
 * process reused meanwhile). Connections cannot be handed to worker threads either.
 */
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';
import { Worker } from 'node:worker_threads';
import * as io from './io-batch.ts';
import { type Logger, silentLogger } from './logger.ts';
import type { IoThreadNotice, IoThreadStart } from './io-thread-worker.ts';

/** Unread bytes held on the event loop's side before the thread stops reading the socket (outside the inbound budget, so small). */
const READ_HIGH_WATER_MARK = 64 * 1024;
/** Bytes written but not yet in the kernel before write() asks the connection to wait (they cross the thread hop first). */
const WRITE_HIGH_WATER_MARK = 1024 * 1024;

export interface IoThreadEvents {
  connection: [socket: WorkerSocket];
}

export class IoThread extends EventEmitter<IoThreadEvents> {
  private readonly sockets = new Map<number, WorkerSocket>();
  private readonly out = new io.IoBatchWriter(() => setImmediate(() => this.flush()));
  private boundAddress: AddressInfo | undefined;
  private exited = false;
  private closing = false;
  private readonly exit: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    logger: Logger,
  ) {
    super();
    this.exit = new Promise((resolve) =>
      worker.once('exit', (code) => {
        if (!this.closing) logger.error({ code, connections: this.sockets.size }, 'the I/O thread stopped; its port no longer accepts connections (set serverSelectorThreads=0 and restart)');
        this.exited = true;
        for (const socket of this.sockets.values()) socket.closedByThread('the I/O thread stopped', true);
        this.sockets.clear();
        resolve();
      }),
    );
  }

  /** Starts the thread listening on host:port (0 picks a free port); rejects if it cannot listen. */
  static async listen(port: number, host: string, logger: Logger = silentLogger): Promise<IoThread> {
    const workerData = { port, host } satisfies IoThreadStart;
    const worker = import.meta.url.endsWith('.ts') ? sourceWorker(workerData) : new Worker(new URL('./io-thread-worker.js', import.meta.url), { workerData });
    const thread = new IoThread(worker, logger);
    await new Promise<void>((resolve, reject) => {
      let listening = false;
      worker.on('error', (error) => {
        if (listening) logger.error({ err: error.message }, 'the I/O thread failed');
        else reject(error);
      });
      worker.on('message', (message: io.IoBatch | IoThreadNotice) => {
        if ('ops' in message) thread.receive(message);
        else if ('listening' in message) {
          thread.boundAddress = message.listening;
          listening = true;
          resolve();
        } else if ('listenError' in message) {
          thread.closing = true;
          reject(new Error(message.listenError));
          void worker.terminate();
        }
      });
    });
    return thread;
  }

  get address(): AddressInfo | undefined {
    return this.boundAddress;
  }

  /** Closes every connection and the listening socket, and waits for the thread to end. */
  async close(): Promise<void> {
    this.closing = true;
    if (!this.exited) {
      this.flush();
      this.worker.postMessage({ shutdown: true });
      const timer = setTimeout(() => void this.worker.terminate(), 5_000);
      await this.exit;
      clearTimeout(timer);
    }
  }

  /** @internal Called by a WorkerSocket. */
  send(op: number, id: number, a = 0): void {
    if (!this.exited) this.out.op(op, id, a);
  }

  /** @internal Called by a WorkerSocket. */
  write(id: number, chunks: readonly Uint8Array[]): void {
    if (!this.exited) this.out.data(id, chunks);
  }

  private flush(): void {
    if (this.out.empty || this.exited) return;
    const { batch, transfer } = this.out.take();
    this.worker.postMessage(batch, transfer);
  }

  private receive(batch: io.IoBatch): void {
    const { ops, data, strings } = batch;
    for (let i = 0; i < ops.length; i += 4) {
      const op = ops[i]!;
      const id = ops[i + 1]!;
      if (op === io.OP_OPEN) {
        const socket = new WorkerSocket(this, id, strings[ops[i + 2]!]!, strings[ops[i + 3]!]!);
        this.sockets.set(id, socket);
        this.emit('connection', socket);
        continue;
      }
      const socket = this.sockets.get(id);
      if (!socket) continue;
      switch (op) {
        case io.OP_DATA:
          socket.received(Buffer.from(data!, ops[i + 2]!, ops[i + 3]!));
          break;
        case io.OP_END:
          socket.push(null);
          break;
        case io.OP_TIMEOUT:
          socket.emit('timeout');
          break;
        case io.OP_WRITTEN:
          socket.written();
          break;
        case io.OP_CLOSE: {
          this.sockets.delete(id);
          const reason = ops[i + 2]! >= 0 ? strings[ops[i + 2]!] : undefined;
          socket.closedByThread(reason, ops[i + 3] === 1);
          break;
        }
      }
    }
  }
}

/** One connection of an I/O thread, as the event loop sees it: a Duplex with a socket's address fields. */
export class WorkerSocket extends Duplex {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  /** Write callbacks waiting for the thread to say their bytes reached the kernel, oldest first. */
  private readonly unacknowledged: ((error?: Error | null) => void)[] = [];
  private readPausedThere = false;
  private threadClosed = false;

  constructor(
    private readonly thread: IoThread,
    private readonly id: number,
    remote: string,
    local: string,
  ) {
    super({ allowHalfOpen: true, readableHighWaterMark: READ_HIGH_WATER_MARK, writableHighWaterMark: WRITE_HIGH_WATER_MARK });
    [this.remoteAddress, this.remotePort] = splitAddress(remote);
    [this.localAddress, this.localPort] = splitAddress(local);
  }

  setTimeout(millis: number): this {
    this.thread.send(io.OP_SET_TIMEOUT, this.id, millis);
    return this;
  }

  /** Nagle is off on the thread's sockets already. */
  setNoDelay(): this {
    return this;
  }

  override _read(): void {
    if (!this.readPausedThere) return;
    this.readPausedThere = false;
    this.thread.send(io.OP_RESUME, this.id);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.thread.write(this.id, [chunk]);
    this.unacknowledged.push(callback);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.thread.write(
      this.id,
      chunks.map((entry) => entry.chunk),
    );
    this.unacknowledged.push(callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.thread.send(io.OP_END, this.id);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.threadClosed) this.thread.send(io.OP_DESTROY, this.id);
    this.threadClosed = true;
    callback(error);
  }

  /** @internal Bytes the peer sent. */
  received(chunk: Buffer): void {
    if (!this.push(chunk) && !this.readPausedThere) {
      this.readPausedThere = true;
      this.thread.send(io.OP_PAUSE, this.id);
    }
  }

  /** @internal The oldest write reached the kernel. */
  written(): void {
    this.unacknowledged.shift()?.();
  }

  /** @internal The thread's socket closed. */
  closedByThread(reason: string | undefined, failed: boolean): void {
    this.threadClosed = true;
    if (failed) this.destroy(new Error(reason ?? 'socket error'));
    else this.destroy();
  }
}

/**
 * Running from the TypeScript sources (tests, `--conditions=rocketmq-ts-source`): Node.js 20 does
 * not pass the parent's --import loaders to a worker, so the worker loads tsx itself.
 */
function sourceWorker(workerData: IoThreadStart): Worker {
  const entry = new URL('./io-thread-worker.ts', import.meta.url).href;
  const code = `import('tsx/esm/api').then((tsx) => tsx.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(code, { eval: true, workerData });
}

function splitAddress(text: string): [string, number] {
  const bar = text.lastIndexOf('|');
  return [text.slice(0, bar), Number(text.slice(bar + 1))];
}
