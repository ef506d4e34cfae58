/**
 * Pages and metrics that gather many answers show what they got: one broker, topic or group
 * that cannot answer (down, switching roles, or an Apache version without the request) is shown
 * as missing, and the rest of the page still renders. Only for such per-item lookups: a failure
 * of the request a page is about still reaches the caller as an HTTP error.
 */
export function unlessUnavailable<T>(lookup: Promise<T>): Promise<T | undefined> {
  return lookup.catch(() => undefined);
}
