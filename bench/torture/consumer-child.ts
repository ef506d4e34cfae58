/**
 * Child of the torture run: a push consumer that appends the body of every message it
 * consumes to a file (one line each, written before the message counts as consumed), slowly,
 * until the parent SIGKILLs it mid-batch. Args: namesrvAddr topic group outFile
 */
import { appendFileSync } from 'node:fs';
import { PushConsumer } from '@rocketmq-ts/client';

const [namesrvAddr, topic, group, outFile] = process.argv.slice(2);
const consumer = new PushConsumer({ groupName: group!, namesrvAddr: namesrvAddr!, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', persistConsumerOffsetInterval: 1000, rebalanceInterval: 1000, pollNameServerInterval: 1000 });
consumer.subscribe(topic!);
consumer.onMessage(async (message) => {
  appendFileSync(outFile!, `${message.body.toString()}\n`);
  await new Promise((resolve) => setTimeout(resolve, 1));
});
await consumer.start();
process.stdout.write('ready\n');
