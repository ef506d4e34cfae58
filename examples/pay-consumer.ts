// The tutorial's PayConsumer with @rocketmq-ts/client: run with NAMESRV_ADDR=127.0.0.1:9876, stop with Ctrl-C
import { PushConsumer } from '@rocketmq-ts/client';

const consumer = new PushConsumer({ groupName: 'pay_consumer_group', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
consumer.subscribe('PayTopic', '*');
consumer.on('warning', (warning) => console.warn(warning.message)); // e.g. the topic does not exist yet
await consumer.start();
console.log('consumer started');

// Ctrl-C: stop pulling, let work in progress finish (10 s at most), commit offsets, leave the group.
const stopped = new Promise<void>((resolve) => process.once('SIGINT', () => void consumer.close({ timeoutMillis: 10_000 }).then(resolve)));

// A message counts as consumed when the loop asks for the next one; leaving the loop early
// (break or throw) hands the message in hand back, and RocketMQ delivers it again later.
for await (const message of consumer) {
  console.log(`received ${message.msgId} keys=${message.keys.join(',')} body=${message.body.toString()}`);
}
await stopped;
console.log('consumer stopped');
