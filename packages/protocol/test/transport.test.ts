import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { before, describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Connection,
  ConnectionClosedError,
  createRequest,
  createResponse,
  encodeFrame,
  type HandlerTable,
  type Logger,
  RemotingClient,
  RemotingConnectError,
  RemotingServer,
  type RemotingServerOptions,
  RemotingTimeoutError,
  RequestCode,
  type RequestHandler,
  ResponseCode,
  RocketMQError,
} from '@rocketmq-ts/protocol';

const echo: HandlerTable = new Map<number, RequestHandler>([
  [RequestCode.HEART_BEAT, (_ctx, request) => createResponse(request, ResponseCode.SUCCESS, { body: request.body })],
  [
    RequestCode.GET_MAX_OFFSET,
    () => {
      throw new RocketMQError('topic T does not exist', { code: ResponseCode.TOPIC_NOT_EXIST });
    },
  ],
  [
    RequestCode.GET_MIN_OFFSET,
    () => {
      throw new Error('boom');
    },
  ],
  [RequestCode.PULL_MESSAGE, () => new Promise<never>(() => {})], // never answers
]);

interface Captured extends Logger {
  lines: string[];
}

function captureLogger(): Captured {
  const lines: string[] = [];
  const log = (fields: object, message?: string): void => void lines.push(`${message ?? ''} ${JSON.stringify(fields)}`);
  return { lines, debug: () => {}, info: log, warn: log, error: log };
}

async function startServer(t: TestContext, options: Partial<RemotingServerOptions> = {}) {
  const server = new RemotingServer({ handlers: echo, ioThread: onIoThread, ...options });
  const { port } = await server.listen(0, '127.0.0.1');
  const client = new RemotingClient();
  t.after(async () => {
    await client.close();
    await server.close();
  });
  return { server, client, addr: `127.0.0.1:${port}`, port };
}

function rawSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.on('error', reject);
  });
}

/** The suite runs twice: connections on the event loop, then on the I/O thread (serverSelectorThreads=1). */
let onIoThread = false;

