/**
 * A named table with a DataVersion, persisted as
 *
 *   {"dataVersion":{"counter":N,"timestamp":T},"<tableField>":{"<name>":{…bean…},…}}
 *
 * (TopicConfigSerializeWrapper, SubscriptionGroupManager). The Java table is a
 * ConcurrentHashMap(1024), so names are written in its iteration order.
 */
import { type DataVersion, type JsonValue, type WritableJson, parseFastjson, writeFastjson } from '@rocketmq-ts/protocol';
import { ConfigManager, type ConfigManagerOptions } from './config-manager.ts';
import { decodeDataVersion, newDataVersion, nextDataVersion } from './data-version.ts';
import { asObject, concurrentHashMapOrder, mapEntries } from './json-fields.ts';

export interface VersionedTableOptions extends ConfigManagerOptions {
  /** Clock for DataVersion timestamps. @defaultValue Date.now */
  now?: () => number;
}

const JAVA_TABLE_INITIAL_CAPACITY = 1024;

export abstract class VersionedTable<T> extends ConfigManager {
  private table = new Map<string, T>();
  private version: DataVersion;
  protected readonly now: () => number;

  protected constructor(
    path: string,
    private readonly tableField: string,
    options: VersionedTableOptions,
  ) {
    super(path, options);
    this.now = options.now ?? Date.now;
    this.version = newDataVersion(this.now());
  }

  /** One entry from its JSON (lenient); `name` is its key in the table. */
  protected abstract decodeEntry(name: string, value: JsonValue): T;
  /** The entry as a fastjson bean. */
  protected abstract encodeEntry(entry: T): { readonly [key: string]: WritableJson };
  protected abstract nameOf(entry: T): string;

  get dataVersion(): Readonly<DataVersion> {
    return this.version;
  }

  get size(): number {
    return this.table.size;
  }

  get(name: string): Readonly<T> | undefined {
    return this.table.get(name);
  }

  has(name: string): boolean {
    return this.table.has(name);
  }

  /** Entries in insertion order. */
  values(): IterableIterator<Readonly<T>> {
    return this.table.values();
  }

  names(): string[] {
    return [...this.table.keys()];
  }

  /** Adds or replaces an entry, bumps the data version and schedules a write. */
  set(entry: T): void {
    this.table.set(this.nameOf(entry), entry);
    this.changed();
  }

  /** Removes an entry (bumping the version and scheduling a write if it existed). */
  delete(name: string): boolean {
    if (!this.table.delete(name)) return false;
    this.changed();
    return true;
  }

  /** Bumps the data version (DataVersion.nextVersion) and schedules a write. */
  changed(): void {
    this.version = nextDataVersion(this.version, this.now());
    this.schedulePersist();
  }

  encode(pretty = false): string {
    const names = concurrentHashMapOrder([...this.table.keys()], JAVA_TABLE_INITIAL_CAPACITY);
    const table = new Map<string, WritableJson>(names.map((name) => [name, this.encodeEntry(this.table.get(name)!)]));
    return writeFastjson({ dataVersion: { counter: this.version.counter, timestamp: this.version.timestamp }, [this.tableField]: table }, { pretty });
  }

  /** Replaces the table and the data version with the text's (load, slave sync). */
  decode(text: string): void {
    const root = asObject(parseFastjson(text), 'the file');
    const table = new Map<string, T>();
    for (const [name, value] of mapEntries(root[this.tableField], this.tableField)) table.set(name, this.decodeEntry(name, value));
    const version = decodeDataVersion(root['dataVersion'], this.version);
    this.table = table;
    this.version = version;
  }
}
