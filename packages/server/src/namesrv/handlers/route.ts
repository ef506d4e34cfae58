/**
 * Route and topic queries: GET_ROUTEINFO_BY_TOPIC (105), GET_BROKER_CLUSTER_INFO (106),
 * GET_ALL_TOPIC_LIST_FROM_NAMESERVER (206), DELETE_TOPIC_IN_NAMESRV (216),
 * GET_TOPICS_BY_CLUSTER (224), GET_SYSTEM_TOPIC_LIST_FROM_NS (304), the unit topic lists
 * (311–313), WIPE_WRITE_PERM_OF_BROKER (205) and ADD_WRITE_PERM_OF_BROKER (327).
 */
import {
  AddWritePermOfBrokerResponseHeader,
  createResponse,
  decodeHeader,
  DeleteTopicInNamesrvRequestHeader,
  encodeClusterInfo,
  encodeHeader,
  encodeTopicList,
  encodeTopicRouteData,
  GetRouteInfoRequestHeader,
  GetTopicsByClusterRequestHeader,
  RequestCode,
  type RequestHandler,
  ResponseCode,
  WipeWritePermOfBrokerRequestHeader,
  WipeWritePermOfBrokerResponseHeader,
} from '@rocketmq-ts/protocol';
import { NAMESPACE_ORDER_TOPIC_CONFIG } from '../kv-config-manager.ts';
import { RouteInfoManager } from '../route-info-manager.ts';
import type { NamesrvServices } from './services.ts';

export function routeHandlers(services: NamesrvServices): Map<number, RequestHandler> {
  const { routes, kv, config } = services;
  const topicList = (topics: string[]): RequestHandler => (_ctx, request) =>
    createResponse(request, ResponseCode.SUCCESS, { body: encodeTopicList(topics) });
  return new Map<number, RequestHandler>([
    [
      RequestCode.GET_ROUTEINFO_BY_TOPIC,
      (_ctx, request) => {
        const { topic } = decodeHeader(GetRouteInfoRequestHeader, request.extFields);
        const route = routes.pickupTopicRouteData(topic);
        if (!route) {
          return createResponse(request, ResponseCode.TOPIC_NOT_EXIST, {
            remark:
              `No topic route info in name server for the topic: ${topic}. No broker has registered it: create it with ` +
              `\`mqadmin updateTopic -n <namesrv> -c <cluster> -t ${topic}\`, or enable autoCreateTopicEnable on the broker, ` +
              `and check that the broker registers with this name server (its namesrvAddr).`,
          });
        }
        if (config.orderMessageEnable) route.orderTopicConf = kv.get(NAMESPACE_ORDER_TOPIC_CONFIG, topic);
        return createResponse(request, ResponseCode.SUCCESS, { body: encodeTopicRouteData(route) });
      },
    ],
    [RequestCode.GET_BROKER_CLUSTER_INFO, (_ctx, request) => createResponse(request, ResponseCode.SUCCESS, { body: encodeClusterInfo(routes.clusterInfo()) })],
    [RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER, (ctx, request) => topicList(routes.allTopics())(ctx, request)],
    [
      RequestCode.DELETE_TOPIC_IN_NAMESRV,
      (_ctx, request) => {
        const { topic } = decodeHeader(DeleteTopicInNamesrvRequestHeader, request.extFields);
        routes.deleteTopic(topic);
        return createResponse(request, ResponseCode.SUCCESS);
      },
    ],
    [
      RequestCode.GET_TOPICS_BY_CLUSTER,
      (ctx, request) => topicList(routes.topicsByCluster(decodeHeader(GetTopicsByClusterRequestHeader, request.extFields).cluster))(ctx, request),
    ],
    [
      RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_NS,
      (_ctx, request) => {
        const { topics, brokerAddr } = routes.systemTopics();
        return createResponse(request, ResponseCode.SUCCESS, { body: encodeTopicList(topics, brokerAddr) });
      },
    ],
    [RequestCode.GET_UNIT_TOPIC_LIST, (ctx, request) => topicList(routes.topicsWithSysFlag(RouteInfoManager.isUnit))(ctx, request)],
    [RequestCode.GET_HAS_UNIT_SUB_TOPIC_LIST, (ctx, request) => topicList(routes.topicsWithSysFlag(RouteInfoManager.hasUnitSub))(ctx, request)],
    [
      RequestCode.GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST,
      (ctx, request) => topicList(routes.topicsWithSysFlag((flag) => !RouteInfoManager.isUnit(flag) && RouteInfoManager.hasUnitSub(flag)))(ctx, request),
    ],
    [
      RequestCode.WIPE_WRITE_PERM_OF_BROKER,
      (_ctx, request) => {
        const { brokerName } = decodeHeader(WipeWritePermOfBrokerRequestHeader, request.extFields);
        const wipeTopicCount = routes.updateWritePermOfBroker(brokerName, false);
        return createResponse(request, ResponseCode.SUCCESS, { extFields: encodeHeader(WipeWritePermOfBrokerResponseHeader, { wipeTopicCount }) });
      },
    ],
    [
      RequestCode.ADD_WRITE_PERM_OF_BROKER,
      (_ctx, request) => {
        const { brokerName } = decodeHeader(WipeWritePermOfBrokerRequestHeader, request.extFields);
        const addTopicCount = routes.updateWritePermOfBroker(brokerName, true);
        return createResponse(request, ResponseCode.SUCCESS, { extFields: encodeHeader(AddWritePermOfBrokerResponseHeader, { addTopicCount }) });
      },
    ],
  ]);
}
