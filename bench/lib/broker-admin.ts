/**
 * The two broker requests the harness itself needs: how many messages a topic holds (sum of
 * GET_MAX_OFFSET over its queues) and setting a consumer group's offsets to 0, so RocketMQ's
 * benchmark Consumer (which only offers CONSUME_FROM_LAST_OFFSET) reads a backlog from its start.
 */
import {
  createRequest,
  decodeHeader,
  encodeHeader,
  GetMaxOffsetRequestHeader,
  GetMaxOffsetResponseHeader,
  RemotingClient,
  RequestCode,
  ResponseCode,
  UpdateConsumerOffsetRequestHeader,
} from '@rocketmq-ts/protocol';

/** Queues a benchmark topic can have: the Java producer auto-creates 4; 8 covers broker defaults. */
const MAX_QUEUES = 8;

export async function topicMessageCount(brokerAddr: string, topic: string): Promise<number> {
  const client = new RemotingClient();
  try {
    let total = 0;
    for (let queueId = 0; queueId < MAX_QUEUES; queueId++) {
      const response = await client.invoke(
        brokerAddr,
        createRequest(RequestCode.GET_MAX_OFFSET, { extFields: encodeHeader(GetMaxOffsetRequestHeader, { topic, queueId }) }),
        5000,
      );
      if (response.code === ResponseCode.SUCCESS) total += Number(decodeHeader(GetMaxOffsetResponseHeader, response.extFields).offset);
    }
    return total;
  } finally {
    await client.close();
  }
}

export async function resetGroupToStart(brokerAddr: string, group: string, topic: string): Promise<void> {
  const client = new RemotingClient();
  try {
    for (let queueId = 0; queueId < MAX_QUEUES; queueId++) {
      await client.invoke(
        brokerAddr,
        createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, {
          extFields: encodeHeader(UpdateConsumerOffsetRequestHeader, { consumerGroup: group, topic, queueId, commitOffset: 0 }),
        }),
        5000,
      );
    }
  } finally {
    await client.close();
  }
}
