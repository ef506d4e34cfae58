/**
 * KV config and name server settings: PUT_KV_CONFIG (100), GET_KV_CONFIG (101),
 * DELETE_KV_CONFIG (102), GET_KVLIST_BY_NAMESPACE (219), UPDATE_NAMESRV_CONFIG (318),
 * GET_NAMESRV_CONFIG (319).
 */
import {
  createResponse,
  decodeHeader,
  DeleteKVConfigRequestHeader,
  encodeHeader,
  encodeKVTable,
  GetKVConfigRequestHeader,
  GetKVConfigResponseHeader,
  GetKVListByNamespaceRequestHeader,
  PutKVConfigRequestHeader,
  RequestCode,
  type RequestHandler,
  ResponseCode,
} from '@rocketmq-ts/protocol';
import { parsePropertiesText, toPropertiesText } from '../../config/properties.ts';
import type { NamesrvServices } from './services.ts';

export function kvHandlers(services: NamesrvServices): Map<number, RequestHandler> {
  const { kv } = services;
  return new Map<number, RequestHandler>([
    [
      RequestCode.PUT_KV_CONFIG,
      async (_ctx, request) => {
        const header = decodeHeader(PutKVConfigRequestHeader, request.extFields);
        await kv.put(header.namespace, header.key, header.value);
        return createResponse(request, ResponseCode.SUCCESS);
      },
    ],
    [
      RequestCode.GET_KV_CONFIG,
      (_ctx, request) => {
        const header = decodeHeader(GetKVConfigRequestHeader, request.extFields);
        const value = kv.get(header.namespace, header.key);
        if (value === undefined) {
          return createResponse(request, ResponseCode.QUERY_NOT_FOUND, { remark: `No config item, Namespace: ${header.namespace} Key: ${header.key}` });
        }
        return createResponse(request, ResponseCode.SUCCESS, { extFields: encodeHeader(GetKVConfigResponseHeader, { value }) });
      },
    ],
    [
      RequestCode.DELETE_KV_CONFIG,
      async (_ctx, request) => {
        const header = decodeHeader(DeleteKVConfigRequestHeader, request.extFields);
        await kv.delete(header.namespace, header.key);
        return createResponse(request, ResponseCode.SUCCESS);
      },
    ],
    [
      RequestCode.GET_KVLIST_BY_NAMESPACE,
      (_ctx, request) => {
        const { namespace } = decodeHeader(GetKVListByNamespaceRequestHeader, request.extFields);
        const entries = kv.list(namespace);
        if (!entries) return createResponse(request, ResponseCode.QUERY_NOT_FOUND, { remark: `No config item, Namespace: ${namespace}` });
        return createResponse(request, ResponseCode.SUCCESS, { body: encodeKVTable(entries) });
      },
    ],
    [
      RequestCode.UPDATE_NAMESRV_CONFIG,
      async (_ctx, request) => {
        if (!request.body || request.body.length === 0) return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: 'UPDATE_NAMESRV_CONFIG needs a properties body' });
        try {
          await services.updateConfig(parsePropertiesText(request.body.toString('utf8')));
        } catch (error) {
          return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: (error as Error).message });
        }
        return createResponse(request, ResponseCode.SUCCESS);
      },
    ],
    [
      RequestCode.GET_NAMESRV_CONFIG,
      (_ctx, request) => createResponse(request, ResponseCode.SUCCESS, { body: Buffer.from(toPropertiesText(services.config), 'utf8') }),
    ],
  ]);
}
