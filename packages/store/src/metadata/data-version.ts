/**
 * DataVersion (common/DataVersion.java): `{"counter":N,"timestamp":T}`; every change to a
 * versioned table bumps the counter and stamps the time. Brokers report it to name servers,
 * slaves compare it to decide whether to copy the master's table.
 */
import type { DataVersion, JsonValue } from '@rocketmq-ts/protocol';
import { asObject, integerField } from './json-fields.ts';

export function newDataVersion(now: number = Date.now()): DataVersion {
  return { counter: 0, timestamp: now };
}

export function nextDataVersion(version: DataVersion, now: number = Date.now()): DataVersion {
  return { counter: version.counter + 1, timestamp: now };
}

export function decodeDataVersion(value: JsonValue | undefined, fallback: DataVersion): DataVersion {
  const object = asObject(value, 'dataVersion');
  return {
    counter: integerField(object['counter'], fallback.counter, 'dataVersion.counter'),
    timestamp: integerField(object['timestamp'], fallback.timestamp, 'dataVersion.timestamp'),
  };
}
