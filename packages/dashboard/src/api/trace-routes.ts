/**
 * GET /api/trace/:msgId?traceTopic= — a message's life from its trace records (the Java and
 * TypeScript clients' enableMsgTrace): sent by each producer, stored (the broker's own record
 * of the message, looked up in the traced topic), consumed by each group, with every record.
 */
import type { MessageTrace, MessageView } from '@rocketmq-ts/client';
import { DEFAULT_TRACE_TOPIC } from '@rocketmq-ts/client';
import { notFound } from '../errors.ts';
import { name } from '../params.ts';
import type { Route } from './router.ts';

type Status = 'success' | 'failed' | 'unknown';
const status = (success: boolean | null): Status => (success === null ? 'unknown' : success ? 'success' : 'failed');

export interface TraceView {
  msgId: string;
  traceTopic: string;
  sent: { producerGroup: string; clientHost: string | null; timestamp: number; costTime: number; status: Status; topic: string; tags: string | null; keys: string | null; msgType: string }[];
  stored: { topic: string; storeHost: string | null; offsetMsgId: string | null; storeTimestamp: number | null; queueId: number | null; queueOffset: number | null }[];
  consumed: { consumerGroup: string; clientHost: string | null; timestamp: number; costTime: number | null; status: Status; retryTimes: number }[];
  records: MessageTrace['records'];
}

export const traceRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/trace/:msgId',
    handler: async ({ context, params, query }): Promise<TraceView> => {
      const msgId = params['msgId']!;
      const traceTopic = query.get('traceTopic') ? name(query.get('traceTopic'), 'traceTopic') : DEFAULT_TRACE_TOPIC;
      const trace = await context.admin.messageTrace(msgId, { traceTopic });
      if (trace.records.length === 0) throw notFound(`no trace records for message ${msgId} in ${traceTopic}; was the producer or consumer started with enableMsgTrace (and this trace topic)?`);
      const stored: TraceView['stored'] = [];
      for (const pub of trace.sent.filter((p) => p.success)) {
        // The broker's own record adds store time and queue; the trace alone still names the host.
        const message: MessageView | undefined = await context.admin.viewMessage(pub.topic, msgId).catch(() => undefined);
        stored.push({
          topic: pub.topic,
          storeHost: message?.storeHost ?? pub.storeHost,
          offsetMsgId: message?.offsetMsgId ?? pub.offsetMsgId,
          storeTimestamp: message?.storeTimestamp ?? null,
          queueId: message?.queueId ?? null,
          queueOffset: message?.queueOffset ?? null,
        });
      }
      return {
        msgId,
        traceTopic,
        sent: trace.sent.map((p) => ({ producerGroup: p.groupName, clientHost: p.clientHost, timestamp: p.timestamp, costTime: p.costTime, status: status(p.success), topic: p.topic, tags: p.tags, keys: p.keys, msgType: p.msgType })),
        stored,
        consumed: trace.consumed.map((c) => ({ consumerGroup: c.groupName, clientHost: c.clientHost, timestamp: c.timestamp, costTime: c.costTime, status: status(c.success), retryTimes: c.retryTimes })),
        records: trace.records,
      };
    },
  },
];
