/**
 * The 5.x remoting POP codes (PopMessageProcessor, AckMessageProcessor,
 * ChangeInvisibleTimeProcessor) over the same POP service as the v5 gRPC ReceiveMessage /
 * AckMessage / ChangeInvisibleDuration: the state, the invisible times and the redeliveries are
 * shared. A receipt is ExtraInfoUtil's extraInfo with our delivery number as popTime
 * (pop-protocol.ts). Served while the POP service runs (the gRPC endpoint's; grpcServerPort=-1
 * or a slave turns both off) and, in controller mode, only while this broker is master.
 */
import { buildSubscriptionData, createResponse, decodeHeader, encodeHeader, encodeStoredMessage, type RemotingCommand, type RequestHandler, ResponseCode } from '@rocketmq-ts/protocol';
import type { MessageFilter } from '@rocketmq-ts/store';
import { selectorFilter, tagFilter } from '../filter/message-filter.ts';
import { formatReceiptHandle, parseReceiptHandle } from '../pop/pop-service.ts';
import {
  AckMessageRequestHeader,
  ChangeInvisibleTimeRequestHeader,
  ChangeInvisibleTimeResponseHeader,
  POLLING_TIMEOUT,
  POP_ORDER_REVIVE_QUEUE,
  PopCode,
  PopMessageRequestHeader,
  PopMessageResponseHeader,
  popTimeOf,
} from '../pop/pop-protocol.ts';
import type { BrokerServices } from './services.ts';

/** Most messages one POP_MESSAGE hands out (the v5 endpoint's limit too). */
const MAX_BATCH = 32;
const MAX_INVISIBLE_MS = 12 * 3600_000;
/** Longest long-poll we hold a request (Apache's client asks 15 s … 20 s). */
const MAX_POLL_MS = 30_000;

