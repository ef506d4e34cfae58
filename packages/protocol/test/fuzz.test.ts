/**
 * Fuzzes a live RemotingServer: 100,000+ random, mutated and valid frames over many
 * connections, while a well-behaved client keeps checking that answers stay correct. The
 * server must stay up, keep answering, close only the offending connections, and keep its
 * memory bounded.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  createRequest,
  createResponse,
  encodeFrame,
  FrameDecoder,
  type HandlerTable,
  RemotingClient,
  RemotingServer,
  RequestCode,
  type RequestHandler,
  ResponseCode,
  SerializeType,
} from '@rocketmq-ts/protocol';

const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
const TOTAL_FRAMES = Number(process.env.FUZZ_FRAMES ?? 100_000);
const CONNECTIONS = 400;
const PARALLEL = 16;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** xorshift32: reproducible from the seed printed on failure. */
function rng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
}

function makeFrames(random: () => number, count: number, onlyValid = false): Buffer[] {
  const int = (max: number): number => Math.floor(random() * max);
  const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(256)));
  const valid = (): Buffer =>
    encodeFrame(
      createRequest([RequestCode.HEART_BEAT, RequestCode.SEND_MESSAGE_V2, RequestCode.PULL_MESSAGE, int(400)][int(4)]!, {
        serializeType: random() < 0.5 ? SerializeType.JSON : SerializeType.ROCKETMQ,
        extFields: random() < 0.7 ? { a: 'g', b: 'T'.repeat(int(20)), g: String(Date.now()), ['k' + int(9)]: bytes(int(8)).toString('latin1') } : undefined,
        remark: random() < 0.2 ? bytes(int(30)).toString('utf8') : undefined,
        body: random() < 0.6 ? bytes(int(600)) : undefined,
        opaque: int(0x7fffffff),
      }),
    );
  const frames: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const kind = onlyValid ? 0 : random();
    if (kind < 0.35) frames.push(valid());
    else if (kind < 0.7) {
      // mutate a valid frame: flip bytes, cut it, or rewrite a length field
      const frame = Buffer.from(valid());
      const how = int(4);
      if (how === 0) for (let j = 0; j < 1 + int(4); j++) frame[int(frame.length)] = int(256);
      else if (how === 1) frames.push(frame.subarray(0, int(frame.length)));
      else if (how === 2) frame.writeInt32BE(int(2) ? int(1 << 20) : -int(1 << 30), 0);
      else frame.writeUInt32BE(int(0xffffffff), 4);
      if (how !== 1) frames.push(frame);
    } else if (kind < 0.9) frames.push(bytes(1 + int(64)));
    else {
      // a plausible length prefix followed by garbage
      const body = bytes(int(200));
      const frame = Buffer.alloc(8 + body.length);
      frame.writeInt32BE(4 + body.length, 0);
      frame.writeUInt32BE((int(3) << 24) | int(body.length + 8), 4);
      body.copy(frame, 8);
      frames.push(frame);
    }
  }
  return frames;
}

/** Sends frames on one connection; resolves with the number of response frames received. */
function blast(port: number, frames: Buffer[]): Promise<number> {
  return new Promise((resolve) => {
    let received = 0;
    const decoder = new FrameDecoder();
    const socket: Socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => {}); // the server may close on us mid-write; that is the point
    socket.on('data', (chunk: Buffer) => void (received += decoder.push(chunk).length));
    socket.on('close', () => resolve(received));
    socket.on('connect', () => {
      for (const frame of frames) if (!socket.destroyed) socket.write(frame);
      socket.end();
      setTimeout(() => socket.destroy(), 2000).unref();
    });
  });
}

