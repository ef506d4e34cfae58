/**
 * Codec benchmark (not a test): encode and decode throughput of
 *   - a SEND_MESSAGE_V2 request with a 1 KiB body (typed header → extFields → frame, and back),
 *   - a PULL_MESSAGE response carrying 32 stored messages of 1 KiB (frame + header + records),
 * in operations/s and MB/s. With Java on the PATH, the same work is timed with the real
 * rocketmq-remoting 4.8.0 classes in the same run (interop/java CodecBench), and the ratio is
 * printed: the machines are shared, so only same-run ratios mean much.
 *
 *   npm run bench:codec            (BENCH_SECONDS=2 per case by default)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  createRequest,
  createResponse,
  decodeFrame,
  decodeHeader,
  decodeStoredMessages,
  encodeFrame,
  encodeHeader,
  encodeProperties,
  encodeStoredMessage,
  FrameDecoder,
  PullMessageResponseHeader,
  RequestCode,
  SendMessageRequestHeaderV2,
  type SendMessageRequestHeader,
} from '@rocketmq-ts/protocol';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const body1k = Buffer.alloc(1024, 7);
const properties = encodeProperties({ KEYS: 'order-1001', TAGS: 'TagA', WAIT: 'true', UNIQ_KEY: '7F00000100002A9F0000000000000000' });

const sendHeader: SendMessageRequestHeader = {
  producerGroup: 'PayProducerGroup',
  topic: 'PayTopic',
  defaultTopic: 'TBW102',
  defaultTopicQueueNums: 4,
  queueId: 2,
  sysFlag: 0,
  bornTimestamp: 1700000000123,
  flag: 0,
  properties,
  reconsumeTimes: 0,
  unitMode: false,
  batch: false,
};

function encodeSend(): Buffer {
  return encodeFrame(createRequest(RequestCode.SEND_MESSAGE_V2, { extFields: encodeHeader(SendMessageRequestHeaderV2, sendHeader), body: body1k, opaque: 42 }));
}

const records = Buffer.concat(
  Array.from({ length: 32 }, (_, i) =>
    encodeStoredMessage({
      queueId: 1,
      flag: 0,
      queueOffset: 100 + i,
      commitLogOffset: 1_000_000 + i * 1200,
      sysFlag: 0,
      bornTimestamp: 1700000000000,
      bornHost: { address: '10.0.0.7', port: 53211 },
      storeTimestamp: 1700000000100,
      storeHost: { address: '192.168.1.20', port: 10911 },
      reconsumeTimes: 0,
      preparedTransactionOffset: 0,
      body: body1k,
      topic: 'PayTopic',
      propertiesText: properties,
    }),
  ),
);
const pullRequest = createRequest(RequestCode.PULL_MESSAGE, { opaque: 9 });

function encodePull(): Buffer {
  return encodeFrame(
    createResponse(pullRequest, 0, {
      remark: 'FOUND',
      extFields: encodeHeader(PullMessageResponseHeader, { suggestWhichBrokerId: 0, nextBeginOffset: 132, minOffset: 0, maxOffset: 200 }),
      body: records,
    }),
  );
}

const sendFrame = encodeSend();
const pullFrame = encodePull();

function decodeSend(): number {
  const [frame] = new FrameDecoder().push(sendFrame);
  const command = decodeFrame(frame!);
  const header = decodeHeader(SendMessageRequestHeaderV2, command.extFields);
  return header.queueId + command.body!.length;
}

function decodePull(): number {
  const [frame] = new FrameDecoder().push(pullFrame);
  const command = decodeFrame(frame!);
  decodeHeader(PullMessageResponseHeader, command.extFields);
  return decodeStoredMessages(command.body!).length;
}

function measure(work: () => unknown): number {
  const warmUntil = performance.now() + 300;
  while (performance.now() < warmUntil) work();
  let ops = 0;
  const start = performance.now();
  const end = start + SECONDS * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) work();
    ops += 100;
  }
  return ops / ((performance.now() - start) / 1000);
}

interface Row {
  name: string;
  bytes: number;
  ours: number;
  java?: number;
}

function javaFigures(): Map<string, number> | undefined {
  const repo = fileURLToPath(new URL('..', import.meta.url));
  const classpathFile = `${repo}interop/java/target/classpath.txt`;
  if (spawnSync('java', ['-version']).status !== 0) return undefined;
  try {
    if (!existsSync(classpathFile) || !existsSync(`${repo}interop/java/target/classes/io/rocketmqts/interop/CodecBench.class`)) {
      execFileSync('mvn', ['-B', '-q', '-Dstyle.color=never', 'compile', 'dependency:build-classpath', '-Dmdep.outputFile=target/classpath.txt'], {
        cwd: `${repo}interop/java`,
        stdio: 'ignore',
      });
    }
    const classpath = `${repo}interop/java/target/classes:${readFileSync(classpathFile, 'utf8').trim()}`;
    const out = execFileSync('java', ['-Xms512m', '-Xmx512m', '-cp', classpath, 'io.rocketmqts.interop.CodecBench', String(SECONDS)], { encoding: 'utf8' });
    return new Map(out.trim().split('\n').map((line) => { const [name, ops] = line.split('\t'); return [name!, Number(ops)]; }));
  } catch (error) {
    console.error(`(Java comparison skipped: ${(error as Error).message.split('\n')[0]})`);
    return undefined;
  }
}

const rows: Row[] = [
  { name: 'encode SEND_MESSAGE_V2 1 KiB', bytes: sendFrame.length, ours: measure(encodeSend) },
  { name: 'decode SEND_MESSAGE_V2 1 KiB', bytes: sendFrame.length, ours: measure(decodeSend) },
  { name: 'encode PULL response 32×1 KiB', bytes: pullFrame.length, ours: measure(encodePull) },
  { name: 'decode PULL response 32×1 KiB', bytes: pullFrame.length, ours: measure(decodePull) },
];
const java = javaFigures();
for (const row of rows) row.java = java?.get(row.name);

const format = (n: number): string => Math.round(n).toLocaleString('en-US');
console.log(`\ncodec benchmark — Node ${process.version}, ${SECONDS} s per case\n`);
console.log('| case | frame bytes | ops/s | MB/s | Java 4.8 ops/s | ours / Java |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const row of rows) {
  const mbps = (row.ours * row.bytes) / 1e6;
  const ratio = row.java ? `${(row.ours / row.java).toFixed(2)}×` : 'n/a';
  console.log(`| ${row.name} | ${row.bytes} | ${format(row.ours)} | ${mbps.toFixed(0)} | ${row.java ? format(row.java) : 'n/a'} | ${ratio} |`);
}
