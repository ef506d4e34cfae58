/**
 * Message trace records as the Java client writes them (CL/trace/TraceDataEncoder): fields
 * separated by \u0001, each record ended by \u0002, "null" for a missing value. Reads the 4.8
 * layouts (Pub with offsetMsgId, success and clientHost; SubBefore with clientHost; SubAfter
 * with contextCode, timestamp and group) and the shorter ones of other versions, accepting
 * extra trailing fields. Unknown record types (4.9's EndTransaction among them) are kept raw.
 */

export const CONTENT_SPLITOR = '\u0001';
export const FIELD_SPLITOR = '\u0002';
export const DEFAULT_TRACE_TOPIC = 'RMQ_SYS_TRACE_TOPIC';

const MESSAGE_TYPES = ['Normal_Msg', 'Trans_Msg_Half', 'Trans_msg_Commit', 'Delay_Msg'] as const;

export interface PubTrace {
  type: 'Pub';
  timestamp: number;
  regionId: string;
  /** The producer group. */
  groupName: string;
  topic: string;
  msgId: string;
  tags: string | null;
  keys: string | null;
  storeHost: string | null;
  bodyLength: number;
  costTime: number;
  msgType: (typeof MESSAGE_TYPES)[number] | string;
  offsetMsgId: string | null;
  success: boolean;
  clientHost: string | null;
}

export interface SubBeforeTrace {
  type: 'SubBefore';
  timestamp: number;
  regionId: string;
  /** The consumer group. */
  groupName: string;
  requestId: string;
  msgId: string;
  retryTimes: number;
  keys: string | null;
  clientHost: string | null;
}

export interface SubAfterTrace {
  type: 'SubAfter';
  requestId: string;
  msgId: string;
  costTime: number;
  success: boolean;
  keys: string | null;
  contextCode: number | null;
  timestamp: number | null;
  groupName: string | null;
}

export interface OtherTrace {
  type: string;
  fields: string[];
}

export type TraceRecord = PubTrace | SubBeforeTrace | SubAfterTrace;

const text = (value: string | undefined): string | null => (value === undefined || value === 'null' ? null : value);
const int = (value: string | undefined): number => {
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
};

/** Java's String.split: trailing empty parts dropped. */
function javaSplit(value: string, separator: string): string[] {
  const parts = value.split(separator);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** The records of one trace message body (TraceDataEncoder.decoderFromTraceDataString). */
export function decodeTraceRecords(body: string): (TraceRecord | OtherTrace)[] {
  const records: (TraceRecord | OtherTrace)[] = [];
  for (const context of javaSplit(body, FIELD_SPLITOR)) {
    const f = javaSplit(context, CONTENT_SPLITOR);
    switch (f[0]) {
      case 'Pub': {
        const long = f.length >= 14;
        records.push({
          type: 'Pub',
          timestamp: int(f[1]),
          regionId: f[2] ?? '',
          groupName: f[3] ?? '',
          topic: f[4] ?? '',
          msgId: f[5] ?? '',
          tags: text(f[6]),
          keys: text(f[7]),
          storeHost: text(f[8]),
          bodyLength: int(f[9]),
          costTime: int(f[10]),
          msgType: MESSAGE_TYPES[int(f[11])] ?? String(f[11]),
          offsetMsgId: long ? text(f[12]) : null,
          success: (long ? f[13] : f[12])?.toLowerCase() === 'true',
          clientHost: f.length >= 15 ? text(f[14]) : null,
        });
        break;
      }
      case 'SubBefore':
        records.push({
          type: 'SubBefore',
          timestamp: int(f[1]),
          regionId: f[2] ?? '',
          groupName: f[3] ?? '',
          requestId: f[4] ?? '',
          msgId: f[5] ?? '',
          retryTimes: int(f[6]),
          keys: text(f[7]),
          clientHost: text(f[8]),
        });
        break;
      case 'SubAfter':
        records.push({
          type: 'SubAfter',
          requestId: f[1] ?? '',
          msgId: f[2] ?? '',
          costTime: int(f[3]),
          success: f[4]?.toLowerCase() === 'true',
          keys: text(f[5]),
          contextCode: f.length >= 7 ? int(f[6]) : null,
          timestamp: f.length >= 9 ? int(f[7]) : null,
          groupName: f.length >= 9 ? text(f[8]) : null,
        });
        break;
      default:
        if (f.length > 0) records.push({ type: f[0] ?? '', fields: f.slice(1) });
    }
  }
  return records;
}

/** One consumption of the message by a group: SubBefore and its SubAfter (same requestId). */
export interface TraceConsumption {
  groupName: string;
  clientHost: string | null;
  /** When the listener got it. */
  timestamp: number;
  retryTimes: number;
  /** Listener time in ms; null while no SubAfter was found. */
  costTime: number | null;
  success: boolean | null;
}

/** A message's life as its trace records tell it: sent (Pub) and consumed by each group. */
export interface MessageTrace {
  msgId: string;
  sent: PubTrace[];
  consumed: TraceConsumption[];
  /** Every record found for the message, oldest first where timed. */
  records: TraceRecord[];
}

/** Builds the view of one message from the records of its trace messages. */
export function messageTraceOf(msgId: string, records: readonly (TraceRecord | OtherTrace)[]): MessageTrace {
  const mine = records.filter((r): r is TraceRecord => (r.type === 'Pub' || r.type === 'SubBefore' || r.type === 'SubAfter') && (r as TraceRecord).msgId === msgId);
  const after = new Map<string, SubAfterTrace>();
  for (const r of mine) if (r.type === 'SubAfter') after.set(r.requestId, r);
  const consumed: TraceConsumption[] = [];
  for (const r of mine) {
    if (r.type !== 'SubBefore') continue;
    const done = after.get(r.requestId);
    consumed.push({
      groupName: r.groupName,
      clientHost: r.clientHost,
      timestamp: r.timestamp,
      retryTimes: r.retryTimes,
      costTime: done ? done.costTime : null,
      success: done ? done.success : null,
    });
  }
  const time = (r: TraceRecord) => (r.type === 'SubAfter' ? (r.timestamp ?? 0) : r.timestamp);
  return {
    msgId,
    sent: mine.filter((r): r is PubTrace => r.type === 'Pub'),
    consumed: consumed.sort((a, b) => a.timestamp - b.timestamp),
    records: [...mine].sort((a, b) => time(a) - time(b)),
  };
}
