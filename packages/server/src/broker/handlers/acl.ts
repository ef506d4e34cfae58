/**
 * The ACL 1.0 admin codes (Apache 4.x AdminBrokerProcessor, used by mqadmin updateAclConfig,
 * deleteAccessConfig, updateGlobalWhiteAddr, clusterAclConfigVersion, getAccessConfigSubCommand):
 * each edits or reads the broker's plain_acl.yml through the permission manager.
 */
import {
  createResponse,
  CreateAccessConfigRequestHeader,
  decodeHeader,
  DeleteAccessConfigRequestHeader,
  encodeHeader,
  GetBrokerAclConfigResponseHeader,
  type RemotingCommand,
  RequestCode,
  type RequestHandler,
  ResponseCode,
  UpdateGlobalWhiteAddrsConfigRequestHeader,
  writeFastjson,
  type WritableJson,
} from '@rocketmq-ts/protocol';
import type { PlainAccessConfig } from '../acl/plain-acl-config.ts';
import type { BrokerServices } from './services.ts';

const DISABLED = 'ACL is disabled on this broker (set aclEnable=true in broker.conf and provide conf/plain_acl.yml)';

function commaList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** PlainAccessConfig as fastjson writes it: fields in name order, absent ones (null in Java, empty lists here) left out. */
function accessConfigJson(account: PlainAccessConfig): WritableJson {
  const out: Record<string, WritableJson> = { accessKey: account.accessKey, admin: account.admin };
  if (account.defaultGroupPerm !== undefined) out['defaultGroupPerm'] = account.defaultGroupPerm;
  if (account.defaultTopicPerm !== undefined) out['defaultTopicPerm'] = account.defaultTopicPerm;
  if (account.groupPerms.length > 0) out['groupPerms'] = account.groupPerms;
  out['secretKey'] = account.secretKey;
  if (account.topicPerms.length > 0) out['topicPerms'] = account.topicPerms;
  if (account.whiteRemoteAddress !== undefined) out['whiteRemoteAddress'] = account.whiteRemoteAddress;
  return out;
}

async function failing(request: RemotingCommand, failCode: number, work: () => Promise<RemotingCommand>): Promise<RemotingCommand> {
  try {
    return await work();
  } catch (error) {
    return createResponse(request, failCode, { remark: (error as Error).message });
  }
}

export function aclHandlers(services: BrokerServices): Map<number, RequestHandler> {
  const { config } = services;
  return new Map<number, RequestHandler>([
    [
      RequestCode.UPDATE_AND_CREATE_ACL_CONFIG,
      (_ctx, request) =>
        failing(request, ResponseCode.UPDATE_AND_CREATE_ACL_CONFIG_FAILED, async () => {
          if (!services.acl) throw new Error(DISABLED);
          const header = decodeHeader(CreateAccessConfigRequestHeader, request.extFields);
          await services.acl.updateAccount({
            accessKey: header.accessKey,
            secretKey: header.secretKey,
            whiteRemoteAddress: header.whiteRemoteAddress,
            admin: header.admin ?? false,
            defaultTopicPerm: header.defaultTopicPerm,
            defaultGroupPerm: header.defaultGroupPerm,
            topicPerms: commaList(header.topicPerms),
            groupPerms: commaList(header.groupPerms),
          });
          return createResponse(request, ResponseCode.SUCCESS);
        }),
    ],
    [
      RequestCode.DELETE_ACL_CONFIG,
      (_ctx, request) =>
        failing(request, ResponseCode.DELETE_ACL_CONFIG_FAILED, async () => {
          if (!services.acl) throw new Error(DISABLED);
          const { accessKey } = decodeHeader(DeleteAccessConfigRequestHeader, request.extFields);
          if (!(await services.acl.deleteAccount(accessKey))) throw new Error(`The accesskey[${accessKey}] corresponding to accessConfig has been deleted failed.`);
          return createResponse(request, ResponseCode.SUCCESS);
        }),
    ],
    [
      RequestCode.UPDATE_GLOBAL_WHITE_ADDRS_CONFIG,
      (_ctx, request) =>
        failing(request, ResponseCode.UPDATE_GLOBAL_WHITE_ADDRS_CONFIG_FAILED, async () => {
          if (!services.acl) throw new Error(DISABLED);
          const { globalWhiteAddrs } = decodeHeader(UpdateGlobalWhiteAddrsConfigRequestHeader, request.extFields);
          await services.acl.updateGlobalWhiteAddrs(commaList(globalWhiteAddrs) ?? []);
          return createResponse(request, ResponseCode.SUCCESS);
        }),
    ],
    [
      RequestCode.GET_BROKER_CLUSTER_ACL_INFO,
      (_ctx, request) => {
        if (!services.acl) return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: DISABLED });
        const version = writeFastjson({ counter: services.acl.dataVersion.counter, timestamp: services.acl.dataVersion.timestamp });
        const extFields = encodeHeader(GetBrokerAclConfigResponseHeader, {
          version,
          brokerName: config.brokerName,
          brokerAddr: `${config.brokerIP1}:${config.listenPort}`,
          clusterName: config.brokerClusterName,
        });
        return createResponse(request, ResponseCode.SUCCESS, { extFields });
      },
    ],
    [
      RequestCode.GET_BROKER_CLUSTER_ACL_CONFIG,
      (_ctx, request) => {
        if (!services.acl) return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: DISABLED });
        const body = { globalWhiteAddrs: [...services.acl.globalWhiteRemoteAddresses], plainAccessConfigs: services.acl.accounts.map(accessConfigJson) };
        return createResponse(request, ResponseCode.SUCCESS, { body: Buffer.from(writeFastjson(body)) });
      },
    ],
  ]);
}
