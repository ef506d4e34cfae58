/**
 * The server side of the remoting protocol on node:net. Requests go to a handler table
 * (code → handler); the handler's result is written back with the request's opaque. Unknown
 * codes get REQUEST_CODE_NOT_SUPPORTED, thrown errors become (code, remark) responses, and a
 * bad frame closes only the connection that sent it.
 *
 * TLS (Apache's tls.server.mode): with `tls` set, the first byte of each connection decides —
 * 0x16 (a TLS handshake record, which no plain frame can start with) is TLS, anything else
 * plain. `disabled` closes TLS connections, `permissive` serves both on one port, `enforcing`
 * closes plain ones; TLS without a secure context is closed too.
 */
import { EventEmitter } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { type SecureContext, TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import { peekTlsHandshake } from './first-byte.ts';
import { Connection, type ConnectionOptions } from './connection.ts';
import { dispatchRequest, type HandlerTable, type RequestHook } from './dispatch.ts';
import { InboundBudget } from './inbound-budget.ts';
import { IoThread, type WorkerSocket } from './io-thread.ts';
import { type Logger, silentLogger } from './logger.ts';

export type TlsServerMode = 'disabled' | 'permissive' | 'enforcing';

export interface ServerTlsOptions {
  mode: TlsServerMode;
  /** Key and certificate; without one, TLS connections are closed. */
  secureContext?: SecureContext | undefined;
  /** Ask clients for a certificate (tls.server.need.client.auth optional/require). */
  requestCert?: boolean;
  /** Close connections whose client certificate is missing or not trusted (need.client.auth=require). */
  rejectUnauthorized?: boolean;
}


export interface RemotingServerOptions extends ConnectionOptions {
  handlers: HandlerTable;
  /** Checked before every request (the broker's ACL validator). */
  beforeRequest?: RequestHook;
  /** TLS on this port; absent = plain only (no sniffing). */
  tls?: ServerTlsOptions | undefined;
  /**
   * Bytes of unfinished frames and queued requests held across all connections before the
   * connections holding more than 64 KiB stop reading. @defaultValue 256 MiB
   */
  maxInboundBytes?: number;
  /**
   * Accept, read and write on a thread of its own (io-thread.ts) instead of the event loop;
   * plain remoting only (not with `tls`). @defaultValue false
   */
  ioThread?: boolean;
}

export interface RemotingServerEvents {
  connection: [connection: Connection];
  disconnect: [connection: Connection, reason: string];
}

export class RemotingServer extends EventEmitter<RemotingServerEvents> {
  private readonly server: Server | undefined;
  private ioThread: IoThread | undefined;
  private readonly connections = new Set<Connection>();
  private readonly logger: Logger;
  readonly inboundBudget: InboundBudget;

  constructor(private readonly options: RemotingServerOptions) {
    super();
    this.logger = options.logger ?? silentLogger;
    this.inboundBudget = options.inboundBudget ?? new InboundBudget(options.maxInboundBytes ?? 256 * 1024 * 1024);
    if (options.ioThread && options.tls) throw new Error('the I/O thread serves plain remoting only; TLS needs the connections on the event loop');
    // Half-open: requests sent just before a peer's FIN are still answered (Connection closes after).
    this.server = options.ioThread ? undefined : createServer({ allowHalfOpen: true }, (socket: Socket) => {
      const peer = `${normalizeIp(socket.remoteAddress)}:${socket.remotePort ?? 0}`;
      if (options.tls) this.sniff(socket, peer, options.tls);
      else this.handleConnection(socket, peer);
    });
  }

  /** Listens and resolves with the bound address; port 0 picks a free port. */
  async listen(port: number, host = '0.0.0.0'): Promise<AddressInfo> {
    const server = this.server;
    if (!server) {
      const thread = await IoThread.listen(port, host, this.logger);
      this.ioThread = thread;
      thread.on('connection', (socket: WorkerSocket) => this.handleConnection(socket, `${normalizeIp(socket.remoteAddress)}:${socket.remotePort}`));
      return thread.address!;
    }
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      server.once('error', onError);
      server.listen(port, host, () => {
        server.off('error', onError);
        resolve(server.address() as AddressInfo);
      });
    });
  }

  get address(): AddressInfo | undefined {
    if (!this.server) return this.ioThread?.address;
    return (this.server.address() as AddressInfo | null) ?? undefined;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Peeks at the first byte to tell TLS from plain remoting, as Apache's HandshakeHandler. */
  private sniff(socket: Socket, peer: string, tls: ServerTlsOptions): void {
    peekTlsHandshake(socket, (isTls) => {
      if (isTls && (tls.mode === 'disabled' || !tls.secureContext)) {
        this.logger.warn({ peer, mode: tls.mode }, tls.mode === 'disabled' ? 'TLS connection closed: tls.server.mode=disabled' : 'TLS connection closed: no tls.server.certPath/keyPath configured');
        socket.destroy();
        return;
      }
      if (!isTls && tls.mode === 'enforcing') {
        this.logger.warn({ peer }, 'plain connection closed: tls.server.mode=enforcing accepts TLS only');
        socket.destroy();
        return;
      }
      if (!isTls) {
        this.handleConnection(socket, peer);
        socket.resume();
        return;
      }
      const secure = new TLSSocket(socket, {
        isServer: true,
        secureContext: tls.secureContext,
        requestCert: tls.requestCert ?? false,
        rejectUnauthorized: tls.rejectUnauthorized ?? false,
      });
      secure.once('error', (error) => {
        this.logger.warn({ peer, err: error.message }, 'TLS handshake failed');
        secure.destroy();
      });
      secure.once('secure', () => {
        secure.removeAllListeners('error');
        this.handleConnection(secure, peer);
      });
    });
  }

  /** Serves any duplex stream (tests pass one side of a duplexPair). */
  handleConnection(stream: Duplex, remoteAddress: string): Connection {
    const connection = new Connection(stream, remoteAddress, { ...this.options, inboundBudget: this.inboundBudget });
    this.connections.add(connection);
    connection.onRequest((request) => dispatchRequest(this.options.handlers, connection, request, this.logger, this.options.beforeRequest));
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
    const server = this.server;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : undefined;
    for (const connection of this.connections) connection.close('server shutting down');
    if (server?.listening) await closed;
    await this.ioThread?.close();
  }
}

/** "::ffff:1.2.3.4" → "1.2.3.4", the way Java reports IPv4 peers. */
export function normalizeIp(address: string | undefined): string {
  if (!address) return '0.0.0.0';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}
