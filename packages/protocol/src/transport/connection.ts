/**
 * One remoting connection, either side: frames in and out, requests matched to responses by
 * opaque with per-request timeouts, one-way sends, idle detection and write backpressure.
 * It knows nothing about request codes; what to do with an incoming request is the owner's.
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { isResponse, type RemotingCommand } from '../codec/command.ts';
import { CommandFlag } from '../codes/flags.ts';
import { requestCodeName } from '../codes/request-code.ts';
import { decodeFrame, DEFAULT_MAX_FRAME_LENGTH, encodeFrame, encodeFrameHead } from '../codec/frame.ts';
import { FrameDecoder } from '../codec/frame-decoder.ts';
import { ConnectionClosedError, FrameTooLargeError, RemotingTimeoutError, WriteBackpressureError } from '../errors.ts';
import type { InboundBudget } from './inbound-budget.ts';
import { type Logger, silentLogger } from './logger.ts';

export interface ConnectionOptions {
  /** Largest frame accepted, length prefix included. @defaultValue 16 MiB (Netty frameMaxLength) */
  maxFrameLength?: number;
  /** Close the connection after this long without reads or writes; 0 disables. @defaultValue 120000 */
  idleTimeoutMillis?: number;
  /** Fail writes once this many bytes wait in the socket's buffer. @defaultValue 64 MiB */
  maxWriteBufferBytes?: number;
  /** Incoming requests handled at once per connection; beyond it reading pauses. @defaultValue 256 */
  maxInFlightRequests?: number;
  /** Shared cap on bytes held for peers' requests across connections (a server's). */
  inboundBudget?: InboundBudget;
  /**
   * Requests handed to the handler per read before the connection yields the event loop to
   * others; the rest wait for the next turn. @defaultValue 32
   */
  maxRequestsPerTurn?: number;
  logger?: Logger;
}

interface PendingRequest {
  resolve(response: RemotingCommand): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
  code: number;
}

export interface ConnectionEvents {
  close: [reason: string];
}

/** What the owner does with an incoming request; the connection counts it until it settles. */
export type IncomingRequestHandler = (request: RemotingCommand) => Promise<void> | void;

/** Bodies at least this long are written behind their frame head instead of copied into it. */
const SEPARATE_BODY_BYTES = 4096;

let nextConnectionId = 1;
let nextOpaque = 0;

/** A process-wide opaque counter, as Java's RemotingCommand.requestId (wraps at int32). */
export function allocateOpaque(): number {
  nextOpaque = (nextOpaque + 1) | 0;
  return nextOpaque;
}

export class Connection extends EventEmitter<ConnectionEvents> {
  readonly id = nextConnectionId++;
  private readonly decoder: FrameDecoder;
  private readonly pending = new Map<number, PendingRequest>();
  private readonly logger: Logger;
  private readonly maxWriteBufferBytes: number;
  private readonly maxInFlightRequests: number;
  private readonly maxFrameLength: number;
  private closedReason: string | undefined;
  private requestHandler: IncomingRequestHandler | undefined;
  /** Requests decoded while reading was paused, handled once we may go on. */
  private readonly backlog: { command: RemotingCommand; bytes: number }[] = [];
  private backlogBytes = 0;
  /** What this connection holds against the inbound budget (partial frame + backlog). */
  private held = 0;
  private readonly budget: InboundBudget | undefined;
  private budgetPaused = false;
  private readonly resumeFromBudget = (): void => {
    this.budgetPaused = false;
    this.pump();
  };
  private readonly maxRequestsPerTurn: number;
  private peerEnded = false;
  /** Requests handed over since the turn began (synchronous handlers re-enter pump). */
  private handedThisTurn = 0;
  private inFlight = 0;
  private waitingForDrain = false;
  private corked = false;

