/** Java toString() texts that Apache's mqadmin prints as they are. */
import { permToString, type SubscriptionGroupConfig, type TopicConfig } from '@rocketmq-ts/protocol';

export function topicConfigText(c: TopicConfig): string {
  return (
    `TopicConfig [topicName=${c.topicName}, readQueueNums=${c.readQueueNums}, writeQueueNums=${c.writeQueueNums}, perm=${permToString(c.perm)}, ` +
    `topicFilterType=${c.topicFilterType}, topicSysFlag=${c.topicSysFlag}, order=${c.order}]`
  );
}

export function subscriptionGroupText(c: SubscriptionGroupConfig): string {
  return (
    `SubscriptionGroupConfig [groupName=${c.groupName}, consumeEnable=${c.consumeEnable}, consumeFromMinEnable=${c.consumeFromMinEnable}, ` +
    `consumeBroadcastEnable=${c.consumeBroadcastEnable}, retryQueueNums=${c.retryQueueNums}, retryMaxTimes=${c.retryMaxTimes}, brokerId=${c.brokerId}, ` +
    `whichBrokerWhenConsumeSlowly=${c.whichBrokerWhenConsumeSlowly}, notifyConsumerIdsChangedEnable=${c.notifyConsumerIdsChangedEnable}]`
  );
}

/** TopicSysFlag.buildSysFlag(unit, hasUnitSub). */
export function topicSysFlag(unit: boolean, hasUnitSub: boolean): number {
  return (unit ? 1 : 0) | (hasUnitSub ? 2 : 0);
}
