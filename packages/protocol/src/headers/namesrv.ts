/**
 * Name server headers. Java: common/.../protocol/header/namesrv/*.java and
 * GetRouteInfoRequestHeader, GetTopicsByClusterRequestHeader, DeleteTopicInNamesrvRequestHeader.
 */
import { defineHeader, type HeaderOf } from './field-table.ts';

export const GetRouteInfoRequestHeader = defineHeader('GetRouteInfoRequestHeader', [
  { name: 'topic', type: 'string', required: true },
] as const);
export type GetRouteInfoRequestHeader = HeaderOf<typeof GetRouteInfoRequestHeader>;

export const RegisterBrokerRequestHeader = defineHeader('RegisterBrokerRequestHeader', [
  { name: 'brokerName', type: 'string', required: true },
  { name: 'brokerAddr', type: 'string', required: true },
  { name: 'clusterName', type: 'string', required: true },
  { name: 'haServerAddr', type: 'string', required: true },
  { name: 'brokerId', type: 'long', required: true },
  { name: 'compressed', type: 'bool', required: false, primitive: true },
  { name: 'bodyCrc32', type: 'int', required: false, primitive: true },
] as const);
export type RegisterBrokerRequestHeader = HeaderOf<typeof RegisterBrokerRequestHeader>;

export const RegisterBrokerResponseHeader = defineHeader('RegisterBrokerResponseHeader', [
  { name: 'haServerAddr', type: 'string', required: false },
  { name: 'masterAddr', type: 'string', required: false },
] as const);
export type RegisterBrokerResponseHeader = HeaderOf<typeof RegisterBrokerResponseHeader>;

export const UnRegisterBrokerRequestHeader = defineHeader('UnRegisterBrokerRequestHeader', [
  { name: 'brokerName', type: 'string', required: true },
  { name: 'brokerAddr', type: 'string', required: true },
  { name: 'clusterName', type: 'string', required: true },
  { name: 'brokerId', type: 'long', required: true },
] as const);
export type UnRegisterBrokerRequestHeader = HeaderOf<typeof UnRegisterBrokerRequestHeader>;

export const QueryDataVersionRequestHeader = defineHeader('QueryDataVersionRequestHeader', [
  { name: 'brokerName', type: 'string', required: true },
  { name: 'brokerAddr', type: 'string', required: true },
  { name: 'clusterName', type: 'string', required: true },
  { name: 'brokerId', type: 'long', required: true },
] as const);

export const QueryDataVersionResponseHeader = defineHeader('QueryDataVersionResponseHeader', [
  { name: 'changed', type: 'bool', required: true },
] as const);

export const WipeWritePermOfBrokerRequestHeader = defineHeader('WipeWritePermOfBrokerRequestHeader', [
  { name: 'brokerName', type: 'string', required: true },
] as const);

export const WipeWritePermOfBrokerResponseHeader = defineHeader('WipeWritePermOfBrokerResponseHeader', [
  { name: 'wipeTopicCount', type: 'int', required: true },
] as const);

/** 4.9.2+ ADD_WRITE_PERM_OF_BROKER (327): the request is WipeWritePermOfBrokerRequestHeader. */
export const AddWritePermOfBrokerResponseHeader = defineHeader('AddWritePermOfBrokerResponseHeader', [
  { name: 'addTopicCount', type: 'int', required: true },
] as const);

export const DeleteTopicInNamesrvRequestHeader = defineHeader('DeleteTopicInNamesrvRequestHeader', [
  { name: 'topic', type: 'string', required: true },
] as const);

export const GetTopicsByClusterRequestHeader = defineHeader('GetTopicsByClusterRequestHeader', [
  { name: 'cluster', type: 'string', required: true },
] as const);

export const PutKVConfigRequestHeader = defineHeader('PutKVConfigRequestHeader', [
  { name: 'namespace', type: 'string', required: true },
  { name: 'key', type: 'string', required: true },
  { name: 'value', type: 'string', required: true },
] as const);

export const GetKVConfigRequestHeader = defineHeader('GetKVConfigRequestHeader', [
  { name: 'namespace', type: 'string', required: true },
  { name: 'key', type: 'string', required: true },
] as const);

export const GetKVConfigResponseHeader = defineHeader('GetKVConfigResponseHeader', [
  { name: 'value', type: 'string', required: false },
] as const);

export const DeleteKVConfigRequestHeader = defineHeader('DeleteKVConfigRequestHeader', [
  { name: 'namespace', type: 'string', required: true },
  { name: 'key', type: 'string', required: true },
] as const);

export const GetKVListByNamespaceRequestHeader = defineHeader('GetKVListByNamespaceRequestHeader', [
  { name: 'namespace', type: 'string', required: true },
] as const);

/** Declared in 4.8 (namesrv order-topic config); no 4.8 code path sends it. */
export const RegisterOrderTopicRequestHeader = defineHeader('RegisterOrderTopicRequestHeader', [
  { name: 'topic', type: 'string', required: true },
  { name: 'orderTopicString', type: 'string', required: true },
] as const);
