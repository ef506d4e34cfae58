/**
 * config/subscriptionGroup.json (SubscriptionGroupManager, SubscriptionGroupConfig 4.8;
 * remoting-protocol.md §7.10):
 *
 *   {"dataVersion":{…},"subscriptionGroupTable":{"<group>":{"brokerId":0,
 *    "consumeBroadcastEnable":true,"consumeEnable":true,"consumeFromMinEnable":true,
 *    "groupName":"<group>","notifyConsumerIdsChangedEnable":true,"retryMaxTimes":16,
 *    "retryQueueNums":1,"whichBrokerWhenConsumeSlowly":1}}}
 *
 * Data only: auto-creation and built-in groups belong to the broker.
 */
import type { JsonValue, SubscriptionGroupConfig } from '@rocketmq-ts/protocol';
import { asObject, booleanField, integerField, stringField } from './json-fields.ts';
import { VersionedTable, type VersionedTableOptions } from './versioned-table.ts';

export class SubscriptionGroupManager extends VersionedTable<SubscriptionGroupConfig> {
  private constructor(path: string, options: VersionedTableOptions) {
    super(path, 'subscriptionGroupTable', options);
  }

  /** Loads `path` (config/subscriptionGroup.json), or its .bak; empty when neither exists. */
  static async load(path: string, options: VersionedTableOptions = {}): Promise<SubscriptionGroupManager> {
    const manager = new SubscriptionGroupManager(path, options);
    await manager.loadFile();
    return manager;
  }

  protected decodeEntry(name: string, value: JsonValue): SubscriptionGroupConfig {
    const o = asObject(value, `subscriptionGroupTable.${name}`);
    const at = (field: string): string => `subscriptionGroupTable.${name}.${field}`;
    return {
      groupName: stringField(o['groupName'], name, at('groupName')),
      consumeEnable: booleanField(o['consumeEnable'], true, at('consumeEnable')),
      consumeFromMinEnable: booleanField(o['consumeFromMinEnable'], true, at('consumeFromMinEnable')),
      consumeBroadcastEnable: booleanField(o['consumeBroadcastEnable'], true, at('consumeBroadcastEnable')),
      retryQueueNums: integerField(o['retryQueueNums'], 1, at('retryQueueNums')),
      retryMaxTimes: integerField(o['retryMaxTimes'], 16, at('retryMaxTimes')),
      brokerId: integerField(o['brokerId'], 0, at('brokerId')),
      whichBrokerWhenConsumeSlowly: integerField(o['whichBrokerWhenConsumeSlowly'], 1, at('whichBrokerWhenConsumeSlowly')),
      notifyConsumerIdsChangedEnable: booleanField(o['notifyConsumerIdsChangedEnable'], true, at('notifyConsumerIdsChangedEnable')),
      // 5.x only; written back only when set, so a 4.x file stays byte-identical.
      ...(booleanField(o['consumeMessageOrderly'], false, at('consumeMessageOrderly')) ? { consumeMessageOrderly: true } : {}),
    };
  }

  protected encodeEntry(c: SubscriptionGroupConfig): { readonly [key: string]: JsonValue } {
    return {
      brokerId: c.brokerId,
      consumeBroadcastEnable: c.consumeBroadcastEnable,
      consumeEnable: c.consumeEnable,
      consumeFromMinEnable: c.consumeFromMinEnable,
      groupName: c.groupName,
      notifyConsumerIdsChangedEnable: c.notifyConsumerIdsChangedEnable,
      retryMaxTimes: c.retryMaxTimes,
      retryQueueNums: c.retryQueueNums,
      whichBrokerWhenConsumeSlowly: c.whichBrokerWhenConsumeSlowly,
      ...(c.consumeMessageOrderly ? { consumeMessageOrderly: true } : {}),
    };
  }

  protected nameOf(entry: SubscriptionGroupConfig): string {
    return entry.groupName;
  }
}
