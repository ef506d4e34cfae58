/**
 * The Apache RocketMQ 5.x controller protocol as a broker speaks it (remoting codes and header
 * fields of remoting/.../protocol/header/controller/** and namesrv/BrokerHeartbeatRequestHeader,
 * bodies of protocol/body/SyncStateSet and ElectMasterResponseBody). Pure: tables and codecs.
 */
import { defineHeader, type HeaderOf } from '@rocketmq-ts/protocol';

export const ControllerCode = {
  BROKER_HEARTBEAT: 904,
  CONTROLLER_ALTER_SYNC_STATE_SET: 1001,
  CONTROLLER_ELECT_MASTER: 1002,
  CONTROLLER_REGISTER_BROKER: 1003,
  CONTROLLER_GET_REPLICA_INFO: 1004,
  CONTROLLER_GET_METADATA_INFO: 1005,
  CONTROLLER_GET_SYNC_STATE_DATA: 1006,
  GET_BROKER_EPOCH_CACHE: 1007,
  NOTIFY_BROKER_ROLE_CHANGED: 1008,
  CONTROLLER_GET_NEXT_BROKER_ID: 1012,
  CONTROLLER_APPLY_BROKER_ID: 1013,
} as const;

/** Controller answers a broker acts on (ResponseCode, 5.x). */
export const ControllerResponse = {
  CONTROLLER_NOT_LEADER: 2007,
  CONTROLLER_BROKER_METADATA_NOT_EXIST: 2008,
  CONTROLLER_MASTER_STILL_EXIST: 2011,
} as const;

export const GetMetaDataResponseHeader = defineHeader('GetMetaDataResponseHeader', [
  { name: 'group', type: 'string', required: false },
  { name: 'controllerLeaderId', type: 'string', required: false },
  { name: 'controllerLeaderAddress', type: 'string', required: false },
  { name: 'isLeader', type: 'bool', required: false },
  { name: 'peers', type: 'string', required: false },
] as const);

export const GetNextBrokerIdRequestHeader = defineHeader('GetNextBrokerIdRequestHeader', [
  { name: 'clusterName', type: 'string', required: true },
  { name: 'brokerName', type: 'string', required: true },
] as const);
export const GetNextBrokerIdResponseHeader = defineHeader('GetNextBrokerIdResponseHeader', [
  { name: 'clusterName', type: 'string', required: false },
  { name: 'brokerName', type: 'string', required: false },
  { name: 'nextBrokerId', type: 'long', required: true },
] as const);

export const ApplyBrokerIdRequestHeader = defineHeader('ApplyBrokerIdRequestHeader', [
  { name: 'clusterName', type: 'string', required: true },
  { name: 'brokerName', type: 'string', required: true },
  { name: 'appliedBrokerId', type: 'long', required: true },
  { name: 'registerCheckCode', type: 'string', required: true },
] as const);

export const RegisterBrokerToControllerRequestHeader = defineHeader('RegisterBrokerToControllerRequestHeader', [
  { name: 'clusterName', type: 'string', required: true },
  { name: 'brokerName', type: 'string', required: true },
  { name: 'brokerId', type: 'long', required: true },
  { name: 'brokerAddress', type: 'string', required: true },
  { name: 'invokeTime', type: 'long', required: true },
] as const);

/** The answer of REGISTER, ELECT_MASTER, GET_REPLICA_INFO and the NOTIFY_BROKER_ROLE_CHANGED request share these fields. */
export const MasterInfoHeader = defineHeader('MasterInfoHeader', [
  { name: 'masterBrokerId', type: 'long', required: false },
  { name: 'masterAddress', type: 'string', required: false },
  { name: 'masterEpoch', type: 'int', required: false },
  { name: 'syncStateSetEpoch', type: 'int', required: false },
] as const);
export type MasterInfo = HeaderOf<typeof MasterInfoHeader>;

export const ElectMasterRequestHeader = defineHeader('ElectMasterRequestHeader', [
  { name: 'clusterName', type: 'string', required: true },
  { name: 'brokerName', type: 'string', required: true },
  { name: 'brokerId', type: 'long', required: true },
  { name: 'designateElect', type: 'bool', required: true },
  { name: 'invokeTime', type: 'long', required: true },
] as const);

export const GetReplicaInfoRequestHeader = defineHeader('GetReplicaInfoRequestHeader', [{ name: 'brokerName', type: 'string', required: true }] as const);

export const AlterSyncStateSetRequestHeader = defineHeader('AlterSyncStateSetRequestHeader', [
  { name: 'brokerName', type: 'string', required: true },
  { name: 'masterBrokerId', type: 'long', required: true },
  { name: 'masterEpoch', type: 'int', required: true },
  { name: 'invokeTime', type: 'long', required: true },
] as const);

export const BrokerHeartbeatRequestHeader = defineHeader('BrokerHeartbeatRequestHeader', [
  { name: 'clusterName', type: 'string', required: true },
  { name: 'brokerAddr', type: 'string', required: true },
  { name: 'brokerName', type: 'string', required: true },
  { name: 'brokerId', type: 'long', required: false },
  { name: 'epoch', type: 'int', required: false },
  { name: 'maxOffset', type: 'long', required: false },
  { name: 'confirmOffset', type: 'long', required: false },
  { name: 'heartbeatTimeoutMills', type: 'long', required: false },
  { name: 'electionPriority', type: 'int', required: false },
] as const);

export interface SyncStateSet {
  syncStateSet: number[];
  syncStateSetEpoch: number;
}

export function encodeSyncStateSet(set: SyncStateSet): Buffer {
  return Buffer.from(JSON.stringify({ syncStateSet: [...set.syncStateSet].sort((a, b) => a - b), syncStateSetEpoch: set.syncStateSetEpoch }));
}

/** SyncStateSet or ElectMasterResponseBody (whose syncStateSet has no epoch: the header carries it). */
export function decodeSyncStateSet(body: Buffer | undefined, epoch = 0): SyncStateSet {
  if (!body || body.length === 0) return { syncStateSet: [], syncStateSetEpoch: epoch };
  const parsed = JSON.parse(body.toString('utf8')) as { syncStateSet?: unknown; syncStateSetEpoch?: unknown };
  const ids = Array.isArray(parsed.syncStateSet) ? parsed.syncStateSet.map(Number).filter(Number.isSafeInteger) : [];
  return { syncStateSet: ids, syncStateSetEpoch: typeof parsed.syncStateSetEpoch === 'number' ? parsed.syncStateSetEpoch : epoch };
}
