/**
 * One SEND_MESSAGE_V2 to a broker, retried until it is accepted: how the harness decides that
 * a freshly spawned server is ready ("startup to first accepted send"). Auto-creates the topic
 * from TBW102 as the Java producer would.
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

function sleep(millis: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, millis));
}

/** Resolves with Date.now() of the first SEND_OK from `brokerAddr`; rejects after `timeoutMillis`. */
export async function firstAcceptedSend(brokerAddr: string, topic: string, timeoutMillis: number, signal?: AbortSignal): Promise<number> {
  const client = new RemotingClient();
  const deadline = Date.now() + timeoutMillis;
  let lastError = 'no attempt';
  try {
    for (;;) {
      try {
        const extFields = encodeHeader(SendMessageRequestHeaderV2, {
          producerGroup: 'bench_startup_probe',
          topic,
          defaultTopic: 'TBW102',
          defaultTopicQueueNums: 4,
          queueId: 0,
          sysFlag: 0,
          bornTimestamp: Date.now(),
          flag: 0,
          properties: encodeProperties({ WAIT: 'true' }),
          reconsumeTimes: 0,
          unitMode: false,
          batch: false,
        });
        const response = await client.invoke(brokerAddr, createRequest(RequestCode.SEND_MESSAGE_V2, { extFields, body: Buffer.from('startup') }), 1000);
        if (response.code === ResponseCode.SUCCESS) return Date.now();
        lastError = `answered ${response.code}: ${response.remark ?? ''}`;
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
        await client.closeConnection(brokerAddr).catch(() => undefined);
      }
      if (signal?.aborted) throw new Error(`gave up sending to ${brokerAddr} (last: ${lastError})`);
      if (Date.now() > deadline) throw new Error(`no send to ${brokerAddr} accepted within ${timeoutMillis} ms (last: ${lastError})`);
      await sleep(20);
    }
  } finally {
    await client.close();
  }
}
