/**
 * The server side of the remoting protocol on node:net. Requests go to a handler table
 * (code → handler); the handler's result is written back with the request's opaque. Unknown
 * codes get REQUEST_CODE_NOT_SUPPORTED, thrown errors become (code, remark) responses, and a
 * bad frame closes only the connection that sent it.
 */
import { EventEmitter } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Connection, type ConnectionOptions } from './connection.ts';
import { dispatchRequest, type HandlerTable } from './dispatch.ts';
import { InboundBudget } from './inbound-budget.ts';
import { type Logger, silentLogger } from './logger.ts';

export interface RemotingServerOptions extends ConnectionOptions {
  handlers: HandlerTable;
  /**
   * Bytes of unfinished frames and queued requests held across all connections before the
   * connections holding more than 64 KiB stop reading. @defaultValue 256 MiB
   */
  maxInboundBytes?: number;
}

export interface RemotingServerEvents {
  connection: [connection: Connection];
  disconnect: [connection: Connection, reason: string];
}

export class RemotingServer extends EventEmitter<RemotingServerEvents> {
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  private readonly logger: Logger;
  readonly inboundBudget: InboundBudget;

  constructor(private readonly options: RemotingServerOptions) {
    super();
    this.logger = options.logger ?? silentLogger;
    this.inboundBudget = options.inboundBudget ?? new InboundBudget(options.maxInboundBytes ?? 256 * 1024 * 1024);
    // Half-open: requests sent just before a peer's FIN are still answered (Connection closes after).
    this.server = createServer({ allowHalfOpen: true }, (socket: Socket) => {
      const peer = `${normalizeIp(socket.remoteAddress)}:${socket.remotePort ?? 0}`;
      this.handleConnection(socket, peer);
    });
  }

  /** Listens and resolves with the bound address; port 0 picks a free port. */
  listen(port: number, host = '0.0.0.0'): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  get address(): AddressInfo | undefined {
    return (this.server.address() as AddressInfo | null) ?? undefined;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Serves any duplex stream (tests pass one side of a duplexPair). */
  handleConnection(stream: Duplex, remoteAddress: string): Connection {
    const connection = new Connection(stream, remoteAddress, { ...this.options, inboundBudget: this.inboundBudget });
    this.connections.add(connection);
    connection.onRequest((request) => dispatchRequest(this.options.handlers, connection, request, this.logger));
    connection.on('close', (reason) => {
      this.connections.delete(connection);
      this.logger.debug({ peer: remoteAddress, reason }, 'connection closed');
      this.emit('disconnect', connection, reason);
    });
    this.emit('connection', connection);
    return connection;
  }

  /** Stops accepting, closes every connection (their pending requests fail) and resolves. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of this.connections) connection.close('server shutting down');
    if (this.server.listening) await closed;
  }
}

/** "::ffff:1.2.3.4" → "1.2.3.4", the way Java reports IPv4 peers. */
export function normalizeIp(address: string | undefined): string {
  if (!address) return '0.0.0.0';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}
