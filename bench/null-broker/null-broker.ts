/**
 * The null broker: speaks enough of the broker side of the remoting protocol for a producer
 * (heartbeats, SEND_MESSAGE / SEND_MESSAGE_V2 / SEND_BATCH_MESSAGE) and answers every send with
 * SEND_OK without storing anything. It registers its topics with a name server like a broker,
 * so RocketMQ's benchmark Producer finds routes to it. Measured like a real broker, it is the
 * ceiling of the load generator on this machine: a broker's figure is reported as a % of it.
 */
import {
  bodyCrc,
  createRequest,
  createResponse,
  encodeHeader,
  encodeRegisterBrokerBody,
  newTopicConfig,
  RegisterBrokerRequestHeader,
  RemotingClient,
  RemotingServer,
  RequestCode,
  type RequestHandler,
  ResponseCode,
  type RemotingCommand,
  SendMessageResponseHeader,
} from '@rocketmq-ts/protocol';

export interface NullBrokerOptions {
  /** Name servers to register with, "a:9876;b:9876". */
  namesrvAddr: string;
  /** Topics announced to the name server (each with `queueNums` read and write queues). */
  topics: readonly string[];
  /** @defaultValue 4, what a Java producer asks for when it auto-creates a topic */
  queueNums?: number;
  /** @defaultValue 0 (an ephemeral port) */
  listenPort?: number;
  /** @defaultValue '127.0.0.1' */
  host?: string;
  /** Re-registration period, as a broker does. @defaultValue 30000 */
  registerPeriodMillis?: number;
}

export interface NullBroker {
  /** "host:port" */
  readonly brokerAddr: string;
  /** Messages acknowledged so far (a batch counts once per request). */
  readonly sends: number;
  stop(): Promise<void>;
}

/** A constant offset-message-id: the null broker stores nothing, so there is nothing to point at. */
const NULL_MSG_ID = '7F00000100002A9F0000000000000000';

export async function startNullBroker(options: NullBrokerOptions): Promise<NullBroker> {
  const host = options.host ?? '127.0.0.1';
  const queueNums = options.queueNums ?? 4;
  const nextOffset = new Map<string, number>();
  let sends = 0;

  const send =
    (queueIdField: string, topicField: string): RequestHandler =>
    (_ctx, request: RemotingCommand) => {
      sends++;
      const topic = request.extFields?.[topicField] ?? '';
      const queueId = Number(request.extFields?.[queueIdField] ?? 0);
      const key = `${topic}@${queueId}`;
      const queueOffset = nextOffset.get(key) ?? 0;
      nextOffset.set(key, queueOffset + 1);
      return createResponse(request, ResponseCode.SUCCESS, {
        extFields: encodeHeader(SendMessageResponseHeader, { msgId: NULL_MSG_ID, queueId, queueOffset }),
      });
    };
  const ok: RequestHandler = (_ctx, request) => createResponse(request, ResponseCode.SUCCESS);
  const handlers = new Map<number, RequestHandler>([
    [RequestCode.SEND_MESSAGE, send('queueId', 'topic')],
    [RequestCode.SEND_MESSAGE_V2, send('e', 'b')],
    [RequestCode.SEND_BATCH_MESSAGE, send('e', 'b')],
    [RequestCode.HEART_BEAT, ok],
    [RequestCode.UNREGISTER_CLIENT, ok],
  ]);
  const server = new RemotingServer({ handlers });
  const { port } = await server.listen(options.listenPort ?? 0, host);
  const brokerAddr = `${host}:${port}`;

  const namesrvAddrs = options.namesrvAddr.split(/[;,]/).map((addr) => addr.trim()).filter((addr) => addr !== '');
  const client = new RemotingClient();
  const topicConfigTable = new Map(
    ['TBW102', ...options.topics].map((topic) => [topic, newTopicConfig(topic, { readQueueNums: queueNums, writeQueueNums: queueNums, perm: 7 })]),
  );
  const body = encodeRegisterBrokerBody({ topicConfigSerializeWrapper: { dataVersion: { counter: 1, timestamp: Date.now() }, topicConfigTable }, filterServerList: [] });
  const register = async (): Promise<void> => {
    const extFields = encodeHeader(RegisterBrokerRequestHeader, {
      clusterName: 'DefaultCluster',
      brokerName: 'null-broker',
      brokerId: 0,
      brokerAddr,
      haServerAddr: brokerAddr,
      compressed: false,
      bodyCrc32: bodyCrc(body),
    });
    await Promise.all(
      namesrvAddrs.map(async (addr) => {
        const response = await client.invoke(addr, createRequest(RequestCode.REGISTER_BROKER, { extFields, body }), 3000);
        if (response.code !== ResponseCode.SUCCESS) throw new Error(`the name server ${addr} refused the null broker: ${response.code} ${response.remark ?? ''}`);
      }),
    );
  };
  await register();
  const timer = setInterval(() => void register().catch(() => undefined), options.registerPeriodMillis ?? 30_000);
  timer.unref();

  return {
    brokerAddr,
    get sends() {
      return sends;
    },
    stop: async () => {
      clearInterval(timer);
      await client.close();
      await server.close();
    },
  };
}
