/**
 * The gRPC endpoint of the broker process (grpcServerPort, default 8081 as Apache's proxy;
 * −1 = off): binds the MessagingService methods to @grpc/grpc-js calls. Only I/O lives here:
 * reading the client id header, the peer address, streams.
 */
import { type Metadata, Server, ServerCredentials, type ServerDuplexStream, type ServerUnaryCall, type ServerWritableStream, type sendUnaryData, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Http2Server } from 'node:http2';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { peekTlsHandshake } from '@rocketmq-ts/protocol';
import type { ServerTls } from '../../common/tls-config.ts';
import type { ServerLogger } from '../../common/logger.ts';
import type { MessagingService } from './messaging-service.ts';
import { messagingServiceDefinition } from './proto.ts';
import { status, type TelemetryCommand } from './types.ts';

function clientIdOf(metadata: Metadata): string {
  return String(metadata.get('x-mq-client-id')[0] ?? '');
}

/** grpc-js peers read "ipv4:1.2.3.4:5", "1.2.3.4:5" or "[::1]:5"; the handlers want "host:port". */
export function peerAddress(peer: string): string {
  const text = peer.replace(/^ipv[46]:/, '');
  const v6 = /^\[(.*)\]:(\d+)$/.exec(text);
  if (v6) return v6[1] === '::1' ? `127.0.0.1:${v6[2]}` : text;
  return /^[\d.]+:\d+$/.test(text) ? text : '127.0.0.1:0';
}

/** The longest timer Node runs as asked (setTimeout clamps anything longer to 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;
const TIMEOUT_UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };

/**
 * The official Java client opens Telemetry with a one-year deadline (grpc-timeout 31535999M).
 * @grpc/grpc-js 1.14.7 turns that into a 32-bit timer value that wraps negative and ends the
 * stream at once with DEADLINE_EXCEEDED, so the client's settings often never arrive and it
 * fails to start. A deadline past what a Node timer can hold is as good as none: drop it before
 * grpc-js reads the headers.
 */
export function dropUnrepresentableDeadline(headers: Record<string, unknown>): void {
  const match = /^(\d+)([HMSmun])$/.exec(String(headers['grpc-timeout'] ?? ''));
  if (match && Number(match[1]) * TIMEOUT_UNIT_MS[match[2]!]! > MAX_TIMER_MS) delete headers['grpc-timeout'];
}


type Unary<Req, Res> = (request: Req, call: ServerUnaryCall<Req, Res>) => Res | Promise<Res>;