it(`survives ${TOTAL_FRAMES} fuzzed frames over ${CONNECTIONS} connections (seed ${SEED})`, async (t) => {
  const echo: RequestHandler = (_ctx, request) => createResponse(request, ResponseCode.SUCCESS, { body: request.body, extFields: request.extFields });
  const handlers: HandlerTable = new Map<number, RequestHandler>([
    [RequestCode.HEART_BEAT, echo],
    [RequestCode.SEND_MESSAGE_V2, echo],
    [RequestCode.PULL_MESSAGE, echo],
  ]);
  let closedForBadFrames = 0;
  const server = new RemotingServer({
    handlers,
    maxFrameLength: 1 << 20,
    logger: { debug: () => {}, info: () => {}, error: () => {}, warn: () => void closedForBadFrames++ },
  });
  const { port } = await server.listen(0, '127.0.0.1');
  const probe = new RemotingClient();
  t.after(async () => {
    await probe.close();
    await server.close();
  });

  const random = rng(SEED);
  const perConnection = Math.ceil(TOTAL_FRAMES / CONNECTIONS);
  let sent = 0;
  let cleanAnswered = 0;
  let probes = 0;
  let stop = false;
  // Round trips of the well-behaved client while hostile connections are served (issue 22, 7).
  const latencies: number[] = [];
  const prober = (async () => {
    while (!stop) {
      const body = Buffer.from(`probe-${probes}`);
      const probeStarted = performance.now();
      const response = await probe.invoke(`127.0.0.1:${port}`, createRequest(RequestCode.HEART_BEAT, { body, extFields: { n: String(probes) } }), 5000);
      assert.equal(response.code, ResponseCode.SUCCESS);
      assert.equal(response.body?.toString(), body.toString());
      assert.equal(response.extFields?.['n'], String(probes));
      latencies.push(performance.now() - probeStarted);
      probes++;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  })();

  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  let heapPeak = heapBefore;
  for (let i = 0; i < CONNECTIONS; i += PARALLEL) {
    // Every fourth connection is well-behaved (valid frames, some with unknown codes): each of
    // its requests must be answered even while its neighbours send garbage.
    const batch = Array.from({ length: Math.min(PARALLEL, CONNECTIONS - i) }, (_, j) => makeFrames(random, perConnection, j % 4 === 0));
    sent += batch.reduce((sum, frames) => sum + frames.length, 0);
    const received = await Promise.all(batch.map((frames) => blast(port, frames)));
    for (let j = 0; j < batch.length; j += 4) {
      const answers = received[j]!;
      assert.equal(answers, batch[j]!.length, `clean connection ${i + j} got ${answers} answers to ${batch[j]!.length} requests`);
      cleanAnswered += answers;
    }
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }
  stop = true;
  await prober;

  while (server.connectionCount > 1) await new Promise((resolve) => setTimeout(resolve, 20));
  gc();
  const heapAfter = process.memoryUsage().heapUsed;
  latencies.sort((a, b) => a - b);
  const at = (q: number): string => (latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0).toFixed(1);
  t.diagnostic(`well-behaved client round trip meanwhile: median ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms over ${latencies.length} requests`);
  t.diagnostic(
    `frames ${sent}, answers on clean connections ${cleanAnswered}, probes answered ${probes}, connections closed for bad frames ${closedForBadFrames}, ` +
      `heap before ${(heapBefore / 2 ** 20).toFixed(1)} MiB, peak ${(heapPeak / 2 ** 20).toFixed(1)} MiB, after ${(heapAfter / 2 ** 20).toFixed(1)} MiB`,
  );
  assert.ok(sent >= TOTAL_FRAMES);
  assert.ok(probes > 10, 'the well-behaved client kept getting answers');
  assert.ok(closedForBadFrames > CONNECTIONS / 2, 'bad frames closed their connections');
  assert.equal(server.connectionCount, 1, 'only the probe connection is left');
  assert.ok(heapPeak - heapBefore < 256 * 2 ** 20, 'heap stayed bounded while fuzzed');
  assert.ok(heapAfter - heapBefore < 64 * 2 ** 20, 'nothing leaked after the fuzzing');
});
