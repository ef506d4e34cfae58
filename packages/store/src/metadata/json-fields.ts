/**
 * Lenient readers for parsed config JSON (what fastjson accepts: numbers as strings, quoted or
 * bare map keys, missing fields = defaults, unknown fields ignored), and the iteration order
 * of the Java maps the files were written from, so that our files match Apache's byte for byte.
 */
import { type JsonObject, type JsonValue, entriesOf, javaMapOrder, javaStringHash } from '@rocketmq-ts/protocol';
import { ConfigShapeError } from './errors.ts';

export function asObject(value: JsonValue | undefined, what: string): JsonObject {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value) || value instanceof Map) {
    throw new ConfigShapeError(`${what} must be a JSON object`);
  }
  return value;
}

/** Entries of a JSON map whose keys may be quoted or bare (numbers become strings). */
export function mapEntries(value: JsonValue | undefined, what: string): [string, JsonValue][] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigShapeError(`${what} must be a JSON map`);
  return entriesOf(value).map(([key, item]) => {
    if (typeof key === 'object') throw new ConfigShapeError(`${what} has an object key`);
    return [String(key), item];
  });
}

export function integerField(value: JsonValue | undefined, fallback: number, what: string): number {
  if (value === undefined || value === null) return fallback;
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number)) throw new ConfigShapeError(`${what} must be an integer, got ${JSON.stringify(value)}`);
  return number;
}

export function booleanField(value: JsonValue | undefined, fallback: boolean, what: string): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  if (value === 1 || value === 0) return value === 1;
  throw new ConfigShapeError(`${what} must be true or false, got ${JSON.stringify(value)}`);
}

export function stringField(value: JsonValue | undefined, fallback: string, what: string): string {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new ConfigShapeError(`${what} must be a string`);
}

/** Order of a `new ConcurrentHashMap<String, …>(initialCapacity)` (default-constructed when undefined). */
export function concurrentHashMapOrder(keys: readonly string[], initialCapacity?: number): string[] {
  return javaMapOrder(keys, javaStringHash, 'ConcurrentHashMap', initialCapacity);
}

/** ConcurrentHashMap<Integer, …> order: Integer.hashCode is the value. */
export function integerMapOrder(keys: readonly number[], initialCapacity?: number): number[] {
  return javaMapOrder(keys, (key) => key | 0, 'ConcurrentHashMap', initialCapacity);
}
