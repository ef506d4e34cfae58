/**
 * Java's hashing and hash-table iteration order, so that maps we write come out in the same
 * order as the Java side writes them (RemotingCommand.extFields is a HashMap; fastjson writes
 * maps in iteration order). Order never matters to a parser; it matters to byte-for-byte
 * golden tests and to diffing captures.
 */

/** java.lang.String#hashCode over UTF-16 code units, in int32 arithmetic. */
export function javaStringHash(value: string): number {
  let hash = 0;
  for (let i = 0; i < value.length; i++) hash = (Math.imul(31, hash) + value.charCodeAt(i)) | 0;
  return hash;
}

/** java.lang.Long#hashCode for a value given as a JS integer (safe range). */
export function javaLongHash(value: number): number {
  const big = BigInt.asUintN(64, BigInt(value));
  return Number(BigInt.asIntN(32, big ^ (big >> 32n)));
}

export type JavaMapKind = 'HashMap' | 'ConcurrentHashMap';

/**
 * Table capacity a map reaches after `size` insertions: 16 to start for a default-constructed
 * one; with `new HashMap(n)` the power of two ≥ n, with `new ConcurrentHashMap(n)` the power
 * of two ≥ n + n/2 + 1.
 */
function tableCapacity(size: number, kind: JavaMapKind, initialCapacity?: number): number {
  let capacity = 16;
  if (initialCapacity !== undefined) {
    const wanted = kind === 'HashMap' ? initialCapacity : initialCapacity + (initialCapacity >>> 1) + 1;
    capacity = 1;
    while (capacity < wanted) capacity *= 2;
  }
  // HashMap resizes when size exceeds 0.75·n; ConcurrentHashMap as soon as it reaches it.
  if (kind === 'HashMap') while (size > capacity * 0.75) capacity *= 2;
  else while (size >= capacity * 0.75) capacity *= 2;
  return capacity;
}

/**
 * Iteration order of a default-constructed Java map after inserting `keys` in the given
 * order: by bucket index, then insertion order within a bucket (exact unless a bucket
 * holds colliding keys across a ConcurrentHashMap resize, which reverses part of a chain).
 */
export function javaMapOrder<K>(keys: readonly K[], hashOf: (key: K) => number, kind: JavaMapKind = 'HashMap', initialCapacity?: number): K[] {
  if (keys.length < 2) return [...keys];
  const mask = tableCapacity(keys.length, kind, initialCapacity) - 1;
  const buckets = keys.map((key, index) => {
    const h = hashOf(key);
    return { key, index, bucket: (h ^ (h >>> 16)) & mask };
  });
  buckets.sort((a, b) => a.bucket - b.bucket || a.index - b.index);
  return buckets.map((entry) => entry.key);
}

const orderCache = new Map<string, readonly string[]>();

/**
 * Iteration order of a Java HashMap<String, …> filled in the given order. Memoized per key
 * list (headers repeat the same few shapes); the result is shared and must not be modified.
 */
export function javaStringMapOrder(keys: readonly string[], kind: JavaMapKind = 'HashMap'): readonly string[] {
  if (keys.length < 2) return keys;
  // Hot paths (send responses, stored properties) repeat a few key lists: compare with the
  // recent ones before building the cache key.
  for (const recent of recentOrders) {
    if (recent.kind === kind && sameKeys(recent.keys, keys)) return recent.order;
  }
  const order = cachedOrder(keys, kind);
  recentOrders[nextRecent] = { kind, keys: [...keys], order };
  nextRecent = (nextRecent + 1) % RECENT_ORDERS;
  return order;
}

const RECENT_ORDERS = 8;
const recentOrders: { kind: JavaMapKind; keys: readonly string[]; order: readonly string[] }[] = [];
let nextRecent = 0;

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function cachedOrder(keys: readonly string[], kind: JavaMapKind): readonly string[] {
  const cacheKey = `${kind}\u0000${keys.join('\u0000')}`;
  let order = orderCache.get(cacheKey);
  if (!order) {
    order = javaMapOrder(keys, javaStringHash, kind);
    if (orderCache.size < 4096) orderCache.set(cacheKey, order);
  }
  return order;
}
