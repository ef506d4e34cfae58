/**
 * Child of the torture run's broker fuzz: builds fuzzed remoting frames and sends them to a
 * broker over short-lived connections, in its own process so that the probe client's round
 * trips (measured by the parent) do not include this generator's pauses.
 *
 * Every request code of the protocol (RequestCode: send, pull, admin, ACL, transaction …) and
 * random ones, with headers made of real field names and hostile values; then mutated frames
 * (flipped bytes, cut frames), length lies, bad JSON headers, huge extFields and plain garbage.
 * One connection in four is clean (well-formed requests only) and must get one answer per
 * request (matched by opaque; the broker may also send its own requests, e.g. a consumer-ids
 * change notice). Prints "progress <frames>" now and then and a final "done <json>".
 *
 * Args: host port frames seed [parallel] [stopAtEpochMillis] (stops early then; the figures say how many went)
 */
import { connect, type Socket } from 'node:net';
import { createRequest, decodeFrame, encodeFrame, FrameDecoder, isResponse, RequestCode, SerializeType } from '@rocketmq-ts/protocol';

const [host, portText, framesText, seedText, parallelText] = process.argv.slice(2);
const port = Number(portText);
const total = Number(framesText);
const parallel = Number(parallelText ?? 16);
const stopAt = Number(process.argv[7] ?? Number.POSITIVE_INFINITY);
const FRAMES_PER_CONNECTION = 48;

/** xorshift32: reproducible from the seed. */
let state = Number(seedText) >>> 0 || 1;
function random(): number {
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state / 0x1_0000_0000;
}
const int = (max: number): number => Math.floor(random() * max);
const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
const bytes = (n: number): Buffer => {
  const buffer = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) buffer[i] = int(256);
  return buffer;
};

const codes = [...new Set(Object.values(RequestCode))];
// Header fields the broker's handlers read (send V1/V2, pull, offsets, admin, transactions, ACL).
const fields = [
  'topic', 'producerGroup', 'consumerGroup', 'group', 'queueId', 'queueOffset', 'maxMsgNums', 'sysFlag', 'commitOffset',
  'suspendTimeoutMillis', 'subscription', 'subVersion', 'expressionType', 'defaultTopic', 'defaultTopicQueueNums', 'bornTimestamp',
  'flag', 'properties', 'reconsumeTimes', 'unitMode', 'batch', 'maxReconsumeTimes', 'offset', 'timestamp', 'key', 'beginTimestamp',
  'endTimestamp', 'maxNum', 'msgId', 'commitLogOffset', 'tranStateTableOffset', 'transactionId', 'fromTransactionCheck', 'originTopic',
  'originMsgId', 'delayLevel', 'readQueueNums', 'writeQueueNums', 'perm', 'topicFilterType', 'topicSysFlag', 'order', 'clientId',
  'brokerName', 'brokerAddr', 'isForce', 'accessKey', 'secretKey', 'whiteRemoteAddress', 'admin', 'defaultTopicPerm', 'namespace',
  'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n',
];
const values = (): string => {
  switch (int(12)) {
    case 0: return '';
    case 1: return pick(['0', '1', '-1', '4', '16', '2147483647', '-2147483648', '9223372036854775807', '99999999999999999999999', 'NaN', '1e309', '0x10']);
    case 2: return `FuzzT${int(40)}`;
    case 3: return pick(['TBW102', '%DLQ%fuzz', '%RETRY%fuzz', 'SCHEDULE_TOPIC_XXXX', 'RMQ_SYS_TRANS_HALF_TOPIC', 'SELF_TEST_TOPIC', 'x'.repeat(300), '../../etc']);
    case 4: return `fuzz_group_${int(20)}`;
    case 5: return bytes(int(24)).toString('latin1');
    case 6: return `${int(2) ? 'true' : 'false'}`;
    case 7: return `TAGS\u0001t${int(9)}\u0002KEYS\u0001k${int(99)}\u0002${int(2) ? 'DELAY\u000199\u0002' : ''}`;
    case 8: return `a${int(9)} || b ${int(2) ? '&&' : 'and ('}`;
    case 9: return String(Date.now() - int(1e9));
    case 10: return `127.0.0.1:${int(70000)}`;
    default: return String(int(1000) - 100);
  }
};
const headerFields = (count: number): Record<string, string> => {
  const out: Record<string, string> = {};
  for (let i = 0; i < count; i++) out[pick(fields)] = values();
  return out;
};
const bodyOf = (): Buffer | undefined => {
  switch (int(7)) {
    case 0: return undefined;
    case 1: return bytes(int(600));
    case 2: return Buffer.from(JSON.stringify({ clientID: values(), producerDataSet: [{ groupName: values() }], consumerDataSet: [{ groupName: values(), subscriptionDataSet: [{ topic: values(), subString: values() }] }] }));
    case 3: return Buffer.from(`{"offsetTable":{${int(2) ? '"a":' : ''}`); // cut JSON
    case 4: return Buffer.from(`${pick(fields)}=${values()}\n${pick(fields)}=${values()}\n`);
    case 5: return Buffer.from(JSON.stringify({ topic: values(), brokerName: values(), mqSet: [{ topic: values(), queueId: int(9) - 1 }] }));
    default: return Buffer.from(`fuzz-body-${int(1e6)}`);
  }
};

