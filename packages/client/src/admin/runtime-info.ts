/** Turns GET_BROKER_RUNTIME_INFO's string table into the figures consoles show. */
import type { BrokerRuntimeInfo } from './types.ts';

/** "12.50 11.00 10.20" (10 s, 1 min, 10 min averages) → the first figure. */
function firstNumber(text: string | undefined): number {
  const value = Number((text ?? '').trim().split(/\s+/)[0]);
  return Number.isFinite(value) ? value : 0;
}

export function parseRuntimeInfo(addr: string, table: ReadonlyMap<string, string>): BrokerRuntimeInfo {
  const raw = Object.fromEntries(table);
  const number = (key: string) => firstNumber(raw[key]);
  return {
    addr,
    version: raw['brokerVersionDesc'] ?? '',
    putTps: number('putTps'),
    getTps: number('getTransferedTps'),
    msgPutTotalTodayNow: number('msgPutTotalTodayNow'),
    msgGetTotalTodayNow: number('msgGetTotalTodayNow'),
    msgPutTotalYesterdayMorning: number('msgPutTotalYesterdayMorning'),
    msgPutTotalTodayMorning: number('msgPutTotalTodayMorning'),
    commitLogDiskRatio: number('commitLogDiskRatio'),
    commitLogDirCapacity: raw['commitLogDirCapacity'] ?? '',
    commitLogMaxOffset: number('commitLogMaxOffset'),
    commitLogMinOffset: number('commitLogMinOffset'),
    putMessageSizeTotal: number('putMessageSizeTotal'),
    bootTimestamp: number('bootTimestamp'),
    runtime: raw['runtime'] ?? '',
    brokerRole: raw['brokerRole'],
    replicationLagBytes:
      raw['slaveFallBehindMuch'] !== undefined ? number('slaveFallBehindMuch') : raw['masterFallBehindMuch'] !== undefined ? number('masterFallBehindMuch') : undefined,
    haClientState: raw['haClientState'],
    controller:
      raw['masterEpoch'] !== undefined
        ? {
            leader: raw['controllerLeader'] ?? '',
            brokerControllerId: number('brokerControllerId'),
            masterEpoch: number('masterEpoch'),
            inSyncReplicas: (raw['inSyncReplicas'] ?? '').split(',').filter(Boolean).map(Number),
            epochs: raw['epochs'] ?? '',
          }
        : undefined,
    raw,
  };
}
