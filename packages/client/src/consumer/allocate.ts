/**
 * Queue allocation strategies (consumer/rebalance/*.java): each takes the sorted lists of all
 * queues and all consumer ids of a group and returns this client's share. Every client of a
 * group computes the same split, so the results must match the Java client's exactly when
 * Java and Node consumers share a group.
 */
import { createHash } from 'node:crypto';
import type { MessageQueue } from '@rocketmq-ts/protocol';

export interface AllocateStrategy {
  readonly name: string;
  allocate(group: string, currentCID: string, mqAll: readonly MessageQueue[], cidAll: readonly string[]): MessageQueue[];
}

/** AllocateMessageQueueAveragely (the default): one contiguous block per client. */
export const allocateAveragely: AllocateStrategy = {
  name: 'AVG',
  allocate(_group, currentCID, mqAll, cidAll) {
    const index = cidAll.indexOf(currentCID);
    if (index < 0 || mqAll.length === 0) return [];
    const n = mqAll.length;
    const c = cidAll.length;
    const mod = n % c;
    const size = n <= c ? 1 : mod > 0 && index < mod ? Math.floor(n / c) + 1 : Math.floor(n / c);
    const start = mod > 0 && index < mod ? index * size : index * size + mod;
    const range = Math.min(size, n - start);
    const result: MessageQueue[] = [];
    for (let i = 0; i < range; i++) result.push(mqAll[(start + i) % n]!);
    return result;
  },
};

/** AllocateMessageQueueAveragelyByCircle: queue j goes to client j mod c. */
export const allocateAveragelyByCircle: AllocateStrategy = {
  name: 'AVG_BY_CIRCLE',
  allocate(_group, currentCID, mqAll, cidAll) {
    const index = cidAll.indexOf(currentCID);
    if (index < 0) return [];
    return mqAll.filter((_mq, j) => j % cidAll.length === index);
  },
};

/** AllocateMessageQueueByConfig: a fixed list, whatever the group looks like. */
export function allocateByConfig(queues: readonly MessageQueue[]): AllocateStrategy {
  return { name: 'CONFIG', allocate: () => [...queues] };
}

/** The first 4 bytes of the MD5 digest as an unsigned number (ConsistentHashRouter.MD5Hash). */
function md5Hash(key: string): number {
  const digest = createHash('md5').update(key, 'utf8').digest();
  return digest.readUInt32BE(0);
}

/** MessageQueue.toString(), the key Java hashes. */
function messageQueueText(mq: MessageQueue): string {
  return `MessageQueue [topic=${mq.topic}, brokerName=${mq.brokerName}, queueId=${mq.queueId}]`;
}

/** AllocateMessageQueueConsistentHash: a hash ring with `virtualNodes` points per client. */
export function allocateConsistentHash(virtualNodes = 10): AllocateStrategy {
  return {
    name: 'CONSISTENT_HASH',
    allocate(_group, currentCID, mqAll, cidAll) {
      if (!cidAll.includes(currentCID)) return [];
      const ring: { hash: number; cid: string }[] = [];
      for (const cid of cidAll) for (let i = 0; i < virtualNodes; i++) ring.push({ hash: md5Hash(`${cid}-${i}`), cid });
      ring.sort((a, b) => a.hash - b.hash);
      return mqAll.filter((mq) => {
        const hash = md5Hash(messageQueueText(mq));
        const node = ring.find((point) => point.hash >= hash) ?? ring[0];
        return node?.cid === currentCID;
      });
    },
  };
}
