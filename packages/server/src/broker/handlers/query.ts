/** Message lookup: QUERY_MESSAGE (12) by key through the IndexFile, VIEW_MESSAGE_BY_ID (33) by commit-log offset. */
import {
  createResponse,
  decodeHeader,
  encodeHeader,
  QueryMessageRequestHeader,
  QueryMessageResponseHeader,
  RequestCode,
  type RequestHandler,
  ResponseCode,
  UNIQUE_KEY_QUERY,
  ViewMessageRequestHeader,
} from '@rocketmq-ts/protocol';
import type { BrokerServices } from './services.ts';

export function queryHandlers(services: BrokerServices): Map<number, RequestHandler> {
  const { store, config } = services;
  return new Map<number, RequestHandler>([
    [
      RequestCode.QUERY_MESSAGE,
      async (_ctx, request) => {
        const header = decodeHeader(QueryMessageRequestHeader, request.extFields);
        // A lookup by UNIQ_KEY gets the broker's default count (MessageClientIDSetter ids repeat rarely).
        const maxNum = request.extFields?.[UNIQUE_KEY_QUERY] === 'true' ? config.defaultQueryMaxNum : header.maxNum;
        const result = await store.queryMessage(header.topic, header.key, maxNum, header.beginTimestamp, header.endTimestamp);
        const extFields = encodeHeader(QueryMessageResponseHeader, {
          indexLastUpdateTimestamp: result.indexLastUpdateTimestamp,
          indexLastUpdatePhyoffset: result.indexLastUpdatePhyoffset,
        });
        if (result.messages.length === 0) {
          return createResponse(request, ResponseCode.QUERY_NOT_FOUND, {
            extFields,
            remark: `can not find message by key ${header.key} in topic ${header.topic}; maybe the time range is not correct`,
          });
        }
        return createResponse(request, ResponseCode.SUCCESS, { extFields, body: Buffer.concat(result.messages) });
      },
    ],
    [
      RequestCode.VIEW_MESSAGE_BY_ID,
      async (_ctx, request) => {
        const { offset } = decodeHeader(ViewMessageRequestHeader, request.extFields);
        const record = await store.lookMessageByOffset(offset);
        if (!record) return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: `can not find message by the offset, ${offset}` });
        return createResponse(request, ResponseCode.SUCCESS, { body: record });
      },
    ],
  ]);
}
