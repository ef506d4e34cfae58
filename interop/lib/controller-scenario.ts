/**
 * What the controller-mode scenarios (failover.test.ts, split-brain.test.ts) share: the lines
 * the Java ContinuousSend / FailoverConsumer programs print, the replica-info answer header,
 * a polling wait, and which broker stored a sent message.
 */
import { createRequest, decodeHeader, decodeOffsetMessageId, defineHeader, type RemotingClient, ResponseCode } from '@rocketmq-ts/protocol';

/** One line of ContinuousSend: a send's outcome. */
export interface SendLine {
  i: number;
  key: string;
  at: number;
  status: string;
  offsetMsgId?: string;
  queueId?: number;
  queueOffset?: number;
  error?: string;
}

/** One line of FailoverConsumer: a delivery. */
export interface Delivery {
  msgId: string;
  keys: string;
  at: number;
}

const ReplicaInfoHeader = defineHeader('GetReplicaInfoResponseHeader', [
  { name: 'masterBrokerId', type: 'long', required: false },
  { name: 'masterAddress', type: 'string', required: false },
  { name: 'masterEpoch', type: 'int', required: false },
] as const);

/** Polls `check` every 100 ms until it holds; fails naming `what` after `timeoutMillis`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMillis = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** host:port of the broker that stored a sent message, from its offsetMsgId. */
export function storeHostOf(line: SendLine): string {
  if (!line.offsetMsgId) return '';
  const { storeHost } = decodeOffsetMessageId(line.offsetMsgId);
  return `${storeHost.address}:${storeHost.port}`;
}

/** The controller leader's view of `brokerName` (CONTROLLER_GET_REPLICA_INFO): master, epoch, in-sync set; empty when no leader answers. */
export async function replicaInfo(client: RemotingClient, leader: string | undefined, brokerName: string): Promise<{ master?: string; epoch: number; inSync: number[] }> {
  if (!leader) return { epoch: 0, inSync: [] };
  const response = await client.invoke(leader, createRequest(1004, { extFields: { brokerName } }), 3_000).catch(() => undefined);
  if (!response || response.code !== ResponseCode.SUCCESS) return { epoch: 0, inSync: [] };
  const header = decodeHeader(ReplicaInfoHeader, response.extFields);
  const body = response.body ? (JSON.parse(response.body.toString('utf8')) as { syncStateSet?: number[] }) : {};
  return { master: header.masterAddress, epoch: header.masterEpoch ?? 0, inSync: body.syncStateSet ?? [] };
}
