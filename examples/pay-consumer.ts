// The tutorial's PayConsumer with @rocketmq-ts/client: run with NAMESRV_ADDR=127.0.0.1:9876, stop with Ctrl-C
import { PushConsumer } from '@rocketmq-ts/client';

const consumer = new PushConsumer({ groupName: 'pay_consumer_group', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
consumer.subscribe('PayTopic', '*');
consumer.onMessage(async (message) => {
  // Resolving means consumed; throwing makes RocketMQ deliver the message again later.
  console.log(`received ${message.msgId} keys=${message.keys.join(',')} body=${message.body.toString()}`);
});
await consumer.start();
console.log('consumer started');

process.once('SIGINT', () => {
  // Finish what is in progress, commit offsets, leave the group.
  void consumer.shutdown().then(() => console.log('consumer stopped'));
});
