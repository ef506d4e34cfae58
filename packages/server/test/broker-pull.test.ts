/** PULL_MESSAGE over TCP against a real broker: the response codes the Java client acts on. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import {
  CreateTopicRequestHeader,
  createRequest,
  decodeHeader,
  encodeHeader,
  PullMessageRequestHeader,
  PullMessageResponseHeader,
  PullSysFlag,
  RemotingClient,
  RequestCode,
  ResponseCode,
} from '@rocketmq-ts/protocol';
import { startCluster } from '@rocketmq-ts/server/internal';

it('a pull from offset > 0 of a queue with no messages is PULL_OFFSET_MOVED to 0; from 0 it is PULL_NOT_FOUND', async (t) => {
  const cluster = await startCluster(t);
  const client = new RemotingClient();
  t.after(() => client.close());
  const topic = `pull_empty_${randomUUID().slice(0, 8)}`;
  const created = await client.invoke(
    cluster.brokerAddr,
    createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, {
      extFields: encodeHeader(CreateTopicRequestHeader, {
        topic,
        defaultTopic: 'TBW102',
        readQueueNums: 4,
        writeQueueNums: 4,
        perm: 6,
        topicFilterType: 'SINGLE_TAG',
        topicSysFlag: 0,
        order: false,
      }),
    }),
  );
  assert.equal(created.code, ResponseCode.SUCCESS, created.remark);

  // What DefaultMQPullConsumer.pull(mq, "*", offset, 32) sends: subscription in the request, no suspend.
  const pull = async (queueOffset: number) => {
    const response = await client.invoke(
      cluster.brokerAddr,
      createRequest(RequestCode.PULL_MESSAGE, {
        extFields: encodeHeader(PullMessageRequestHeader, {
          consumerGroup: 'pull_empty_group',
          topic,
          queueId: 1,
          queueOffset,
          maxMsgNums: 32,
          sysFlag: PullSysFlag.SUBSCRIPTION,
          commitOffset: 0,
          suspendTimeoutMillis: 0,
          subscription: '*',
          subVersion: 0,
          expressionType: 'TAG',
        }),
      }),
    );
    return { code: response.code, header: decodeHeader(PullMessageResponseHeader, response.extFields) };
  };

  // The Java client turns these into NO_NEW_MSG and OFFSET_ILLEGAL (next offset 0), as with Apache RocketMQ 4.8.
  const fromZero = await pull(0);
  assert.equal(fromZero.code, ResponseCode.PULL_NOT_FOUND);
  assert.equal(fromZero.header.nextBeginOffset, 0);
  const fromFive = await pull(5);
  assert.equal(fromFive.code, ResponseCode.PULL_OFFSET_MOVED);
  assert.deepEqual([fromFive.header.nextBeginOffset, fromFive.header.minOffset, fromFive.header.maxOffset], [0, 0, 0]);
});
