/**
 * The gRPC endpoint of the broker process (grpcServerPort, default 8081 as Apache's proxy;
 * −1 = off): binds the MessagingService methods to @grpc/grpc-js calls. Only I/O lives here:
 * reading the client id header, the peer address, streams.
 */
import { type Metadata, Server, ServerCredentials, type ServerDuplexStream, type ServerUnaryCall, type ServerWritableStream, type sendUnaryData, type UntypedServiceImplementation } from '@grpc/grpc-js';
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

type Unary<Req, Res> = (request: Req, call: ServerUnaryCall<Req, Res>) => Res | Promise<Res>;

export class GrpcServer {
  private readonly server = new Server({ 'grpc.max_receive_message_length': 130 * 1024 * 1024 });
  private port = -1;

  constructor(
    private readonly service: MessagingService,
    private readonly logger: ServerLogger,
  ) {
    this.server.addService(messagingServiceDefinition(), this.implementation());
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
      Heartbeat: this.unary('Heartbeat', (req: Parameters<MessagingService['heartbeat']>[0], call) => s.heartbeat(req, clientIdOf(call.metadata))),
      SendMessage: this.unary('SendMessage', (req: Parameters<MessagingService['sendMessage']>[0], call) => s.sendMessage(req, peerAddress(call.getPeer()))),
      QueryAssignment: this.unary('QueryAssignment', (req: Parameters<MessagingService['queryAssignment']>[0]) => s.queryAssignment(req)),
      AckMessage: this.unary('AckMessage', (req: Parameters<MessagingService['ackMessage']>[0]) => s.ackMessage(req)),
      ChangeInvisibleDuration: this.unary('ChangeInvisibleDuration', (req: Parameters<MessagingService['changeInvisibleDuration']>[0]) => s.changeInvisibleDuration(req)),
      ForwardMessageToDeadLetterQueue: this.unary('ForwardMessageToDeadLetterQueue', (req: Parameters<MessagingService['forwardMessageToDeadLetterQueue']>[0]) => s.forwardMessageToDeadLetterQueue(req)),
      NotifyClientTermination: this.unary('NotifyClientTermination', (req: Parameters<MessagingService['notifyClientTermination']>[0], call) => s.notifyClientTermination(req, clientIdOf(call.metadata))),
      ReceiveMessage: (call: ServerWritableStream<Parameters<MessagingService['receiveMessage']>[0], object>) => {
        let cancelled = false;
        call.on('cancelled', () => (cancelled = true));
        s.receiveMessage(call.request, (response) => !cancelled && call.write(response), () => cancelled)
          .catch((error: Error) => {
            this.logger.warn({ rpc: 'ReceiveMessage', err: error.message }, 'gRPC request failed');
            if (!cancelled) call.write({ status: status('INTERNAL_SERVER_ERROR', error.message) });
          })
          .finally(() => call.end());
      },
      Telemetry: (call: ServerDuplexStream<TelemetryCommand, TelemetryCommand>) => {
        const clientId = clientIdOf(call.metadata);
        call.on('data', (command: TelemetryCommand) => {
          const answer = s.telemetry(command, clientId);
          if (answer) call.write(answer);
        });
        call.on('end', () => call.end());
        call.on('error', () => undefined);
      },
    };
  }

  async listen(port: number, host: string): Promise<number> {
    this.port = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
    });
    return this.port;
  }

  async close(): Promise<void> {
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
  }
}
