/**
 * The broker's calls to name servers (BrokerOuterAPI): REGISTER_BROKER to every name server in
 * parallel, UNREGISTER_BROKER at shutdown. A name server that does not answer is logged with
 * the address and the fix; the others still get the registration. The v5 endpoint also asks a
 * name server for a topic's route and another broker for its settings (its gRPC port).
 */
import {
  bodyCrc,
  createRequest,
  decodeHeader,
  decodeKVTable,
  decodeTopicRouteData,
  encodeHeader,
  encodeRegisterBrokerBody,
  GetRouteInfoRequestHeader,
  RegisterBrokerRequestHeader,
  RegisterBrokerResponseHeader,
  type RemotingClient,
  RequestCode,
  ResponseCode,
  type TopicConfigSerializeWrapper,
  type TopicRouteData,
  UnRegisterBrokerRequestHeader,
} from '@rocketmq-ts/protocol';
import type { ServerLogger } from '../../common/logger.ts';
import { parsePropertiesText } from '../../config/properties.ts';

export interface BrokerIdentity {
  clusterName: string;
  brokerName: string;
  brokerId: number;
  brokerAddr: string;
  haServerAddr: string;
}

export interface RegisterResult {
  namesrvAddr: string;
  masterAddr?: string;
  haServerAddr?: string;
  orderTopicConfig?: Map<string, string>;
}

/** "a:9876;b:9876" → ["a:9876", "b:9876"] */
export function parseNamesrvAddr(text: string): string[] {
  return text
    .split(/[;,]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export class BrokerOuterApi {
  constructor(
    private readonly client: RemotingClient,
    private readonly logger: ServerLogger,
  ) {}

  async registerBrokerAll(namesrvAddrs: string[], identity: BrokerIdentity, topics: TopicConfigSerializeWrapper, timeoutMillis: number): Promise<RegisterResult[]> {
    const body = encodeRegisterBrokerBody({ topicConfigSerializeWrapper: topics, filterServerList: [] });
    const extFields = encodeHeader(RegisterBrokerRequestHeader, { ...identity, compressed: false, bodyCrc32: bodyCrc(body) });
    const results = await Promise.allSettled(
      namesrvAddrs.map(async (namesrvAddr): Promise<RegisterResult> => {
        const response = await this.client.invoke(namesrvAddr, createRequest(RequestCode.REGISTER_BROKER, { extFields: { ...extFields }, body }), timeoutMillis);
        if (response.code !== ResponseCode.SUCCESS) throw new Error(`answered ${response.code}: ${response.remark ?? ''}`);
        const header = decodeHeader(RegisterBrokerResponseHeader, response.extFields);
        return {
          namesrvAddr,
          masterAddr: header.masterAddr,
          haServerAddr: header.haServerAddr,
          orderTopicConfig: response.body && response.body.length > 0 ? decodeKVTable(response.body) : undefined,
        };
      }),
    );
    const ok: RegisterResult[] = [];
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') ok.push(result.value);
      else {
        this.logger.warn(
          { namesrvAddr: namesrvAddrs[i], err: (result.reason as Error).message },
          'cannot register with the name server; clients using it will not find this broker until it is reachable (check namesrvAddr)',
        );
      }
    });
    return ok;
  }

  async unregisterBrokerAll(namesrvAddrs: string[], identity: BrokerIdentity, timeoutMillis = 3000): Promise<void> {
    const extFields = encodeHeader(UnRegisterBrokerRequestHeader, identity);
    await Promise.allSettled(
      namesrvAddrs.map((addr) => this.client.invoke(addr, createRequest(RequestCode.UNREGISTER_BROKER, { extFields: { ...extFields } }), timeoutMillis)),
    );
  }

  /** GET_ROUTEINFO_BY_TOPIC: the topic's route, or undefined when this name server does not know the topic. */
  async getTopicRoute(namesrvAddr: string, topic: string, timeoutMillis: number): Promise<TopicRouteData | undefined> {
    const request = createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: encodeHeader(GetRouteInfoRequestHeader, { topic }) });
    const response = await this.client.invoke(namesrvAddr, request, timeoutMillis);
    if (response.code === ResponseCode.TOPIC_NOT_EXIST) return undefined;
    if (response.code !== ResponseCode.SUCCESS) throw new Error(`name server ${namesrvAddr} answered GET_ROUTEINFO_BY_TOPIC ${topic} with code ${response.code}: ${response.remark ?? ''}`);
    return decodeTopicRouteData(response.body);
  }

  /** GET_BROKER_CONFIG: another broker's settings, as the key=value text it answers. */
  async getBrokerConfig(brokerAddr: string, timeoutMillis: number): Promise<Record<string, string>> {
    const response = await this.client.invoke(brokerAddr, createRequest(RequestCode.GET_BROKER_CONFIG), timeoutMillis);
    if (response.code !== ResponseCode.SUCCESS) throw new Error(`broker ${brokerAddr} answered GET_BROKER_CONFIG with code ${response.code}: ${response.remark ?? ''}`);
    return parsePropertiesText(response.body?.toString('utf8') ?? '');
  }
}
