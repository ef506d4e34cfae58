// The tutorial's PayProducer with @rocketmq-ts/client: run with NAMESRV_ADDR=127.0.0.1:9876
import { Producer } from '@rocketmq-ts/client';

const producer = new Producer({ groupName: 'pay_group', retryTimesWhenSendFailed: 3 });
await producer.start();
try {
  for (let i = 0; i < 10; i++) {
    // The signal bounds the wait for this send, retries included (sendMsgTimeout bounds each try).
    const result = await producer.send({ topic: 'PayTopic', tags: 'tag1', keys: `1234${i}`, body: `Hello RocketMQ ${i}` }, { signal: AbortSignal.timeout(10_000) });
    console.log(`${result.sendStatus} ${result.msgId} queue ${result.messageQueue.queueId} offset ${result.queueOffset}`);
  }
} finally {
  await producer.close(); // lets sends in flight settle first
}
