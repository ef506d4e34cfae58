/**
 * The lowest commit-log offset some group with committed offsets has not consumed yet: the
 * store's retention keeps every file from there on when only disk pressure asks for room
 * (issue 22: acknowledged, unconsumed messages are never deleted to make space by default).
 */
import type { ConsumerOffsetManager, MessageStore } from '@rocketmq-ts/store';

export async function lowestUnconsumedOffset(store: MessageStore, offsets: ConsumerOffsetManager): Promise<number> {
  let lowest = Number.POSITIVE_INFINITY;
  for (const { topic, offsets: queues } of offsets.entries()) {
    for (const [queueId, offset] of queues) {
      if (offset >= store.getMaxOffsetInQueue(topic, queueId)) continue;
      const { units } = await store.getQueueUnits(topic, queueId, offset, 1);
      const first = units[0];
      if (first && first.commitLogOffset < lowest) lowest = first.commitLogOffset;
    }
  }
  return lowest;
}
