/**
 * Offsets: QUERY_CONSUMER_OFFSET (14), UPDATE_CONSUMER_OFFSET (15), GET_MAX_OFFSET (30),
 * GET_MIN_OFFSET (31), SEARCH_OFFSET_BY_TIMESTAMP (29), GET_EARLIEST_MSG_STORETIME (32).
 * ConsumerManageProcessor and AdminBrokerProcessor (remoting-protocol.md §11.4).
 */
import {
  createResponse,
  decodeHeader,
  encodeHeader,
  GetEarliestMsgStoretimeRequestHeader,
  GetEarliestMsgStoretimeResponseHeader,
  GetMaxOffsetRequestHeader,
  GetMaxOffsetResponseHeader,
  GetMinOffsetRequestHeader,
  GetMinOffsetResponseHeader,
  QueryConsumerOffsetRequestHeader,
  QueryConsumerOffsetResponseHeader,
  RequestCode,
  type RequestHandler,
  ResponseCode,
  SearchOffsetRequestHeader,
  SearchOffsetResponseHeader,
  UpdateConsumerOffsetRequestHeader,
} from '@rocketmq-ts/protocol';
import type { BrokerServices } from './services.ts';

export function offsetHandlers(services: BrokerServices): Map<number, RequestHandler> {
  const { store, offsets } = services;
  return new Map<number, RequestHandler>([
    [
      RequestCode.QUERY_CONSUMER_OFFSET,
      async (_ctx, request) => {
        const header = decodeHeader(QueryConsumerOffsetRequestHeader, request.extFields);
        const committed = offsets.queryOffset(header.consumerGroup, header.topic, header.queueId);
        if (committed >= 0) return createResponse(request, ResponseCode.SUCCESS, { extFields: encodeHeader(QueryConsumerOffsetResponseHeader, { offset: committed }) });
        // A group with no committed offset on a young queue starts from 0, as a 4.8 broker
        // answers: that is why a new group reads a new topic from its first message.
        const minOffset = store.getMinOffsetInQueue(header.topic, header.queueId);
        if (minOffset <= 0 && (await store.checkInMemByConsumeOffset(header.topic, header.queueId, 0))) {
          return createResponse(request, ResponseCode.SUCCESS, { extFields: encodeHeader(QueryConsumerOffsetResponseHeader, { offset: 0 }) });
        }
        return createResponse(request, ResponseCode.QUERY_NOT_FOUND, { remark: 'Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first' });
      },
    ],
    [
      RequestCode.UPDATE_CONSUMER_OFFSET,
      (_ctx, request) => {
        const header = decodeHeader(UpdateConsumerOffsetRequestHeader, request.extFields);
        offsets.commitOffset(header.consumerGroup, header.topic, header.queueId, header.commitOffset);
        return createResponse(request, ResponseCode.SUCCESS);
      },
    ],
    [
      RequestCode.GET_MAX_OFFSET,
      (_ctx, request) => {
        const { topic, queueId } = decodeHeader(GetMaxOffsetRequestHeader, request.extFields);
        return createResponse(request, ResponseCode.SUCCESS, { extFields: encodeHeader(GetMaxOffsetResponseHeader, { offset: store.getMaxOffsetInQueue(topic, queueId) }) });
      },
    ],
    [
      RequestCode.GET_MIN_OFFSET,
      (_ctx, request) => {
        const { topic, queueId } = decodeHeader(GetMinOffsetRequestHeader, request.extFields);
        return createResponse(request, ResponseCode.SUCCESS, { extFields: encodeHeader(GetMinOffsetResponseHeader, { offset: store.getMinOffsetInQueue(topic, queueId) }) });
      },
    ],
    [
      RequestCode.SEARCH_OFFSET_BY_TIMESTAMP,
      async (_ctx, request) => {
        const { topic, queueId, timestamp } = decodeHeader(SearchOffsetRequestHeader, request.extFields);
        const offset = await store.getOffsetInQueueByTime(topic, queueId, timestamp);
        return createResponse(request, ResponseCode.SUCCESS, { extFields: encodeHeader(SearchOffsetResponseHeader, { offset }) });
      },
    ],
    [
      RequestCode.GET_EARLIEST_MSG_STORETIME,
      async (_ctx, request) => {
        const { topic, queueId } = decodeHeader(GetEarliestMsgStoretimeRequestHeader, request.extFields);
        const timestamp = await store.getEarliestMessageTime(topic, queueId);
        return createResponse(request, ResponseCode.SUCCESS, { extFields: encodeHeader(GetEarliestMsgStoretimeResponseHeader, { timestamp }) });
      },
    ],
  ]);
}
