/**
 * SubscriptionGroupConfig (remoting-protocol.md §7.10), the body of
 * UPDATE_AND_CREATE_SUBSCRIPTIONGROUP and the entries of subscriptionGroup.json.
 */
import type { JsonValue, WritableJson } from '../json/fastjson.ts';
import { bool, isObject, num, str } from './route.ts';

export interface SubscriptionGroupConfig {
  groupName: string;
  consumeEnable: boolean;
  consumeFromMinEnable: boolean;
  consumeBroadcastEnable: boolean;
  retryQueueNums: number;
  retryMaxTimes: number;
  brokerId: number;
  whichBrokerWhenConsumeSlowly: number;
  notifyConsumerIdsChangedEnable: boolean;
  /** 5.x: the group consumes FIFO (POP delivers a queue's messages in order). Absent in 4.x files. */
  consumeMessageOrderly?: boolean;
}

export function newSubscriptionGroupConfig(groupName: string, init: Partial<SubscriptionGroupConfig> = {}): SubscriptionGroupConfig {
  return {
    groupName,
    consumeEnable: true,
    consumeFromMinEnable: true,
    consumeBroadcastEnable: true,
    retryQueueNums: 1,
    retryMaxTimes: 16,
    brokerId: 0,
    whichBrokerWhenConsumeSlowly: 1,
    notifyConsumerIdsChangedEnable: true,
    ...init,
  };
}

export function subscriptionGroupJson(config: SubscriptionGroupConfig): WritableJson {
  return { ...config };
}

export function readSubscriptionGroupConfig(value: JsonValue | undefined, name = ''): SubscriptionGroupConfig {
  const object = isObject(value) ? value : {};
  const defaults = newSubscriptionGroupConfig(str(object['groupName'], name));
  return {
    groupName: defaults.groupName,
    consumeEnable: bool(object['consumeEnable'], defaults.consumeEnable),
    consumeFromMinEnable: bool(object['consumeFromMinEnable'], defaults.consumeFromMinEnable),
    consumeBroadcastEnable: bool(object['consumeBroadcastEnable'], defaults.consumeBroadcastEnable),
    retryQueueNums: num(object['retryQueueNums'], defaults.retryQueueNums),
    retryMaxTimes: num(object['retryMaxTimes'], defaults.retryMaxTimes),
    brokerId: num(object['brokerId'], defaults.brokerId),
    whichBrokerWhenConsumeSlowly: num(object['whichBrokerWhenConsumeSlowly'], defaults.whichBrokerWhenConsumeSlowly),
    notifyConsumerIdsChangedEnable: bool(object['notifyConsumerIdsChangedEnable'], defaults.notifyConsumerIdsChangedEnable),
    ...(bool(object['consumeMessageOrderly'], false) ? { consumeMessageOrderly: true } : {}),
  };
}