export class GrpcServer {
  private readonly server = new Server({ 'grpc.max_receive_message_length': 130 * 1024 * 1024 });
  private port = -1;
  /** Our own listener when TLS is served (it sniffs each connection); grpc-js binds the port otherwise. */
  private listener: NetServer | undefined;
  /** Its accepted sockets, destroyed at close (one not yet past its first byte is not grpc-js's to close). */
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly service: MessagingService,
    private readonly logger: ServerLogger,
  ) {
    this.server.addService(messagingServiceDefinition(), this.implementation());
    // Our 'stream' listener runs before grpc-js's on every HTTP/2 server it creates (the method is internal to grpc-js).
    const internals = this.server as unknown as { createHttp2Server?(credentials: unknown): Http2Server };
    const create = internals.createHttp2Server?.bind(this.server);
    if (create) internals.createHttp2Server = (credentials) => create(credentials).prependListener('stream', (_stream, headers) => dropUnrepresentableDeadline(headers));
    else logger.warn('@grpc/grpc-js changed its internals: Java v5 clients may see their Telemetry stream end at once (DEADLINE_EXCEEDED)');
  }

  get boundPort(): number {
    return this.port;
  }

  private unary<Req, Res>(name: string, fn: Unary<Req, Res>) {
    return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      Promise.resolve()
        .then(() => fn(call.request, call))
        .then(
          (response) => callback(null, response),
          (error: Error) => {
            this.logger.warn({ rpc: name, err: error.message }, 'gRPC request failed');
            callback(null, { status: status('INTERNAL_SERVER_ERROR', error.message) } as Res);
          },
        );
    };
  }

  private implementation(): UntypedServiceImplementation {
    const s = this.service;
    return {
      QueryRoute: this.unary('QueryRoute', (req: Parameters<MessagingService['queryRoute']>[0]) => s.queryRoute(req)),
      Heartbeat: this.unary('Heartbeat', (req: Parameters<MessagingService['heartbeat']>[0], call) => s.heartbeat(req, clientIdOf(call.metadata), peerAddress(call.getPeer()))),
      SendMessage: this.unary('SendMessage', (req: Parameters<MessagingService['sendMessage']>[0], call) => s.sendMessage(req, peerAddress(call.getPeer()))),
      QueryAssignment: this.unary('QueryAssignment', (req: Parameters<MessagingService['queryAssignment']>[0]) => s.queryAssignment(req)),
      AckMessage: this.unary('AckMessage', (req: Parameters<MessagingService['ackMessage']>[0]) => s.ackMessage(req)),
      ChangeInvisibleDuration: this.unary('ChangeInvisibleDuration', (req: Parameters<MessagingService['changeInvisibleDuration']>[0]) => s.changeInvisibleDuration(req)),
      ForwardMessageToDeadLetterQueue: this.unary('ForwardMessageToDeadLetterQueue', (req: Parameters<MessagingService['forwardMessageToDeadLetterQueue']>[0]) => s.forwardMessageToDeadLetterQueue(req)),
      EndTransaction: this.unary('EndTransaction', (req: Parameters<MessagingService['endTransaction']>[0], call) => s.endTransaction(req, peerAddress(call.getPeer()))),
      RecallMessage: this.unary('RecallMessage', (req: Parameters<MessagingService['recallMessage']>[0], call) => s.recallMessage(req, peerAddress(call.getPeer()))),
      NotifyClientTermination: this.unary('NotifyClientTermination', (req: Parameters<MessagingService['notifyClientTermination']>[0], call) => s.notifyClientTermination(req, clientIdOf(call.metadata))),
      ReceiveMessage: (call: ServerWritableStream<Parameters<MessagingService['receiveMessage']>[0], object>) => {
        let cancelled = false;
        call.on('cancelled', () => (cancelled = true));
        s.receiveMessage(call.request, (response) => !cancelled && call.write(response), () => cancelled, clientIdOf(call.metadata))
          .catch((error: Error) => {
            this.logger.warn({ rpc: 'ReceiveMessage', err: error.message }, 'gRPC request failed');
            if (!cancelled) call.write({ status: status('INTERNAL_SERVER_ERROR', error.message) });
          })
          .finally(() => call.end());
      },
      Telemetry: (call: ServerDuplexStream<TelemetryCommand, TelemetryCommand>) => {
        const clientId = clientIdOf(call.metadata);
        const peer = peerAddress(call.getPeer());
        let open = true;
        const write = (command: TelemetryCommand): void => {
          if (open) call.write(command);
        };
        const closed = (): void => {
          open = false;
          s.telemetryClosed(clientId, write);
        };
        call.on('data', (command: TelemetryCommand) => {
          const answer = s.telemetry(command, clientId, write, peer);
          if (answer) write(answer);
        });
        call.on('end', () => {
          closed();
          call.end();
        });
        call.on('cancelled', closed);
        call.on('error', closed);
      },
    };
  }

  /**
   * Binds the port. Without key material (or with tls.server.mode=disabled) grpc-js serves plain
   * HTTP/2 itself, as before TLS existed here. With it, the port is ours: each connection's first
   * byte picks TLS (0x16) or plain as on the remoting port (permissive serves both, enforcing
   * closes plain ones), a tls.Server made from the same key material and client-certificate rules
   * as the remoting port's ends TLS, and the decrypted stream goes to grpc-js through its
   * connection injector (a public grpc-js API).
   * grpc-js's own ServerCredentials.createSsl is not used: it cannot share a port with plain
   * clients (permissive, the default mode), ask for an optional client certificate, or read an
   * encrypted key (tls.server.keyPassword).
   */
  async listen(port: number, host: string, tls?: ServerTls): Promise<number> {
    if (!tls?.contextOptions || tls.mode === 'disabled') {
      this.port = await new Promise<number>((resolve, reject) => {
        this.server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
      });
      return this.port;
    }
    const injector = this.server.createConnectionInjector(ServerCredentials.createInsecure());
    const serve = (stream: Socket): void => injector.injectConnection(stream);
    // Never listens: sniff() hands it the TLS connections; it runs the handshake and the client-certificate check.
    const tlsServer = createTlsServer({
      ...tls.contextOptions,
      requestCert: tls.requestCert ?? false,
      rejectUnauthorized: tls.rejectUnauthorized ?? false,
      // gRPC clients insist on HTTP/2 by ALPN.
      ALPNProtocols: ['h2'],
    });
    tlsServer.on('secureConnection', (secure: TLSSocket) => {
      // As grpc-js does for its own TLS sockets: a socket error ends that connection only.
      secure.on('error', () => secure.destroy());
      serve(secure);
    });
    tlsServer.on('tlsClientError', (error: Error, socket: TLSSocket) => {
      this.logger.warn({ peer: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`, err: error.message }, 'gRPC TLS handshake failed');
    });
    const listener = createServer((socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      this.sniff(socket, tls, tlsServer, serve);
    });
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(port, host, () => {
        listener.off('error', reject);
        resolve();
      });
    });
    this.listener = listener;
    const address = listener.address();
    this.port = typeof address === 'object' && address ? address.port : port;
    return this.port;
  }

  private sniff(socket: Socket, tls: ServerTls, tlsServer: TlsServer, serve: (stream: Socket) => void): void {
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    peekTlsHandshake(socket, (isTls) => {
      if (!isTls) {
        if (tls.mode === 'enforcing') {
          this.logger.warn({ peer }, 'plain gRPC connection closed: tls.server.mode=enforcing accepts TLS only');
          socket.destroy();
          return;
        }
        // Not resumed: the HTTP/2 session reads what is buffered (the unshifted chunk) itself.
        serve(socket);
        return;
      }
      tlsServer.emit('connection', socket);
    });
  }

  async close(): Promise<void> {
    const listener = this.listener;
    this.listener = undefined;
    const stopped = listener?.listening ? new Promise<void>((resolve) => listener.close(() => resolve())) : Promise.resolve();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 2000);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    for (const socket of this.sockets) socket.destroy();
    await stopped;
  }
}