for (const ioThread of [false, true]) describe(`RemotingServer and RemotingClient, connections on ${ioThread ? 'the I/O thread' : 'the event loop'}`, () => {
  before(() => {
    onIoThread = ioThread;
  });

  it('answers requests matched by opaque, concurrently', async (t) => {
    const { client, addr } = await startServer(t);
    const bodies = Array.from({ length: 200 }, (_, i) => Buffer.from(`body-${i}`));
    const responses = await Promise.all(bodies.map((body) => client.invoke(addr, createRequest(RequestCode.HEART_BEAT, { body }), 3000)));
    assert.deepEqual(
      responses.map((r) => r.body?.toString()),
      bodies.map((b) => b.toString()),
    );
    assert.ok(responses.every((r) => r.code === ResponseCode.SUCCESS && (r.flag & 1) === 1));
  });

  it('turns unknown codes and handler errors into responses, never silence', async (t) => {
    const { client, addr } = await startServer(t);
    const unknown = await client.invoke(addr, createRequest(9999), 3000);
    assert.equal(unknown.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
    assert.match(unknown.remark!, /9999/);
    const typed = await client.invoke(addr, createRequest(RequestCode.GET_MAX_OFFSET), 3000);
    assert.equal(typed.code, ResponseCode.TOPIC_NOT_EXIST);
    assert.equal(typed.remark, 'topic T does not exist');
    const untyped = await client.invoke(addr, createRequest(RequestCode.GET_MIN_OFFSET), 3000);
    assert.equal(untyped.code, ResponseCode.SYSTEM_ERROR);
    assert.match(untyped.remark!, /GET_MIN_OFFSET failed: boom/);
  });

  it('does not answer oneway requests', async (t) => {
    let seen = 0;
    const handlers: HandlerTable = new Map<number, RequestHandler>([[RequestCode.UPDATE_CONSUMER_OFFSET, (_c, r) => (seen++, createResponse(r, 0))]]);
    const { client, addr, server } = await startServer(t, { handlers });
    await client.invokeOneway(addr, createRequest(RequestCode.UPDATE_CONSUMER_OFFSET));
    await client.invokeOneway(addr, createRequest(RequestCode.UPDATE_CONSUMER_OFFSET));
    while (seen < 2) await sleep(5);
    const [connection] = [...(server as unknown as { connections: Set<{ pendingRequests: number }> }).connections];
    assert.equal(connection!.pendingRequests, 0);
  });

  it('times out a request with an error naming the address and code', async (t) => {
    const { client, addr } = await startServer(t);
    await assert.rejects(client.invoke(addr, createRequest(RequestCode.PULL_MESSAGE), 100), (error: unknown) => {
      assert.ok(error instanceof RemotingTimeoutError);
      assert.equal(error.addr, addr);
      assert.match(error.message, /PULL_MESSAGE/);
      return true;
    });
  });

  it('fails every pending request at once when the connection closes', async (t) => {
    const { client, addr, server } = await startServer(t);
    const started = Date.now();
    const pending = Array.from({ length: 5 }, () => client.invoke(addr, createRequest(RequestCode.PULL_MESSAGE), 30000));
    const settled = Promise.allSettled(pending);
    await sleep(50);
    await server.close();
    const results = await settled;
    assert.ok(Date.now() - started < 5000);
    for (const result of results) {
      assert.equal(result.status, 'rejected');
      const error = (result as PromiseRejectedResult).reason as ConnectionClosedError;
      assert.ok(error instanceof ConnectionClosedError);
      assert.match(error.message, new RegExp(addr.replace(/\./g, '\\.')));
    }
  });

  it('reports a refused connection with the address', async () => {
    const client = new RemotingClient();
    await assert.rejects(client.invoke('127.0.0.1:1', createRequest(RequestCode.HEART_BEAT), 1000), RemotingConnectError);
    await client.close();
  });

  it('lets the server send requests to a connected client', async (t) => {
    const client = new RemotingClient({
      handlers: new Map<number, RequestHandler>([
        [RequestCode.GET_CONSUMER_RUNNING_INFO, (_c, r) => createResponse(r, ResponseCode.SUCCESS, { body: Buffer.from('running') })],
      ]),
    });
    const server = new RemotingServer({ handlers: echo, ioThread });
    const { port } = await server.listen(0, '127.0.0.1');
    t.after(async () => {
      await client.close();
      await server.close();
    });
    const connected = new Promise<Connection>((resolve) => server.once('connection', resolve));
    await client.invoke(`127.0.0.1:${port}`, createRequest(RequestCode.HEART_BEAT), 3000);
    const connection = await connected;
    const answer = await connection.request(createRequest(RequestCode.GET_CONSUMER_RUNNING_INFO), 3000);
    assert.equal(answer.body?.toString(), 'running');
    const unsupported = await connection.request(createRequest(RequestCode.CHECK_TRANSACTION_STATE), 3000);
    assert.equal(unsupported.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
  });

  it('closes only the connection that sent an oversized or malformed frame, with a logged reason', async (t) => {
    const logger = captureLogger();
    const { client, addr, port, server } = await startServer(t, { maxFrameLength: 4096, logger });
    await client.invoke(addr, createRequest(RequestCode.HEART_BEAT), 3000);

    const oversized = await rawSocket(port);
    const head = Buffer.alloc(8);
    head.writeInt32BE(5000, 0);
    oversized.write(head);
    await new Promise((resolve) => oversized.on('close', resolve));

    const malformed = await rawSocket(port);
    const junk = Buffer.from([0, 0, 0, 8, 0, 0, 0, 4, 0x7b, 0x7b, 0x7b, 0x7b]);
    malformed.write(junk);
    await new Promise((resolve) => malformed.on('close', resolve));

    assert.ok(logger.lines.some((line) => /bad frame/.test(line) && /exceeds the maximum of 4096/.test(line)), logger.lines.join('\n'));
    assert.ok(logger.lines.some((line) => /undecodable frame/.test(line)), logger.lines.join('\n'));
    const ok = await client.invoke(addr, createRequest(RequestCode.HEART_BEAT, { body: Buffer.from('still here') }), 3000);
    assert.equal(ok.body?.toString(), 'still here');
    assert.equal(server.connectionCount, 1);
  });

  it('closes idle connections', async (t) => {
    const { port, server } = await startServer(t, { idleTimeoutMillis: 150 });
    const socket = await rawSocket(port);
    const closedAt = await new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())));
    assert.ok(closedAt > 0);
    assert.equal(server.connectionCount, 0);
  });

  it('stops reading from a peer that does not read its responses', async (t) => {
    const big = Buffer.alloc(256 * 1024, 1);
    const handlers: HandlerTable = new Map<number, RequestHandler>([[RequestCode.HEART_BEAT, (_c, r) => createResponse(r, 0, { body: big })]]);
    const { port, server } = await startServer(t, { handlers, maxInFlightRequests: 16 });
    const socket = await rawSocket(port);
    socket.pause(); // never read responses
    const frame = encodeFrame(createRequest(RequestCode.HEART_BEAT));
    for (let i = 0; i < 2000; i++) socket.write(frame);
    await sleep(500);
    const [connection] = [...(server as unknown as { connections: Set<{ stream: { writableLength: number } }> }).connections];
    // Without backpressure 2000 × 256 KiB = 500 MiB would be queued; reading stops long before.
    assert.ok(connection, 'the slow reader is throttled, not disconnected');
    assert.ok(connection.stream.writableLength < 16 * 1024 * 1024, `queued ${connection.stream.writableLength}`);
    socket.destroy();
  });

  it('caps bytes held for unfinished frames across all connections; others keep being served (issue 22)', { timeout: 60_000 }, async (t) => {
    const limit = 4 * 1024 * 1024;
    // Paused peers are not read, so their close is seen by the idle timeout (hostile peers too).
    const { server, client, addr, port } = await startServer(t, { maxInboundBytes: limit, idleTimeoutMillis: 1500 });
    // 12 peers each announce a 3 MiB frame and send 1.5 MiB of it: 18 MiB if nothing capped it.
    const hostile: Socket[] = [];
    for (let i = 0; i < 12; i++) {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => {});
      await new Promise((resolve) => socket.once('connect', resolve));
      const head = Buffer.alloc(4);
      head.writeInt32BE(3 * 1024 * 1024);
      socket.write(head);
      socket.write(Buffer.alloc(1536 * 1024, 7));
      hostile.push(socket);
    }
    t.after(() => hostile.forEach((socket) => socket.destroy()));
    await sleep(1000);
    const budget = server.inboundBudget;
    // Bound: the limit, plus up to one read chunk (64 KiB) per peer that arrived while over it.
    assert.ok(budget.usedBytes <= limit + 12 * 128 * 1024, `held ${budget.usedBytes} bytes`);
    assert.ok(budget.waitingCount > 0, 'some peers were paused');
    // A well-behaved peer's small requests are still answered.
    const response = await client.invoke(addr, createRequest(RequestCode.HEART_BEAT, { body: Buffer.from('ok') }), 3000);
    assert.equal(response.body?.toString(), 'ok');
    for (const socket of hostile) socket.destroy();
    const deadline = Date.now() + 10_000;
    while (budget.usedBytes > 0 && Date.now() < deadline) await sleep(20);
    assert.equal(budget.usedBytes, 0, 'closing the peers gives their bytes back');
  });

  it('hands one peer at most maxRequestsPerTurn requests per event-loop turn', async (t) => {
    let handled = 0;
    let handledInFirstCallback = -1;
    const handlers: HandlerTable = new Map<number, RequestHandler>([
      [
        RequestCode.HEART_BEAT,
        (_ctx, request) => {
          // A microtask runs once the read callback that handed this request over returns.
          if (handled++ === 0) queueMicrotask(() => (handledInFirstCallback = handled));
          return createResponse(request, ResponseCode.SUCCESS);
        },
      ],
    ]);
    const { port } = await startServer(t, { handlers, maxRequestsPerTurn: 8 });
    const socket = connect(port, '127.0.0.1');
    t.after(() => socket.destroy());
    socket.on('data', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    // 200 pipelined requests in one write.
    socket.write(Buffer.concat(Array.from({ length: 200 }, () => encodeFrame(createRequest(RequestCode.HEART_BEAT, {})))));
    const deadline = Date.now() + 10_000;
    while (handled < 200 && Date.now() < deadline) await sleep(10);
    assert.equal(handled, 200);
    assert.equal(handledInFirstCallback, 8, 'the rest waited for later turns');
  });
});
