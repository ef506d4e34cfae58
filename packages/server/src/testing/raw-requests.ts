/** Raw remoting requests tests send to a broker without a client library. */
import { strict as assert } from 'node:assert';
import { CreateTopicRequestHeader, createRequest, encodeHeader, type RemotingClient, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';

/** UPDATE_AND_CREATE_TOPIC on one broker, as mqadmin updateTopic -b does; asserts SUCCESS. */
export async function createTopicOnBroker(client: RemotingClient, addr: string, topic: string, queueNums = 4): Promise<void> {
  const response = await client.invoke(
    addr,
    createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, {
      extFields: encodeHeader(CreateTopicRequestHeader, {
        topic,
        defaultTopic: 'TBW102',
        readQueueNums: queueNums,
        writeQueueNums: queueNums,
        perm: 6,
        topicFilterType: 'SINGLE_TAG',
        topicSysFlag: 0,
        order: false,
      }),
    }),
  );
  assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
}