export function popHandlers(services: BrokerServices): Map<number, RequestHandler> {
  const { topics, groups, config } = services;
  const refuse = (request: RemotingCommand, code: number, remark: string, extFields?: Record<string, string>): RemotingCommand =>
    createResponse(request, code, { remark, ...(extFields ? { extFields } : {}) });
  const off = (request: RemotingCommand): RemotingCommand =>
    refuse(request, ResponseCode.SYSTEM_ERROR, 'POP is served with the v5 gRPC endpoint, which is off on this broker (grpcServerPort=-1, or a slave): set grpcServerPort on the master');
  const emptyPop = { popTime: 0, invisibleTime: 0, reviveQid: 0, restNum: 0 };
  // Controller mode: the endpoint (and so services.pop) runs on a follower too; its POP state is not the live one.
  const follower = (request: RemotingCommand): RemotingCommand =>
    refuse(request, ResponseCode.SERVICE_NOT_AVAILABLE, `broker ${config.brokerName} is a follower now (controller mode): POP is served by its master`);

  return new Map<number, RequestHandler>([
    [
      PopCode.POP_MESSAGE,
      async (ctx, request) => {
        const pop = services.pop;
        if (!pop) return off(request);
        if (!pop.serving()) return follower(request);
        const header = decodeHeader(PopMessageRequestHeader, request.extFields);
        const noMessage = encodeHeader(PopMessageResponseHeader, emptyPop);
        const topicConfig = topics.get(header.topic);
        if (!topicConfig) return refuse(request, ResponseCode.TOPIC_NOT_EXIST, `topic[${header.topic}] not exist on broker ${config.brokerName}`, noMessage);
        const groupConfig = groups.findOrCreate(header.consumerGroup);
        if (!groupConfig) return refuse(request, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST, `subscription group [${header.consumerGroup}] does not exist`, noMessage);
        if (!groupConfig.consumeEnable) return refuse(request, ResponseCode.NO_PERMISSION, `subscription group [${header.consumerGroup}] has consumeEnable=false`, noMessage);
        if (header.invisibleTime <= 0 || header.invisibleTime > MAX_INVISIBLE_MS) {
          return refuse(request, ResponseCode.SYSTEM_ERROR, `invisibleTime ${header.invisibleTime} ms is outside 1 ms … 12 h`, noMessage);
        }
        let filter: MessageFilter;
        if (header.expType === 'SQL92') {
          if (!config.enablePropertyFilter) return refuse(request, ResponseCode.SYSTEM_ERROR, 'The broker does not support consumer to filter message by SQL92', noMessage);
          try {
            filter = selectorFilter(services.selectors.get(header.exp ?? ''));
          } catch (error) {
            return refuse(request, ResponseCode.SUBSCRIPTION_PARSE_FAILED, `parse the consumer's subscription [${header.exp ?? ''}] failed: ${(error as Error).message}`, noMessage);
          }
        } else {
          filter = tagFilter(buildSubscriptionData(header.topic, header.exp || '*'));
        }
        const all = Array.from({ length: topicConfig.readQueueNums }, (_, i) => i);
        if (header.queueId >= topicConfig.readQueueNums) {
          return refuse(request, ResponseCode.SYSTEM_ERROR, `queueId[${header.queueId}] is illegal, topic:[${header.topic}] topicConfig.readQueueNums:[${topicConfig.readQueueNums}] consumer:[${ctx.remoteAddress}]`, noMessage);
        }
        const queueIds = header.queueId < 0 ? all : [header.queueId];
        const fifo = header.order === true || groupConfig.consumeMessageOrderly === true;
        const maxCount = Math.min(Math.max(1, header.maxMsgNums), MAX_BATCH);
        const deadline = Date.now() + Math.min(Math.max(0, header.pollTime), MAX_POLL_MS);
        for (;;) {
          const seenArrivals = pop.arrivalCount(header.topic);
          const popped = await pop.pop({ group: header.consumerGroup, topic: header.topic, queueIds, maxCount, invisibleMs: header.invisibleTime, fifo, filter });
          if (popped.length > 0) {
            services.stats.getMessages += popped.length;
            // A redelivery carries its attempt as reconsumeTimes, as Apache's revived copies do.
            const body = Buffer.concat(popped.map((p) => encodeStoredMessage({ ...p.message, reconsumeTimes: p.attempt - 1, bodyCRC: undefined })));
            let restNum = 0;
            for (const queueId of queueIds) {
              const progress = pop.progress(header.consumerGroup, header.topic, queueId);
              if (progress) restNum += Math.max(0, services.store.getMaxOffsetInQueue(header.topic, queueId) - progress.next);
            }
            const extFields = encodeHeader(PopMessageResponseHeader, { popTime: popped[0]!.handle, invisibleTime: header.invisibleTime, reviveQid: fifo ? POP_ORDER_REVIVE_QUEUE : 0, restNum });
            return createResponse(request, ResponseCode.SUCCESS, { extFields, body });
          }
          const remaining = deadline - Date.now();
          if (remaining <= 0) return refuse(request, POLLING_TIMEOUT, 'no new message', noMessage);
          await pop.waitForArrival(header.topic, Math.min(remaining, 1000), seenArrivals);
        }
      },
    ],
    [
      PopCode.ACK_MESSAGE,
      (_ctx, request) => {
        const pop = services.pop;
        if (!pop) return off(request);
        if (!pop.serving()) return follower(request);
        const header = decodeHeader(AckMessageRequestHeader, request.extFields);
        const handle = popTimeOf(header.extraInfo);
        const result = handle === undefined ? 'INVALID_RECEIPT_HANDLE' : pop.ack(header.consumerGroup, header.topic, formatReceiptHandle(header.queueId, header.offset, handle));
        if (result === 'OK') return createResponse(request, ResponseCode.SUCCESS);
        return refuse(request, ResponseCode.NO_MESSAGE, `message ${header.topic} queue ${header.queueId} offset ${header.offset} was delivered again or its invisible time changed since this receipt (${header.extraInfo})`);
      },
    ],
    [
      PopCode.CHANGE_MESSAGE_INVISIBLETIME,
      (_ctx, request) => {
        const pop = services.pop;
        if (!pop) return off(request);
        if (!pop.serving()) return follower(request);
        const header = decodeHeader(ChangeInvisibleTimeRequestHeader, request.extFields);
        // The client decodes these fields whatever the code.
        const failed = encodeHeader(ChangeInvisibleTimeResponseHeader, { popTime: 0, invisibleTime: 0, reviveQid: 0 });
        if (header.invisibleTime < 0 || header.invisibleTime > MAX_INVISIBLE_MS) return refuse(request, ResponseCode.SYSTEM_ERROR, `invisibleTime ${header.invisibleTime} ms is outside 0 … 12 h`, failed);
        const handle = popTimeOf(header.extraInfo);
        const next = handle === undefined ? undefined : pop.changeInvisibleTime(header.consumerGroup, header.topic, formatReceiptHandle(header.queueId, header.offset, handle), header.invisibleTime);
        const parsed = next === undefined ? undefined : parseReceiptHandle(next);
        if (!parsed) {
          return refuse(request, ResponseCode.NO_MESSAGE, `message ${header.topic} queue ${header.queueId} offset ${header.offset} was acked, delivered again or changed since this receipt (${header.extraInfo})`, failed);
        }
        return createResponse(request, ResponseCode.SUCCESS, { extFields: encodeHeader(ChangeInvisibleTimeResponseHeader, { popTime: parsed.handle, invisibleTime: header.invisibleTime, reviveQid: 0 }) });
      },
    ],
  ]);
}