  constructor(
    private readonly stream: Duplex,
    /** "ip:port" of the peer, used in every error and log line. */
    readonly remoteAddress: string,
    options: ConnectionOptions = {},
  ) {
    super();
    this.logger = options.logger ?? silentLogger;
    this.maxFrameLength = options.maxFrameLength ?? DEFAULT_MAX_FRAME_LENGTH;
    this.decoder = new FrameDecoder(this.maxFrameLength);
    this.maxWriteBufferBytes = options.maxWriteBufferBytes ?? 64 * 1024 * 1024;
    this.maxInFlightRequests = options.maxInFlightRequests ?? 256;
    this.budget = options.inboundBudget;
    this.maxRequestsPerTurn = Math.max(1, options.maxRequestsPerTurn ?? 32);
    const idle = options.idleTimeoutMillis ?? 120_000;
    const socketLike = stream as Duplex & { setTimeout?: (ms: number) => void; setNoDelay?: (on: boolean) => void };
    if (idle > 0 && typeof socketLike.setTimeout === 'function') {
      socketLike.setTimeout(idle);
      stream.on('timeout', () => this.close(`idle for ${idle} ms`));
    }
    socketLike.setNoDelay?.(true);
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('drain', () => {
      this.waitingForDrain = false;
      this.pump();
    });
    stream.on('error', (error: Error) => this.close(error.message));
    stream.on('close', () => this.close('closed by peer'));
    stream.on('end', () => {
      // Requests that came before the peer's FIN are still answered (a server socket is
      // half-open for that), then the connection closes.
      this.peerEnded = true;
      this.pump();
    });
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  get pendingRequests(): number {
    return this.pending.size;
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (error) {
      this.logger.warn({ peer: this.remoteAddress, err: (error as Error).message }, 'bad frame; closing connection');
      this.close(`bad frame: ${(error as Error).message}`);
      return;
    }
    for (const frame of frames) {
      let command: RemotingCommand;
      try {
        command = decodeFrame(frame);
      } catch (error) {
        this.logger.warn({ peer: this.remoteAddress, err: (error as Error).message }, 'undecodable frame; closing connection');
        this.close(`undecodable frame: ${(error as Error).message}`);
        return;
      }
      if (isResponse(command)) this.onResponse(command);
      else {
        this.backlog.push({ command, bytes: frame.length });
        this.backlogBytes += frame.length;
      }
    }
    this.account();
    if (this.budget?.mustPause(this.held) && !this.budgetPaused) {
      this.budgetPaused = true;
      this.budget.wait(this.resumeFromBudget);
    }
    this.pump();
  }

  /** Tells the shared budget what this connection holds now. */
  private account(): void {
    if (!this.budget) return;
    const held = this.decoder.bufferedBytes + this.backlogBytes;
    const delta = held - this.held;
    this.held = held;
    if (delta !== 0) this.budget.change(delta);
  }

  /** Sets who handles incoming requests (the server's table, or the client's for broker calls). */
  onRequest(handler: IncomingRequestHandler): void {
    this.requestHandler = handler;
    this.pump();
  }

  private get blocked(): boolean {
    return this.waitingForDrain || this.inFlight >= this.maxInFlightRequests || !this.requestHandler;
  }

  /** Reading stops while the peer is blocked or the server's inbound budget is spent. */
  private get readPaused(): boolean {
    return this.blocked || this.budgetPaused;
  }

  /**
   * Hands queued requests to the handler while the peer reads our responses and the in-flight
   * limit allows; otherwise stops reading, so a peer that floods us is throttled, not buffered.
   */
  private pump(): void {
    while (!this.closed && this.backlog.length > 0 && !this.blocked) {
      if (this.handedThisTurn >= this.maxRequestsPerTurn) {
        // One peer's burst (a pipelined flood) gets a bounded share of this event-loop turn;
        // the rest of its requests go on in a later turn, after other connections' I/O.
        break;
      }
      if (this.handedThisTurn === 0) {
        setImmediate(() => {
          this.handedThisTurn = 0;
          this.pump();
        });
      }
      const { command: request, bytes } = this.backlog.shift()!;
      this.backlogBytes -= bytes;
      this.handedThisTurn++;
      this.inFlight++;
      const settle = (): void => {
        this.inFlight--;
        this.pump();
      };
      try {
        const result = this.requestHandler!(request);
        if (result instanceof Promise) result.then(settle, settle);
        else settle();
      } catch {
        settle();
      }
    }
    if (this.closed) return;
    this.account();
    if (this.peerEnded) {
      if (this.backlog.length === 0 && this.inFlight === 0) this.finishAfterPeerEnd();
      return;
    }
    if (this.backlog.length > 0 || this.readPaused) this.stream.pause();
    else this.stream.resume();
  }

  /** Flushes what is written, then closes; at once when the socket cannot write any more. */
  private finishAfterPeerEnd(): void {
    if (!this.stream.writable || this.stream.writableEnded) {
      this.close('ended by peer');
      return;
    }
    this.stream.end(() => this.close('ended by peer'));
  }

  private onResponse(response: RemotingCommand): void {
    const pending = this.pending.get(response.opaque);
    if (!pending) {
      this.logger.debug({ peer: this.remoteAddress, opaque: response.opaque }, 'response to no pending request; dropped');
      return;
    }
    this.pending.delete(response.opaque);
    clearTimeout(pending.timer);
    pending.resolve(response);
  }

  /** Sends a request and resolves with its response; rejects on timeout or close. */
  request(command: RemotingCommand, timeoutMillis: number): Promise<RemotingCommand> {
    if (this.closedReason !== undefined) return Promise.reject(new ConnectionClosedError(this.remoteAddress, this.closedReason));
    command.opaque = allocateOpaque();
    command.flag &= ~(CommandFlag.RESPONSE | CommandFlag.ONEWAY);
    return new Promise<RemotingCommand>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(command.opaque);
        reject(new RemotingTimeoutError(this.remoteAddress, command.opaque, command.code, timeoutMillis));
      }, timeoutMillis);
      this.pending.set(command.opaque, { resolve, reject, timer, code: command.code });
      try {
        this.write(command);
      } catch (error) {
        clearTimeout(timer);
        this.pending.delete(command.opaque);
        reject(error as Error);
      }
    });
  }

  /** Sends a request that must not be answered. */
  oneway(command: RemotingCommand): void {
    if (this.closedReason !== undefined) throw new ConnectionClosedError(this.remoteAddress, this.closedReason);
    command.opaque = allocateOpaque();
    command.flag = (command.flag | CommandFlag.ONEWAY) & ~CommandFlag.RESPONSE;
    this.write(command);
  }

  /** Writes a response (or any ready command) as is. Dropped silently once closed. */
  reply(command: RemotingCommand): void {
    if (this.closed) return;
    try {
      this.write(command);
    } catch (error) {
      this.logger.warn({ peer: this.remoteAddress, err: (error as Error).message }, 'cannot write response; closing connection');
      this.close((error as Error).message);
    }
  }

  /** Resolves once the socket's write buffer has drained (at once if it has). */
  whenWritable(): Promise<void> {
    if (this.closed || !this.stream.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.stream.off('drain', done);
        this.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.on('close', done);
    });
  }

  private write(command: RemotingCommand): void {
    // A large body (a pull response's messages) goes out as it is behind its head, not copied
    // into one frame Buffer: the cork below makes both one writev.
    const body = command.body && command.body.length >= SEPARATE_BODY_BYTES ? command.body : undefined;
    const frame = body ? encodeFrameHead(command) : encodeFrame(command);
    const frameLength = frame.length + (body?.length ?? 0);
    // The peer would drop the connection on a frame over its limit (Netty's TooLongFrame):
    // say so here, with the sizes, instead of a bare "connection reset" on every retry.
    if (frameLength > this.maxFrameLength) throw new FrameTooLargeError(frameLength, this.maxFrameLength, `${requestCodeName(command.code)} to ${this.remoteAddress}`);
    const buffered = this.stream.writableLength;
    if (buffered + frame.length + (body?.length ?? 0) > this.maxWriteBufferBytes) throw new WriteBackpressureError(this.remoteAddress, buffered);
    // Frames written in the same tick (a group commit completes many sends at once) leave in one
    // writev instead of one write syscall each: the syscalls were a third of the broker's CPU.
    if (!this.corked) {
      this.corked = true;
      this.stream.cork();
      process.nextTick(() => {
        this.corked = false;
        this.stream.uncork();
      });
    }
    if (body) this.stream.write(frame);
    if (!this.stream.write(body ?? frame)) {
      // The peer reads slower than we write: stop reading its requests until it catches up.
      this.waitingForDrain = true;
      this.stream.pause();
    }
  }

  /** Closes the connection; every pending request fails at once with the reason. */
  close(reason = 'closed locally'): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    for (const [opaque, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(new ConnectionClosedError(this.remoteAddress, `${reason}; ${requestCodeName(pending.code)} opaque ${opaque}`));
    }
    this.pending.clear();
    this.backlog.length = 0;
    this.backlogBytes = 0;
    if (this.budget) {
      this.budget.cancel(this.resumeFromBudget);
      this.budget.change(-this.held);
      this.held = 0;
    }
    this.stream.destroy();
    this.emit('close', reason);
  }
}

