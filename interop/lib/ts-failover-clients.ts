/**
 * Our TypeScript client in the failover scenario (interop/test/failover.test.ts), in the test's
 * process beside the Java 4.8 programs: a Producer sending synchronously without pause and a
 * PushConsumer, both with the client's defaults (30 s pollNameServerInterval, 3 s sendMsgTimeout,
 * 2 retries), so what they show after a kill is the client's own recovery (route refresh after a
 * failed send or pull), not a short route poll. Their lines have the Java programs' shape.
 */
import { type Logger, Producer, PushConsumer } from '@rocketmq-ts/client';

/** RMQTS_FAILOVER_TS_LOG=1: the clients' info and warnings on stderr, stamped in ms, to see what a recovery waited for. */
const logger: Logger | undefined =
  process.env.RMQTS_FAILOVER_TS_LOG === '1'
    ? (() => {
        const line = (level: string) => (fields: object, message?: string) => process.stderr.write(`${Date.now()} ts-client ${level} ${message ?? ''} ${JSON.stringify(fields)}\n`);
        return { debug: () => undefined, info: line('info'), warn: line('warn'), error: line('error') };
      })()
    : undefined;

/** One send: SEND_OK with the store's offsetMsgId, or the error. */
export interface TsSendLine {
  i: number;
  key: string;
  at: number;
  status: string;
  offsetMsgId?: string;
}

export interface TsDelivery {
  msgId: string;
  keys: string;
  at: number;
}

export interface TsFailoverClients {
  readonly sends: TsSendLine[];
  readonly deliveries: TsDelivery[];
  /** Stops sending; resolves once the send in flight settled. */
  stopSending(): Promise<void>;
  /** Stops sending and shuts both clients down. */
  stop(): Promise<void>;
}

export async function startTsFailoverClients(options: { namesrvAddr: string; topic: string; group: string; pauseMillis?: number }): Promise<TsFailoverClients> {
  const { namesrvAddr, topic, group } = options;
  const sends: TsSendLine[] = [];
  const deliveries: TsDelivery[] = [];
  const consumer = new PushConsumer({ namesrvAddr, groupName: group, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', ...(logger ? { logger } : {}) });
  consumer.subscribe(topic, '*');
  consumer.onMessage((message) => {
    deliveries.push({ msgId: message.msgId, keys: message.keys.join(' '), at: Date.now() });
    return 'CONSUME_SUCCESS';
  });
  await consumer.start();
  const producer = new Producer({ namesrvAddr, groupName: `${group}_producer`, ...(logger ? { logger } : {}) });
  try {
    await producer.start();
  } catch (error) {
    await consumer.shutdown();
    throw error;
  }

  let sending = true;
  const loop = (async () => {
    for (let i = 0; sending; i++) {
      const key = `ts-${i}`;
      try {
        const result = await producer.send({ topic, keys: key, body: `failover-ts-${i}` });
        sends.push({ i, key, at: Date.now(), status: result.sendStatus, offsetMsgId: result.offsetMsgId });
      } catch (error) {
        sends.push({ i, key, at: Date.now(), status: `FAILED ${String(error).slice(0, 200)}` });
      }
      if (options.pauseMillis) await new Promise((resolve) => setTimeout(resolve, options.pauseMillis));
    }
  })();

  let stopped = false;
  const stopSending = async (): Promise<void> => {
    sending = false;
    await loop;
  };
  return {
    sends,
    deliveries,
    stopSending,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopSending();
      await producer.shutdown().catch(() => undefined);
      await consumer.shutdown().catch(() => undefined);
    },
  };
}
