/**
 * config/consumerOffset.json (broker/offset/ConsumerOffsetManager.java):
 *
 *   {"offsetTable":{"<topic>@<group>":{<queueId>:<offset>,…},…}}     queue ids are bare integers
 *
 * The committed offsets of every consumer group. Not versioned; the broker persists it every
 * flushConsumerOffsetInterval (5 s) and at shutdown by calling `persist()`.
 */
import { parseFastjson, writeFastjson } from '@rocketmq-ts/protocol';
import { ConfigManager, type ConfigManagerOptions } from './config-manager.ts';
import { ConfigShapeError } from './errors.ts';
import { asObject, concurrentHashMapOrder, integerField, integerMapOrder, mapEntries } from './json-fields.ts';

const TOPIC_GROUP_SEPARATOR = '@';

export interface GroupOffsets {
  topic: string;
  group: string;
  offsets: ReadonlyMap<number, number>;
}

export class ConsumerOffsetManager extends ConfigManager {
  /** "<topic>@<group>" → queueId → offset */
  private table = new Map<string, Map<number, number>>();
  private changed = false;

  private constructor(path: string, options: ConfigManagerOptions) {
    super(path, options);
  }

  /** Loads `path` (config/consumerOffset.json), or its .bak; empty when neither exists. */
  static async load(path: string, options: ConfigManagerOptions = {}): Promise<ConsumerOffsetManager> {
    const manager = new ConsumerOffsetManager(path, options);
    await manager.loadFile();
    manager.changed = false;
    return manager;
  }

  commitOffset(group: string, topic: string, queueId: number, offset: number): void {
    const key = topic + TOPIC_GROUP_SEPARATOR + group;
    let offsets = this.table.get(key);
    if (!offsets) {
      offsets = new Map();
      this.table.set(key, offsets);
    }
    offsets.set(queueId, offset);
    this.changed = true;
  }

  /** The committed offset, or -1 when the group never committed one for that queue. */
  queryOffset(group: string, topic: string, queueId: number): number {
    return this.table.get(topic + TOPIC_GROUP_SEPARATOR + group)?.get(queueId) ?? -1;
  }

  offsetsOf(topic: string, group: string): ReadonlyMap<number, number> | undefined {
    return this.table.get(topic + TOPIC_GROUP_SEPARATOR + group);
  }

  /** Topics a group has offsets on (ConsumerOffsetManager.whichTopicByConsumer). */
  topicsOfGroup(group: string): string[] {
    return [...this.entries()].filter((entry) => entry.group === group).map((entry) => entry.topic);
  }

  /** Groups with offsets on a topic (ConsumerOffsetManager.whichGroupByTopic). */
  groupsOfTopic(topic: string): string[] {
    return [...this.entries()].filter((entry) => entry.topic === topic).map((entry) => entry.group);
  }

  /** True if anything changed since the last call: lets the 5 s persist skip idle periods. */
  takeDirty(): boolean {
    const changed = this.changed;
    this.changed = false;
    return changed;
  }

  *entries(): IterableIterator<GroupOffsets> {
    for (const [key, offsets] of this.table) {
      const at = key.indexOf(TOPIC_GROUP_SEPARATOR);
      yield { topic: key.slice(0, at), group: key.slice(at + 1), offsets };
    }
  }

  /** Replaces a group's offsets on a topic (reset offset, clone group). */
  setOffsets(topic: string, group: string, offsets: ReadonlyMap<number, number>): void {
    this.table.set(topic + TOPIC_GROUP_SEPARATOR + group, new Map(offsets));
    this.changed = true;
  }

  deleteOffsets(topic: string, group: string): boolean {
    const deleted = this.table.delete(topic + TOPIC_GROUP_SEPARATOR + group);
    if (deleted) this.changed = true;
    return deleted;
  }

  /** Removes every topic's offsets of a group; returns how many topics it had. */
  deleteGroup(group: string): number {
    return this.deleteWhere((entry) => entry.group === group);
  }

  /** Removes every group's offsets on a topic; returns how many groups had some. */
  deleteTopic(topic: string): number {
    return this.deleteWhere((entry) => entry.topic === topic);
  }

  private deleteWhere(predicate: (entry: GroupOffsets) => boolean): number {
    let count = 0;
    for (const entry of [...this.entries()]) {
      if (predicate(entry)) {
        this.table.delete(entry.topic + TOPIC_GROUP_SEPARATOR + entry.group);
        this.changed = true;
        count++;
      }
    }
    return count;
  }

  /** Compact JSON for GET_ALL_CONSUMER_OFFSET, pretty for the file. */
  encode(pretty = false): string {
    // After a restart Java's table is the ConcurrentHashMap fastjson built while loading.
    const keys = concurrentHashMapOrder([...this.table.keys()]);
    const table = new Map(keys.map((key) => [key, orderedOffsets(this.table.get(key)!)]));
    return writeFastjson({ offsetTable: table }, { pretty });
  }

  /** Takes every entry of the text's table, keeping keys only this side has (a slave's sync: Java putAll). */
  merge(text: string): void {
    const own = this.table;
    this.decode(text);
    for (const [key, offsets] of own) if (!this.table.has(key)) this.table.set(key, offsets);
  }

  /** Replaces the table with the text's (load, slave sync). */
  decode(text: string): void {
    const root = asObject(parseFastjson(text), 'the file');
    const table = new Map<string, Map<number, number>>();
    for (const [key, value] of mapEntries(root['offsetTable'], 'offsetTable')) {
      if (!key.includes(TOPIC_GROUP_SEPARATOR)) throw new ConfigShapeError(`offsetTable key ${JSON.stringify(key)} is not <topic>@<group>`);
      const offsets = new Map<number, number>();
      for (const [queueId, offset] of mapEntries(value, `offsetTable.${key}`)) {
        offsets.set(integerField(queueId, 0, `offsetTable.${key} queue id`), integerField(offset, 0, `offsetTable.${key}.${queueId}`));
      }
      table.set(key, offsets);
    }
    this.table = table;
    this.changed = true;
  }
}

function orderedOffsets(offsets: Map<number, number>): Map<number, number> {
  return new Map(integerMapOrder([...offsets.keys()]).map((queueId) => [queueId, offsets.get(queueId)!]));
}
