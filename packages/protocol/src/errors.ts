import { requestCodeName } from './codes/request-code.ts';

export interface RocketMQErrorOptions {
  retriable?: boolean;
  code?: number;
  cause?: unknown;
}

/** Root of every error rocketmq-ts throws. `code` is a RocketMQ response code where one applies. */
export class RocketMQError extends Error {
  readonly retriable: boolean;
  readonly code: number | undefined;

  constructor(message: string, options: RocketMQErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
    this.code = options.code;
  }
}

/** SYSTEM_ERROR: what a server answers when a request cannot be read. */
const SYSTEM_ERROR = 1;

/** Bytes that are not a valid remoting frame. The connection that sent them is closed. */
export class FrameDecodeError extends RocketMQError {}

/** A frame whose declared length exceeds the configured maximum. */
export class FrameTooLargeError extends FrameDecodeError {
  constructor(
    readonly frameLength: number,
    readonly maxFrameLength: number,
    /** What was being sent, when the frame is ours (e.g. "SEND_MESSAGE_V2 to 10.0.0.1:10911"). */
    what?: string,
  ) {
    super(
      `frame of ${frameLength} bytes${what ? ` (${what})` : ''} exceeds the maximum of ${maxFrameLength} bytes ` +
        `(raise maxFrameLength on both sides, or send smaller messages; message bodies are also limited by maxMessageSize)`,
    );
  }
}

/** A header whose extFields do not match the header's field table; lists every problem at once. */
export class HeaderDecodeError extends RocketMQError {
  constructor(
    readonly header: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid ${header}: ${problems.join('; ')}`, { code: SYSTEM_ERROR });
  }
}

/** Bytes that are not a valid stored message, batch or properties string. */
export class MessageDecodeError extends RocketMQError {
  constructor(message: string, options: RocketMQErrorOptions = {}) {
    super(message, { code: SYSTEM_ERROR, ...options });
  }
}

/** Text that the fastjson-compatible reader cannot parse. */
export class JsonParseError extends RocketMQError {
  constructor(message: string, options: RocketMQErrorOptions = {}) {
    super(message, { code: SYSTEM_ERROR, ...options });
  }
}

export class RemotingTimeoutError extends RocketMQError {
  constructor(
    readonly addr: string,
    readonly opaque: number,
    readonly requestCode: number,
    readonly timeoutMillis: number,
  ) {
    super(
      `no response from ${addr} to ${requestCodeName(requestCode)} (opaque ${opaque}) within ${timeoutMillis} ms; ` +
        `check that the server at ${addr} is up and reachable, or raise the timeout`,
      { retriable: true },
    );
  }
}

export class RemotingConnectError extends RocketMQError {
  constructor(
    readonly addr: string,
    cause?: unknown,
  ) {
    const reason = cause instanceof Error ? `: ${cause.message}` : '';
    super(
      `cannot connect to ${addr}${reason}; check the address and that the server listens there ` +
        `(a broker advertises brokerIP1:listenPort)`,
      { retriable: true, cause },
    );
  }
}

export class ConnectionClosedError extends RocketMQError {
  constructor(
    readonly addr: string,
    reason?: string,
  ) {
    super(`connection to ${addr} closed${reason ? ` (${reason})` : ''} before the response arrived`, {
      retriable: true,
    });
  }
}

/** Writing would exceed a connection's write buffer limit: the peer does not read fast enough. */
export class WriteBackpressureError extends RocketMQError {
  constructor(
    readonly addr: string,
    readonly bufferedBytes: number,
  ) {
    super(`connection to ${addr} has ${bufferedBytes} bytes waiting to be written; the peer is not reading`, {
      retriable: true,
    });
  }
}
