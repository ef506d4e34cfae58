/**
 * config/consumerFilter.json (ConsumerFilterManager.encode / decode, BrokerPathConfigHelper
 * .getConsumerFilterPath): the SQL92 filters of consumer groups, so a restarted broker serves
 * SQL92 pulls at once instead of answering FILTER_DATA_NOT_EXIST until the next heartbeat.
 *
 *   {"filterDataByTopic":{<topic>:{"groupFilterData":{<group>:{"bornTime","clientVersion",
 *     "consumerGroup","dead","deadTime","expression","expressionType","topic"}},"topic"}}}
 *
 * On load every expression is compiled again; one that no longer compiles is dropped.
 */
import { type JsonObject, type JsonValue, parseFastjson, type WritableJson, writeFastjson } from '@rocketmq-ts/protocol';
import { ConfigManager, type ConfigManagerOptions } from '@rocketmq-ts/store';
import { join } from 'node:path';
import type { ConsumerFilterManager, StoredConsumerFilter } from './consumer-filter-manager.ts';

export function consumerFilterPath(storePathRootDir: string): string {
  return join(storePathRootDir, 'config', 'consumerFilter.json');
}

const object = (value: JsonValue | undefined): JsonObject => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : {});
const num = (value: JsonValue | undefined): number => (typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : Number(value ?? 0) || 0);
const str = (value: JsonValue | undefined): string => (typeof value === 'string' ? value : '');

export class ConsumerFilterFile extends ConfigManager {
  private constructor(
    path: string,
    private readonly filters: ConsumerFilterManager,
    options: ConfigManagerOptions,
  ) {
    super(path, options);
  }

  /** Loads the file (or its .bak) into `filters` and persists every later change. */
  static async load(path: string, filters: ConsumerFilterManager, options: ConfigManagerOptions = {}): Promise<ConsumerFilterFile> {
    const file = new ConsumerFilterFile(path, filters, options);
    await file.loadFile();
    filters.onChange(() => file.schedulePersist());
    return file;
  }

  encode(pretty = false): string {
    const byTopic = new Map<string, Map<string, WritableJson>>();
    for (const f of this.filters.snapshot()) {
      let topic = byTopic.get(f.topic);
      if (!topic) byTopic.set(f.topic, (topic = new Map()));
      topic.set(f.group, { bornTime: f.bornTime, clientVersion: f.clientVersion, consumerGroup: f.group, dead: f.deadTime > 0, deadTime: f.deadTime, expression: f.expression, expressionType: f.expressionType, topic: f.topic });
    }
    const table = new Map([...byTopic].map(([topic, groups]) => [topic, { groupFilterData: groups, topic }]));
    return writeFastjson({ filterDataByTopic: table }, { pretty });
  }

  decode(text: string): void {
    const stored: StoredConsumerFilter[] = [];
    for (const topicEntry of Object.values(object(object(parseFastjson(text))['filterDataByTopic']))) {
      for (const data of Object.values(object(object(topicEntry)['groupFilterData']))) {
        const d = object(data);
        stored.push({
          topic: str(d['topic']),
          group: str(d['consumerGroup']),
          expression: str(d['expression']),
          expressionType: str(d['expressionType']),
          clientVersion: num(d['clientVersion']),
          bornTime: num(d['bornTime']),
          deadTime: num(d['deadTime']),
        });
      }
    }
    this.filters.restore(stored.filter((s) => s.topic && s.group && s.expression));
  }
}
