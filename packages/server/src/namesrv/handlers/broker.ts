/** Broker membership: REGISTER_BROKER (103), UNREGISTER_BROKER (104), QUERY_DATA_VERSION (322). */
import {
  bodyCrc,
  createResponse,
  decodeDataVersion,
  decodeHeader,
  decodeRegisterBrokerBody,
  encodeDataVersion,
  encodeHeader,
  encodeKVTable,
  MQVersion,
  QueryDataVersionRequestHeader,
  QueryDataVersionResponseHeader,
  readTopicConfigWrapper,
  parseBody,
  RegisterBrokerRequestHeader,
  RegisterBrokerResponseHeader,
  type RegisterBrokerBody,
  RequestCode,
  type RequestHandler,
  ResponseCode,
  UnRegisterBrokerRequestHeader,
} from '@rocketmq-ts/protocol';
import { NAMESPACE_ORDER_TOPIC_CONFIG } from '../kv-config-manager.ts';
import type { NamesrvServices } from './services.ts';

function readRegistration(body: Buffer | undefined, compressed: boolean, version: number): RegisterBrokerBody {
  if (version < MQVersion.V3_0_11) {
    return { topicConfigSerializeWrapper: readTopicConfigWrapper(parseBody(body, 'TopicConfigSerializeWrapper')), filterServerList: [] };
  }
  if (!body || body.length === 0) {
    return { topicConfigSerializeWrapper: { dataVersion: { counter: 0, timestamp: 0 }, topicConfigTable: new Map() }, filterServerList: [] };
  }
  return decodeRegisterBrokerBody(body, compressed);
}

export function brokerHandlers(services: NamesrvServices): Map<number, RequestHandler> {
  const { routes, kv, logger } = services;
  return new Map<number, RequestHandler>([
    [
      RequestCode.REGISTER_BROKER,
      (ctx, request) => {
        const header = decodeHeader(RegisterBrokerRequestHeader, request.extFields);
        if (header.bodyCrc32 && request.body && bodyCrc(request.body) !== header.bodyCrc32) {
          return createResponse(request, ResponseCode.SYSTEM_ERROR, {
            remark: `crc32 not match: the REGISTER_BROKER body from ${header.brokerAddr} is damaged`,
          });
        }
        const registration = readRegistration(request.body, header.compressed ?? false, request.version);
        const isNew = !routes.clusterInfo().brokerAddrTable.get(header.brokerName)?.brokerAddrs.has(header.brokerId);
        const result = routes.registerBroker({
          clusterName: header.clusterName,
          brokerAddr: header.brokerAddr,
          brokerName: header.brokerName,
          brokerId: header.brokerId,
          haServerAddr: header.haServerAddr,
          topicConfigWrapper: registration.topicConfigSerializeWrapper,
          filterServerList: registration.filterServerList,
          channel: ctx.connection,
        });
        if (result.ignored) {
          logger.warn(
            { cluster: header.clusterName, brokerName: header.brokerName, brokerId: header.brokerId, brokerAddr: header.brokerAddr, from: ctx.remoteAddress },
            `registration ignored: ${result.ignored} (a stale master after a failover)`,
          );
        } else if (isNew) {
          logger.info(
            { cluster: header.clusterName, brokerName: header.brokerName, brokerId: header.brokerId, brokerAddr: header.brokerAddr, from: ctx.remoteAddress },
            'broker registered',
          );
        }
        const orderTopics = kv.list(NAMESPACE_ORDER_TOPIC_CONFIG);
        return createResponse(request, ResponseCode.SUCCESS, {
          extFields: encodeHeader(RegisterBrokerResponseHeader, { masterAddr: result.masterAddr, haServerAddr: result.haServerAddr }),
          body: orderTopics ? encodeKVTable(orderTopics) : undefined,
        });
      },
    ],
    [
      RequestCode.UNREGISTER_BROKER,
      (_ctx, request) => {
        const header = decodeHeader(UnRegisterBrokerRequestHeader, request.extFields);
        routes.unregisterBroker(header.clusterName, header.brokerAddr, header.brokerName, header.brokerId);
        logger.info({ brokerName: header.brokerName, brokerAddr: header.brokerAddr }, 'broker unregistered');
        return createResponse(request, ResponseCode.SUCCESS);
      },
    ],
    [
      RequestCode.QUERY_DATA_VERSION,
      (_ctx, request) => {
        const header = decodeHeader(QueryDataVersionRequestHeader, request.extFields);
        const { changed, known } = routes.queryDataVersion(header.brokerAddr, decodeDataVersion(request.body));
        return createResponse(request, ResponseCode.SUCCESS, {
          extFields: encodeHeader(QueryDataVersionResponseHeader, { changed }),
          body: known ? encodeDataVersion(known) : undefined,
        });
      },
    ],
  ]);
}
