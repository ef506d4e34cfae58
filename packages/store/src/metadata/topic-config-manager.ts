/**
 * config/topics.json (TopicConfigManager, TopicConfig, TopicConfigSerializeWrapper):
 *
 *   {"dataVersion":{"counter":N,"timestamp":T},"topicConfigTable":{"<topic>":{"order":false,
 *    "perm":6,"readQueueNums":4,"topicFilterType":"SINGLE_TAG","topicName":"<topic>",
 *    "topicSysFlag":0,"writeQueueNums":4}}}
 *
 * Data only: which topics exist and how; auto-create rules and built-in topics belong to the broker.
 */
import type { JsonValue, TopicConfig } from '@rocketmq-ts/protocol';
import { asObject, booleanField, integerField, stringField } from './json-fields.ts';
import { VersionedTable, type VersionedTableOptions } from './versioned-table.ts';
import { ConfigShapeError } from './errors.ts';

export class TopicConfigManager extends VersionedTable<TopicConfig> {
  private constructor(path: string, options: VersionedTableOptions) {
    super(path, 'topicConfigTable', options);
  }

  /** Loads `path` (config/topics.json), or its .bak; empty when neither exists. */
  static async load(path: string, options: VersionedTableOptions = {}): Promise<TopicConfigManager> {
    const manager = new TopicConfigManager(path, options);
    await manager.loadFile();
    return manager;
  }

  protected decodeEntry(name: string, value: JsonValue): TopicConfig {
    const o = asObject(value, `topicConfigTable.${name}`);
    const at = (field: string): string => `topicConfigTable.${name}.${field}`;
    const filter = stringField(o['topicFilterType'], 'SINGLE_TAG', at('topicFilterType'));
    if (filter !== 'SINGLE_TAG' && filter !== 'MULTI_TAG') throw new ConfigShapeError(`${at('topicFilterType')} must be SINGLE_TAG or MULTI_TAG, got ${filter}`);
    return {
      topicName: stringField(o['topicName'], name, at('topicName')),
      readQueueNums: integerField(o['readQueueNums'], 16, at('readQueueNums')),
      writeQueueNums: integerField(o['writeQueueNums'], 16, at('writeQueueNums')),
      perm: integerField(o['perm'], 6, at('perm')),
      topicFilterType: filter,
      topicSysFlag: integerField(o['topicSysFlag'], 0, at('topicSysFlag')),
      order: booleanField(o['order'], false, at('order')),
    };
  }

  protected encodeEntry(c: TopicConfig): { readonly [key: string]: JsonValue } {
    return {
      order: c.order,
      perm: c.perm,
      readQueueNums: c.readQueueNums,
      topicFilterType: c.topicFilterType,
      topicName: c.topicName,
      topicSysFlag: c.topicSysFlag,
      writeQueueNums: c.writeQueueNums,
    };
  }

  protected nameOf(entry: TopicConfig): string {
    return entry.topicName;
  }
}
