/**
 * config/delayOffset.json (ScheduleMessageService + DelayOffsetSerializeWrapper):
 *
 *   {"offsetTable":{<level>:<offset>,…}}     level = delay level (bare integer), offset = next
 *                                            SCHEDULE_TOPIC_XXXX queue (level − 1) offset to deliver
 *
 * The broker persists it every flushDelayOffsetInterval (10 s) by calling `persist()`.
 */
import { parseFastjson, writeFastjson } from '@rocketmq-ts/protocol';
import { ConfigManager, type ConfigManagerOptions } from './config-manager.ts';
import { asObject, integerField, integerMapOrder, mapEntries } from './json-fields.ts';

export class DelayOffsetManager extends ConfigManager {
  private table = new Map<number, number>();

  private constructor(path: string, options: ConfigManagerOptions) {
    super(path, options);
  }

  /** Loads `path` (config/delayOffset.json), or its .bak; empty when neither exists. */
  static async load(path: string, options: ConfigManagerOptions = {}): Promise<DelayOffsetManager> {
    const manager = new DelayOffsetManager(path, options);
    await manager.loadFile();
    return manager;
  }

  /** The next offset to deliver for a delay level; undefined when the level never ran. */
  get(level: number): number | undefined {
    return this.table.get(level);
  }

  set(level: number, offset: number): void {
    this.table.set(level, offset);
  }

  entries(): IterableIterator<[level: number, offset: number]> {
    return this.table.entries();
  }

  /** Compact JSON for GET_ALL_DELAY_OFFSET, pretty for the file. */
  encode(pretty = false): string {
    // ScheduleMessageService.offsetTable is a ConcurrentHashMap(32), loaded with putAll.
    const table = new Map(integerMapOrder([...this.table.keys()], 32).map((level) => [level, this.table.get(level)!]));
    return writeFastjson({ offsetTable: table }, { pretty });
  }

  /** Replaces the table with the text's (load, slave sync). */
  decode(text: string): void {
    const root = asObject(parseFastjson(text), 'the file');
    const table = new Map<number, number>();
    for (const [level, offset] of mapEntries(root['offsetTable'], 'offsetTable')) {
      table.set(integerField(level, 0, 'offsetTable level'), integerField(offset, 0, `offsetTable.${level}`));
    }
    this.table = table;
  }
}
