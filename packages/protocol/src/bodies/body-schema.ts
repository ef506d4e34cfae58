/**
 * JSON bodies described as data, the way headers are (headers/field-table.ts): each body is a
 * table of fields, each field a codec that both writes fastjson's form and reads it leniently.
 * One generic encoder and decoder serve every table, so a body is declared once, not written
 * twice by hand.
 *
 * Writing: a bean becomes a plain object (fastjson sorts bean keys; undefined is skipped); maps
 * are written in the iteration order of the Java collection the sender builds (HashMap /
 * ConcurrentHashMap bucket order, or TreeMap order). Reading: missing fields take Java's
 * defaults; map keys may be object literals, bare or quoted numbers, or quoted JSON objects.
 */
import { type JavaMapKind, javaMapOrder, javaStringHash, javaStringMapOrder } from '../codec/java-hash.ts';
import { entriesOf, JavaDouble, type JsonValue, parseFastjson, type WritableJson, writeFastjson } from '../json/fastjson.ts';
import { type MessageQueue, messageQueueJson, messageQueueKey, readMessageQueue } from './heartbeat.ts';
import { bool, isObject, list as jsonList, num, parseBody, str } from './route.ts';

export interface Codec<T> {
  write(value: T): WritableJson;
  /** `key` is the map key when the value sits in a string-keyed map. */
  read(value: JsonValue | undefined, key?: string): T;
}

// scalars

export const long: Codec<number> = { write: (value) => value, read: (value) => num(value) };
/** A Java double (written with a decimal point, as fastjson writes doubles). */
export const double: Codec<number> = { write: (value) => new JavaDouble(value), read: (value) => num(value) };
export const boolean = (fallback = false): Codec<boolean> => ({ write: (value) => value, read: (value) => bool(value, fallback) });
export const string: Codec<string> = { write: (value) => value, read: (value) => str(value) };
export const optionalString: Codec<string | undefined> = { write: (value) => value, read: (value) => (typeof value === 'string' ? value : undefined) };

/** A Java enum by name; anything else reads as undefined. */
export function enumOf<E extends string>(names: readonly E[]): Codec<E | undefined> {
  return { write: (value) => value, read: (value) => (typeof value === 'string' && (names as readonly string[]).includes(value) ? (value as E) : undefined) };
}

/** A codec written by hand (for shapes defined elsewhere, e.g. SubscriptionData). */
export function custom<T>(write: (value: T) => WritableJson, read: (value: JsonValue | undefined, key?: string) => T): Codec<T> {
  return { write, read };
}

/** Present only when the JSON holds an object there. */
export function optional<T>(codec: Codec<T>): Codec<T | undefined> {
  return { write: (value) => (value === undefined ? undefined : codec.write(value)), read: (value, key) => (isObject(value) ? codec.read(value, key) : undefined) };
}

// beans

interface FieldOptions {
  /** Other names the field may be read from (e.g. Go's `dropped` for `droped`). */
  readAlso?: readonly string[];
}

export type FieldTable<T> = { [K in keyof T]-?: Codec<T[K]> | [Codec<T[K]>, FieldOptions] };

/**
 * A Java bean: one codec per field. `derived` adds write-only fields computed from the whole
 * value (Java getters with no field, e.g. QueueTimeSpan's formatted times).
 */
export function bean<T>(fields: FieldTable<T>, derived: Record<string, (value: T) => WritableJson> = {}): Codec<T> {
  const table = Object.entries(fields).map(([name, spec]) => {
    const [codec, options] = Array.isArray(spec) ? (spec as [Codec<unknown>, FieldOptions]) : [spec as Codec<unknown>, {} as FieldOptions];
    return { name, codec, names: [name, ...(options.readAlso ?? [])] };
  });
  return {
    write(value) {
      const out: Record<string, WritableJson> = {};
      for (const { name, codec } of table) out[name] = codec.write((value as Record<string, unknown>)[name]);
      for (const [name, compute] of Object.entries(derived)) out[name] = compute(value);
      return out;
    },
    read(value) {
      const object = isObject(value) ? value : {};
      const out: Record<string, unknown> = {};
      for (const { name, codec, names } of table) out[name] = codec.read(names.map((n) => object[n]).find((v) => v !== undefined));
      return out as T;
    },
  };
}

// collections

export function list<T>(item: Codec<T>): Codec<T[]> {
  return { write: (values) => values.map((value) => item.write(value)), read: (value) => jsonList(value).map((v) => item.read(v)) };
}

/** A Java HashSet<String>: unique, in hash order. */
export const stringSet: Codec<string[]> = {
  write: (values) => [...javaStringMapOrder([...new Set(values)])],
  read: (value) => jsonList(value).map((v) => str(v)),
};

