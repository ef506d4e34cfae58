/**
 * The queues a producer may write to (TopicPublishInfo + MQClientInstance.topicRouteData2TopicPublishInfo):
 * from orderTopicConf "broker:n;broker:n" when present, else every writable queue of every
 * broker with a master, brokers in name order.
 */
import { isWriteable, javaStringHash, type MessageQueue, type TopicRouteData } from '@rocketmq-ts/protocol';
import type { LatencyFaultTolerance } from './fault-strategy.ts';

export class PublishInfo {
  private counter = Math.floor(Math.random() * 1024);

  constructor(
    readonly route: TopicRouteData,
    readonly queues: readonly MessageQueue[],
    /** True when the route is TBW102's, borrowed until the topic is created. */
    readonly borrowed: boolean,
  ) {}

  static fromRoute(topic: string, route: TopicRouteData, borrowed = false, queueNumsCap?: number): PublishInfo {
    const queues: MessageQueue[] = [];
    if (route.orderTopicConf) {
      for (const item of route.orderTopicConf.split(';')) {
        const [brokerName, nums] = item.split(':');
        if (!brokerName || !nums) continue;
        for (let queueId = 0; queueId < Number(nums); queueId++) queues.push({ topic, brokerName, queueId });
      }
      return new PublishInfo(route, queues, borrowed);
    }
    const withMaster = new Set(route.brokerDatas.filter((broker) => broker.brokerAddrs.has(0)).map((broker) => broker.brokerName));
    const sorted = [...route.queueDatas].sort((a, b) => (a.brokerName < b.brokerName ? -1 : a.brokerName > b.brokerName ? 1 : 0));
    for (const queueData of sorted) {
      if (!isWriteable(queueData.perm) || !withMaster.has(queueData.brokerName)) continue;
      const nums = queueNumsCap === undefined ? queueData.writeQueueNums : Math.min(queueNumsCap, queueData.readQueueNums);
      for (let queueId = 0; queueId < nums; queueId++) queues.push({ topic, brokerName: queueData.brokerName, queueId });
    }
    return new PublishInfo(route, queues, borrowed);
  }

  /** Round robin; on a retry, a queue of another broker than the last one tried when there is one. */
  select(lastBrokerName: string | undefined, faults: LatencyFaultTolerance | undefined): MessageQueue {
    const n = this.queues.length;
    const start = this.counter++;
    if (faults) {
      for (let i = 0; i < n; i++) {
        const queue = this.queues[Math.abs(start + i) % n]!;
        if (faults.isAvailable(queue.brokerName) && queue.brokerName !== lastBrokerName) return queue;
      }
      const brokers = [...new Set(this.queues.map((queue) => queue.brokerName))].filter((name) => name !== lastBrokerName);
      const best = faults.leastBad(brokers.length > 0 ? brokers : [...new Set(this.queues.map((queue) => queue.brokerName))]);
      const ofBest = this.queues.filter((queue) => queue.brokerName === best);
      if (ofBest.length > 0) return ofBest[Math.abs(start) % ofBest.length]!;
    }
    if (lastBrokerName !== undefined) {
      for (let i = 0; i < n; i++) {
        const queue = this.queues[Math.abs(start + i) % n]!;
        if (queue.brokerName !== lastBrokerName) return queue;
      }
    }
    return this.queues[Math.abs(start) % n]!;
  }
}

/** The queue index a sharding key picks (SelectMessageQueueByHash), so Java and Node producers agree. */
export function shardingQueueIndex(key: string, queueCount: number): number {
  return Math.abs(javaStringHash(key) % queueCount);
}
