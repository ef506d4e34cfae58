/**
 * Child of the recovery bench: opens a store, appends 1 KiB messages over 16 queues until the
 * commit log holds `targetBytes`, says "ready", then keeps writing until the parent SIGKILLs
 * it (a crash under load).
 */
import { encodeProperties } from '@rocketmq-ts/protocol';
import { MessageStore, type MessageToStore } from '@rocketmq-ts/store';

const [dir, targetText, flushDiskType] = process.argv.slice(2);
const target = Number(targetText);
const store = await MessageStore.open({ storePathRootDir: dir!, flushDiskType: flushDiskType === 'SYNC_FLUSH' ? 'SYNC_FLUSH' : 'ASYNC_FLUSH', messageIndexEnable: true });
const body = Buffer.alloc(1024, 0x61);
let sequence = 0;
const batch = (): MessageToStore[] =>
  Array.from({ length: 64 }, () => {
    const i = sequence++;
    return {
      topic: 'RecoveryBench',
      queueId: i % 16,
      flag: 0,
      body,
      propertiesText: encodeProperties({ KEYS: `k${i}` }),
      sysFlag: 0,
      bornTimestamp: Date.now(),
      bornHost: { address: '127.0.0.1', port: 1 },
      storeHost: { address: '127.0.0.1', port: 10911 },
      reconsumeTimes: 0,
      preparedTransactionOffset: 0,
    };
  });
let told = false;
for (;;) {
  // Single puts in parallel: the store groups them into one write, as a busy broker does.
  await Promise.all(batch().map((message) => store.putMessage(message)));
  if (!told && store.commitLog.maxOffset >= target) {
    told = true;
    process.stdout.write(`ready ${store.commitLog.maxOffset}\n`);
  }
  if (told) await new Promise((resolve) => setTimeout(resolve, 5));
}
