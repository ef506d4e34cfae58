/**
 * Name server KV config (KVConfigManager): namespace → key → value, persisted as
 * `{"configTable":{ns:{k:v}}}` in kvConfigPath after every change.
 */
import { entriesOf, javaOrderedMap, parseFastjson, str, writeFastjson } from '@rocketmq-ts/protocol';

/** Where the table is read from and written to (atomic writes in production). */
export interface KvPersistence {
  load(): Promise<string | undefined>;
  save(text: string): Promise<void>;
}

/** Namespace of the order-topic configuration (NamesrvUtil.NAMESPACE_ORDER_TOPIC_CONFIG). */
export const NAMESPACE_ORDER_TOPIC_CONFIG = 'ORDER_TOPIC_CONFIG';

export class KvConfigManager {
  private readonly table = new Map<string, Map<string, string>>();
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly persistence?: KvPersistence) {}

  async load(): Promise<void> {
    const text = await this.persistence?.load();
    if (!text) return;
    const parsed = parseFastjson(text);
    for (const [namespace, entries] of entriesOf(typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && !(parsed instanceof Map) ? parsed['configTable'] : undefined)) {
      this.table.set(String(namespace), new Map(entriesOf(entries).map(([k, v]) => [String(k), str(v)])));
    }
  }

  get(namespace: string, key: string): string | undefined {
    return this.table.get(namespace)?.get(key);
  }

  list(namespace: string): ReadonlyMap<string, string> | undefined {
    const entries = this.table.get(namespace);
    return entries && entries.size > 0 ? entries : undefined;
  }

  async put(namespace: string, key: string, value: string): Promise<void> {
    let entries = this.table.get(namespace);
    if (!entries) this.table.set(namespace, (entries = new Map()));
    entries.set(key, value);
    await this.persist();
  }

  async delete(namespace: string, key: string): Promise<void> {
    const entries = this.table.get(namespace);
    if (!entries?.delete(key)) return;
    if (entries.size === 0) this.table.delete(namespace);
    await this.persist();
  }

  /** Writes are serialized so the last change always wins on disk. */
  private persist(): Promise<void> {
    const persistence = this.persistence;
    if (!persistence) return Promise.resolve();
    const text = writeFastjson(
      { configTable: javaOrderedMap([...this.table].map(([ns, entries]) => [ns, javaOrderedMap(entries)])) },
      { pretty: true },
    );
    this.saving = this.saving.then(() => persistence.save(text));
    return this.saving;
  }
}