/** MessageQueue.hashCode: 31-based over brokerName, queueId, topic. */
export function messageQueueHash(mq: MessageQueue): number {
  let hash = (31 + javaStringHash(mq.brokerName)) | 0;
  hash = (Math.imul(31, hash) + mq.queueId) | 0;
  return (Math.imul(31, hash) + javaStringHash(mq.topic)) | 0;
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0; // UTF-16 code units, as String.compareTo
}

/** MessageQueue.compareTo: topic, then brokerName, then queueId (the TreeMap order). */
export function compareMessageQueue(a: MessageQueue, b: MessageQueue): number {
  return compareStrings(a.topic, b.topic) || compareStrings(a.brokerName, b.brokerName) || a.queueId - b.queueId;
}

/** A map key written as an object literal, or (leniently) as a quoted JSON object. */
function keyAsMessageQueue(key: number | string | JsonValue): MessageQueue | undefined {
  if (isObject(key)) return readMessageQueue(key);
  if (typeof key === 'string' && key.trimStart().startsWith('{')) {
    try {
      const parsed = parseFastjson(key);
      if (isObject(parsed)) return readMessageQueue(parsed);
    } catch {
      // not a queue: the entry is skipped, as an unknown key is
    }
  }
  return undefined;
}

/** A MessageQueue-keyed map (object-literal keys), in HashMap or TreeMap order; equal queues merge as in Java (first position, last value). */
export function messageQueueMap<V>(value: Codec<V>, order: 'HashMap' | 'TreeMap' = 'HashMap'): Codec<Map<MessageQueue, V>> {
  return {
    write(table) {
      const merged = new Map<string, [MessageQueue, V]>();
      for (const [mq, v] of table) {
        const seen = merged.get(messageQueueKey(mq));
        if (seen) seen[1] = v;
        else merged.set(messageQueueKey(mq), [mq, v]);
      }
      const entries = [...merged.values()];
      const ordered = order === 'TreeMap' ? entries.sort(([a], [b]) => compareMessageQueue(a, b)) : javaMapOrder(entries, ([mq]) => messageQueueHash(mq));
      return new Map(ordered.map(([mq, v]): [WritableJson, WritableJson] => [messageQueueJson(mq), value.write(v)]));
    },
    read(json) {
      const out = new Map<MessageQueue, V>();
      for (const [key, item] of entriesOf(json)) {
        const mq = keyAsMessageQueue(key);
        if (mq) out.set(mq, value.read(item));
      }
      return out;
    },
  };
}

/** A String-keyed map: HashMap / ConcurrentHashMap order (with the sender's initial capacity), or TreeMap order. */
export function stringMap<V>(value: Codec<V>, kind: JavaMapKind | 'TreeMap', initialCapacity?: number): Codec<Map<string, V>> {
  return {
    write(table) {
      const keys =
        kind === 'TreeMap'
          ? [...table.keys()].sort(compareStrings)
          : initialCapacity === undefined
            ? javaStringMapOrder([...table.keys()], kind)
            : javaMapOrder([...table.keys()], javaStringHash, kind, initialCapacity);
      return new Map(keys.map((key): [WritableJson, WritableJson] => [key, value.write(table.get(key)!)]));
    },
    read: (json) => new Map(entriesOf(json).map(([key, item]): [string, V] => [String(key), value.read(item, String(key))])),
  };
}

const integerHash = (value: number): number => value | 0;

/** An Integer → Long map (queue ids, delay levels) in HashMap / ConcurrentHashMap order. */
export function integerMap(kind: JavaMapKind, initialCapacity?: number): Codec<Map<number, number>> {
  return {
    write: (table) => new Map(javaMapOrder([...table.keys()], integerHash, kind, initialCapacity).map((key): [WritableJson, WritableJson] => [key, table.get(key)!])),
    read(json) {
      const out = new Map<number, number>();
      for (const [key, item] of entriesOf(json)) {
        const id = typeof key === 'number' ? key : typeof key === 'string' && key.trim() !== '' ? Number(key) : NaN;
        if (Number.isFinite(id)) out.set(id, num(item));
      }
      return out;
    },
  };
}

/** A HashSet<Integer>: unique, in hash order. */
export const integerSet: Codec<number[]> = {
  write: (values) => javaMapOrder([...new Set(values)], integerHash),
  read: (value) => jsonList(value).map((v) => num(v)),
};

// bodies

export interface BodyCodec<T> {
  encode(value: T, options?: { pretty?: boolean }): Buffer;
  decode(body: Uint8Array | undefined): T;
}

/** A whole request or response body; `name` (the Java class) names it in parse errors. */
export function body<T>(name: string, codec: Codec<T>): BodyCodec<T> {
  return {
    encode: (value, options = {}) => Buffer.from(writeFastjson(codec.write(value), options)),
    decode: (bytes) => codec.read(parseBody(bytes, name)),
  };
}
