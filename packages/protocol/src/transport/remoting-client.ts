/**
 * The client side: one connection per "host:port", opened on first use and again after a
 * close. Requests are matched to responses by opaque; requests the server initiates
 * (broker → client) go to the client's handler table.
 */
import { connect, isIP, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import type { RemotingCommand } from '../codec/command.ts';
import { RemotingConnectError } from '../errors.ts';
import { Connection, type ConnectionOptions } from './connection.ts';
import { dispatchRequest, type HandlerTable } from './dispatch.ts';
import { type Logger, silentLogger } from './logger.ts';

/** TLS to every server (Java's tls.enable / setUseTLS): `true` verifies the server against the system CAs; pass options for a private CA (`ca`), a client certificate, or `rejectUnauthorized: false`. */
export type ClientTlsOption = boolean | Pick<TlsConnectionOptions, 'ca' | 'cert' | 'key' | 'passphrase' | 'rejectUnauthorized' | 'servername' | 'checkServerIdentity'>;

export interface RemotingClientOptions extends ConnectionOptions {
  /** Speak TLS to every address. @defaultValue false */
  tls?: ClientTlsOption | undefined;
  /** @defaultValue 3000 (NettyClientConfig.connectTimeoutMillis) */
  connectTimeoutMillis?: number;
  /** Handlers for requests the server sends to this client. */
  handlers?: HandlerTable;
  /** Runs on every outgoing request before it is written (e.g. ACL signing, as Java's RPCHook.doBeforeRequest). */
  beforeRequest?: (addr: string, request: RemotingCommand) => void;
}

export class RemotingClient {
  private readonly connections = new Map<string, Promise<Connection>>();
  private readonly logger: Logger;
  private closed = false;

  constructor(private readonly options: RemotingClientOptions = {}) {
    this.logger = options.logger ?? silentLogger;
  }

  /** Sends a request to `addr` ("host:port") and resolves with the response. */
  async invoke(addr: string, request: RemotingCommand, timeoutMillis = 3000): Promise<RemotingCommand> {
    const started = Date.now();
    const connection = await this.connection(addr, timeoutMillis);
    await connection.whenWritable();
    this.options.beforeRequest?.(addr, request);
    const left = Math.max(1, timeoutMillis - (Date.now() - started));
    return connection.request(request, left);
  }

  /** Sends a request that gets no response; waits while the socket's buffer is full, so a loop of these cannot run away. */
  async invokeOneway(addr: string, request: RemotingCommand, timeoutMillis = 3000): Promise<void> {
    const connection = await this.connection(addr, timeoutMillis);
    await connection.whenWritable();
    this.options.beforeRequest?.(addr, request);
    connection.oneway(request);
  }

  /** The live connection to `addr`, opened if needed. */
  connection(addr: string, timeoutMillis = this.options.connectTimeoutMillis ?? 3000): Promise<Connection> {
    if (this.closed) return Promise.reject(new RemotingConnectError(addr, new Error('client is closed')));
    let connection = this.connections.get(addr);
    if (!connection) {
      connection = this.open(addr, Math.min(timeoutMillis, this.options.connectTimeoutMillis ?? 3000));
      this.connections.set(addr, connection);
      connection.catch(() => this.connections.delete(addr));
    }
    return connection;
  }

  private open(addr: string, timeoutMillis: number): Promise<Connection> {
    const separator = addr.lastIndexOf(':');
    const host = addr.slice(0, separator).replace(/^\[|\]$/g, '');
    const port = Number(addr.slice(separator + 1));
    if (separator < 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
      return Promise.reject(new RemotingConnectError(addr, new Error('address must be host:port')));
    }
    return new Promise<Connection>((resolve, reject) => {
      const tls = this.options.tls;
      const socket: Socket =
        tls === undefined || tls === false
          ? connect({ host, port })
          : connectTls({ host, port, ...(isIP(host) === 0 ? { servername: host } : {}), ...(tls === true ? {} : tls) });
      const ready = tls === undefined || tls === false ? 'connect' : 'secureConnect';
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new RemotingConnectError(addr, new Error(`connect timed out after ${timeoutMillis} ms`)));
      }, timeoutMillis);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(new RemotingConnectError(addr, error));
      });
      socket.once(ready, () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        const connection = new Connection(socket, addr, this.options);
        connection.onRequest((request) => dispatchRequest(this.options.handlers, connection, request, this.logger));
        connection.on('close', (reason) => {
          this.logger.debug({ peer: addr, reason }, 'connection closed');
          if (this.connections.get(addr) === current) this.connections.delete(addr);
        });
        const current = Promise.resolve(connection);
        this.connections.set(addr, current);
        resolve(connection);
      });
    });
  }

  /** Closes one address's connection, failing its pending requests. */
  async closeConnection(addr: string): Promise<void> {
    const connection = this.connections.get(addr);
    this.connections.delete(addr);
    // A connection that never opened has nothing to close; its error went to the requests that waited on it.
    if (connection) (await connection.catch(() => undefined))?.close('closed by client');
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.connections.values()];
    this.connections.clear();
    for (const connection of await Promise.allSettled(all)) {
      if (connection.status === 'fulfilled') connection.value.close('client shutting down');
    }
  }
}