/** A well-formed request (its header may still be nonsense to the handler). */
function wellFormed(clean: boolean, opaques?: Set<number>): Buffer {
  // Clean connections leave out PULL_MESSAGE and the pop/notification codes: a long poll may
  // legitimately hold its answer for up to brokerSuspendMaxTimeMillis.
  let code = int(10) === 0 ? int(400) : pick(codes);
  if (clean && (code === RequestCode.PULL_MESSAGE || code >= 200000 || code === 361)) code = RequestCode.HEART_BEAT;
  return encodeFrame(
    createRequest(code, {
      serializeType: random() < 0.5 ? SerializeType.JSON : SerializeType.ROCKETMQ,
      extFields: random() < 0.9 ? headerFields(1 + int(12)) : undefined,
      remark: random() < 0.1 ? bytes(int(30)).toString('utf8') : undefined,
      body: bodyOf(),
      opaque: nextOpaque(opaques),
    }),
  );
}

function nextOpaque(opaques?: Set<number>): number {
  const opaque = int(0x7fffffff);
  opaques?.add(opaque);
  return opaque;
}

/** One hostile frame: each usually ends its connection (the broker closes on a bad frame). */
function hostile(): Buffer {
  const kind = int(7);
  if (kind === 0) {
    const frame = Buffer.from(wellFormed(false));
    for (let j = 0; j < 1 + int(4); j++) frame[int(frame.length)] = int(256);
    return frame;
  }
  if (kind === 1) return wellFormed(false).subarray(0, 1 + int(40)); // cut
  if (kind === 2) {
    // length lies: frame or header length too big, negative or past the frame
    const frame = Buffer.from(wellFormed(false));
    if (int(2)) frame.writeInt32BE(pick([int(1 << 24), -int(1 << 30), 0x7fffffff, 3]), 0);
    else frame.writeUInt32BE((int(2) << 24) | int(0x00ffffff), 4);
    return frame;
  }
  if (kind === 3) {
    // a JSON header that is not JSON, or JSON of the wrong shape
    const header = Buffer.from(pick(['{"code":10,"extFields":{"topic":', '[1,2,3]', '{"code":"x","flag":{},"extFields":[]}', 'null', '{"code":10,"language":"JAVA","extFields":{"a":1e999}}', bytes(40).toString('latin1')]));
    const frame = Buffer.alloc(8 + header.length);
    frame.writeInt32BE(4 + header.length, 0);
    frame.writeUInt32BE(header.length, 4);
    header.copy(frame, 8);
    return frame;
  }
  if (kind === 4) {
    // huge extFields (well-formed, so the handler sees them)
    const big: Record<string, string> = {};
    for (let i = 0; i < 1 + int(4); i++) big[pick(fields)] = 'z'.repeat(int(200_000));
    for (let i = 0; i < int(2000); i++) big[`k${i}`] = values();
    return encodeFrame(createRequest(pick(codes), { serializeType: int(2) ? SerializeType.JSON : SerializeType.ROCKETMQ, extFields: big, opaque: int(0x7fffffff) }));
  }
  if (kind === 5) {
    // a plausible length prefix followed by garbage
    const body = bytes(int(200));
    const frame = Buffer.alloc(8 + body.length);
    frame.writeInt32BE(4 + body.length, 0);
    frame.writeUInt32BE((int(3) << 24) | int(body.length + 8), 4);
    body.copy(frame, 8);
    return frame;
  }
  return bytes(1 + int(64));
}

const stats = { frames: 0, connections: 0, hostileConnections: 0, cleanConnections: 0, cleanRequests: 0, cleanAnswered: 0, cleanShort: 0 };

/** One connection: a run of requests, then (unless clean) a hostile frame or two; then end. */
function connection(clean: boolean): Promise<void> {
  const frames: Buffer[] = [];
  const opaques = clean ? new Set<number>() : undefined;
  const n = 1 + int(FRAMES_PER_CONNECTION);
  for (let i = 0; i < n; i++) frames.push(clean || random() < 0.8 ? wellFormed(clean, opaques) : hostile());
  if (!clean) frames.push(hostile());
  else if (opaques!.size !== frames.length) return Promise.resolve(); // an opaque drawn twice: skip
  stats.frames += frames.length;
  stats.connections++;
  return new Promise((resolve) => {
    const answered = new Set<number>();
    const decoder = new FrameDecoder();
    const socket: Socket = connect({ host, port });
    socket.setNoDelay(true);
    socket.on('error', () => {}); // the broker closes on bad frames mid-write: that is the point
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const frame of decoder.push(chunk)) {
          if (!opaques) continue;
          const command = decodeFrame(frame);
          if (isResponse(command) && opaques.has(command.opaque)) answered.add(command.opaque);
        }
      } catch {
        socket.destroy();
      }
    });
    socket.on('close', () => {
      if (clean) {
        stats.cleanConnections++;
        stats.cleanRequests += frames.length;
        stats.cleanAnswered += answered.size;
        if (answered.size !== frames.length) stats.cleanShort++;
      } else stats.hostileConnections++;
      resolve();
    });
    socket.on('connect', () => {
      for (const frame of frames) if (!socket.destroyed) socket.write(frame);
      socket.end();
      // A clean connection waits for every answer; the broker ends it once all are written.
      setTimeout(() => socket.destroy(), clean ? 30_000 : 3_000).unref();
    });
  });
}

let lastReport = 0;
async function worker(index: number): Promise<void> {
  let k = index;
  while (stats.frames < total && Date.now() < stopAt) {
    await connection(k++ % 4 === 0);
    if (stats.frames - lastReport >= 100_000) {
      lastReport = stats.frames;
      process.stdout.write(`progress ${stats.frames}\n`);
    }
  }
}

const started = performance.now();
await Promise.all(Array.from({ length: parallel }, (_, i) => worker(i)));
process.stdout.write(`done ${JSON.stringify({ ...stats, seconds: (performance.now() - started) / 1000 })}\n`);
