/**
 * The TypeScript load generator: `ts-producer.ts '<json options>'` sends for a fixed time with
 * N concurrent synchronous senders (like the Java benchmark's -w threads), measures every send's
 * round trip, and prints one JSON line with TPS and avg / p50 / p99 / max RT — the p99 that
 * RocketMQ's own Producer does not report.
 *
 * Senders: `client` (default) is our TypeScript client, `@rocketmq-ts/client`'s Producer —
 * route from the name server, its own queue selection, `await producer.send()`; `protocol`
 * sends SEND_MESSAGE_V2 with @rocketmq-ts/protocol's RemotingClient straight to the broker
 * (queues round-robin), i.e. the broker without any client-side cost.
 */
import {
  createRequest,
  encodeHeader,
  encodeProperties,
  RemotingClient,
  RequestCode,
  ResponseCode,
  SendMessageRequestHeaderV2,
} from '@rocketmq-ts/protocol';
import { Producer } from '@rocketmq-ts/client';
import { LatencyRecorder } from './latency.ts';

export interface TsProducerOptions {
  brokerAddr: string;
  namesrvAddr: string;
  topic: string;
  concurrency: number;
  bodySize: number;
  /** Measured time after the warm-up. */
  seconds: number;
  warmupSeconds: number;
  /** @defaultValue 4 */
  queueNums?: number;
  /** @defaultValue 'client' */
  sender?: 'client' | 'protocol';
}

export interface TsProducerResult {
  sends: number;
  failed: number;
  tps: number;
  avgMillis: number;
  p50Millis: number;
  p99Millis: number;
  maxMillis: number;
}

/** One synchronous send; the seam where @rocketmq-ts/client's Producer plugs in. */
export interface Sender {
  send(queueId: number): Promise<boolean>;
  close(): Promise<void>;
}

export function protocolSender(options: TsProducerOptions): Sender {
  const client = new RemotingClient();
  const body = Buffer.alloc(options.bodySize, 0x61);
  let sequence = 0;
  const prefix = `7F000001${process.pid.toString(16).toUpperCase().padStart(4, '0').slice(-4)}`;
  return {
    async send(queueId) {
      const uniqKey = `${prefix}${(sequence++).toString(16).toUpperCase().padStart(20, '0')}`;
      const extFields = encodeHeader(SendMessageRequestHeaderV2, {
        producerGroup: 'benchmark_producer_ts',
        topic: options.topic,
        defaultTopic: 'TBW102',
        defaultTopicQueueNums: 4,
        queueId,
        sysFlag: 0,
        bornTimestamp: Date.now(),
        flag: 0,
        properties: encodeProperties({ UNIQ_KEY: uniqKey, WAIT: 'true' }),
        reconsumeTimes: 0,
        unitMode: false,
        batch: false,
      });
      const response = await client.invoke(options.brokerAddr, createRequest(RequestCode.SEND_MESSAGE_V2, { extFields, body }), 3000);
      return response.code === ResponseCode.SUCCESS;
    },
    close: () => client.close(),
  };
}

export async function clientSender(options: TsProducerOptions): Promise<Sender> {
  const producer = new Producer({ groupName: 'benchmark_producer_ts', namesrvAddr: options.namesrvAddr });
  await producer.start();
  const body = Buffer.alloc(options.bodySize, 0x61);
  return {
    async send() {
      const result = await producer.send({ topic: options.topic, body });
      return result.sendStatus === 'SEND_OK';
    },
    close: () => producer.shutdown(),
  };
}

export async function runTsProducer(options: TsProducerOptions, given?: Sender): Promise<TsProducerResult> {
  const sender = given ?? (options.sender === 'protocol' ? protocolSender(options) : await clientSender(options));
  const queueNums = options.queueNums ?? 4;
  const recorder = new LatencyRecorder();
  let failed = 0;
  let nextQueue = 0;
  const start = performance.now();
  const measureFrom = start + options.warmupSeconds * 1000;
  const end = measureFrom + options.seconds * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const began = performance.now();
      let ok = false;
      try {
        ok = await sender.send(nextQueue++ % queueNums);
      } catch {
        ok = false;
      }
      if (began < measureFrom) continue;
      if (ok) recorder.record((performance.now() - began) * 1000);
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  await sender.close();
  const summary = recorder.summary();
  return { sends: recorder.size, failed, tps: Math.round(recorder.size / options.seconds), ...summary };
}
