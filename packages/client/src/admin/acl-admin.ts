/**
 * The ACL 1.0 admin codes (50–54) as MQAdminExt offers them (createAndUpdatePlainAccessConfig,
 * deletePlainAccessConfig, updateGlobalWhiteAddrConfig, examineBrokerClusterAclVersionInfo,
 * examineBrokerClusterAclConfig), against one broker address.
 */
import {
  CreateAccessConfigRequestHeader,
  createRequest,
  DeleteAccessConfigRequestHeader,
  encodeHeader,
  parseBody,
  type RemotingClient,
  type RemotingCommand,
  RequestCode,
  ResponseCode,
  UpdateGlobalWhiteAddrsConfigRequestHeader,
} from '@rocketmq-ts/protocol';
import { MQBrokerError } from '../errors.ts';

/** One plain_acl.yml account (PlainAccessConfig). */
export interface PlainAccessConfig {
  accessKey: string;
  secretKey?: string;
  whiteRemoteAddress?: string;
  admin?: boolean;
  defaultTopicPerm?: string;
  defaultGroupPerm?: string;
  /** `topic=PERM` entries (PERM: DENY, PUB, SUB, PUB|SUB). */
  topicPerms?: string[];
  /** `group=PERM` entries. */
  groupPerms?: string[];
}

export interface BrokerAclVersion {
  brokerName: string;
  brokerAddr: string;
  clusterName: string;
  counter: number;
  timestamp: number;
}

export interface BrokerAclConfig {
  globalWhiteAddrs: string[];
  plainAccessConfigs: PlainAccessConfig[];
}

export class AclAdminApi {
  constructor(
    private readonly remoting: RemotingClient,
    private readonly timeoutMillis: number,
  ) {}

  private async call(addr: string, operation: string, request: RemotingCommand): Promise<RemotingCommand> {
    const response = await this.remoting.invoke(addr, request, this.timeoutMillis);
    if (response.code !== ResponseCode.SUCCESS) throw new MQBrokerError(addr, operation, response.code, response.remark);
    return response;
  }

  async updateAccount(broker: string, config: PlainAccessConfig): Promise<void> {
    const extFields = encodeHeader(CreateAccessConfigRequestHeader, {
      accessKey: config.accessKey,
      secretKey: config.secretKey,
      whiteRemoteAddress: config.whiteRemoteAddress,
      admin: config.admin ?? false,
      defaultTopicPerm: config.defaultTopicPerm,
      defaultGroupPerm: config.defaultGroupPerm,
      topicPerms: config.topicPerms?.join(','),
      groupPerms: config.groupPerms?.join(','),
    });
    await this.call(broker, `UPDATE_AND_CREATE_ACL_CONFIG ${config.accessKey}`, createRequest(RequestCode.UPDATE_AND_CREATE_ACL_CONFIG, { extFields }));
  }

  async deleteAccount(broker: string, accessKey: string): Promise<void> {
    const extFields = encodeHeader(DeleteAccessConfigRequestHeader, { accessKey });
    await this.call(broker, `DELETE_ACL_CONFIG ${accessKey}`, createRequest(RequestCode.DELETE_ACL_CONFIG, { extFields }));
  }

  async updateGlobalWhiteAddrs(broker: string, addresses: readonly string[]): Promise<void> {
    const extFields = encodeHeader(UpdateGlobalWhiteAddrsConfigRequestHeader, { globalWhiteAddrs: addresses.join(',') });
    await this.call(broker, 'UPDATE_GLOBAL_WHITE_ADDRS_CONFIG', createRequest(RequestCode.UPDATE_GLOBAL_WHITE_ADDRS_CONFIG, { extFields }));
  }

  async version(broker: string): Promise<BrokerAclVersion> {
    const response = await this.call(broker, 'GET_BROKER_CLUSTER_ACL_INFO', createRequest(RequestCode.GET_BROKER_CLUSTER_ACL_INFO));
    const fields = response.extFields ?? {};
    const version = parseBody(Buffer.from(fields['version'] ?? '{}'), 'DataVersion') as unknown as { counter?: number | bigint; timestamp?: number | bigint };
    return {
      brokerName: fields['brokerName'] ?? '',
      brokerAddr: fields['brokerAddr'] ?? broker,
      clusterName: fields['clusterName'] ?? '',
      counter: Number(version.counter ?? 0),
      timestamp: Number(version.timestamp ?? 0),
    };
  }

  async config(broker: string): Promise<BrokerAclConfig> {
    const response = await this.call(broker, 'GET_BROKER_CLUSTER_ACL_CONFIG', createRequest(RequestCode.GET_BROKER_CLUSTER_ACL_CONFIG));
    const body = parseBody(response.body, 'AclConfig') as unknown as { globalWhiteAddrs?: string[] | null; plainAccessConfigs?: PlainAccessConfig[] | null };
    return { globalWhiteAddrs: body.globalWhiteAddrs ?? [], plainAccessConfigs: body.plainAccessConfigs ?? [] };
  }
}
