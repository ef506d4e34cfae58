/**
 * What a request asks for (Apache 4.x PlainAccessValidator.parse): the peer's IP, the
 * AccessKey and Signature it carries, the bytes the signature covers, and the topics and
 * groups (as retry topics) it needs with which permission.
 */
import {
  ACCESS_KEY_FIELD,
  brokerSignedContent,
  decodeHeartbeatData,
  type RemotingCommand,
  RequestCode,
  SIGNATURE_FIELD,
} from '@rocketmq-ts/protocol';
import { PopCode } from '../pop/pop-protocol.ts';
import { Perm } from './permission.ts';
import { retryTopic } from './plain-acl-config.ts';

export interface AccessResource {
  readonly peerIp: string;
  readonly code: number;
  readonly accessKey: string | undefined;
  readonly signature: string | undefined;
  /** Computed on demand: only requests that reach the signature check pay for it. */
  content(): Buffer;
  /** resource (topic, or %RETRY%group) → needed permission. */
  readonly needed: ReadonlyMap<string, number>;
}

/** "1.2.3.4:5678" → "1.2.3.4"; IPv6 "[::1]:5678" / "::1:5678" lose the port the same way (last ':'). */
export function peerIpOf(remoteAddress: string): string {
  const colon = remoteAddress.lastIndexOf(':');
  const ip = colon < 0 ? remoteAddress : remoteAddress.slice(0, colon);
  return ip.replace(/^\[|\]$/g, '');
}

export class AclParseError extends Error {}

function add(needed: Map<string, number>, resource: string | undefined, perm: number): void {
  if (resource === undefined) return;
  needed.set(resource, perm);
}

function neededResources(request: RemotingCommand): Map<string, number> {
  const fields = request.extFields ?? {};
  const needed = new Map<string, number>();
  const group = (name: string): string | undefined => (fields[name] === undefined ? undefined : retryTopic(fields[name]));
  switch (request.code) {
    case RequestCode.SEND_MESSAGE:
      add(needed, fields['topic'], Perm.PUB);
      break;
    case RequestCode.SEND_MESSAGE_V2:
      add(needed, fields['b'], Perm.PUB);
      break;
    // 5.3+: a recall writes a marker to the topic (RecallMessageRequestHeader asks PUB).
    case RequestCode.RECALL_MESSAGE:
      add(needed, fields['topic'], Perm.PUB);
      break;
    case RequestCode.CONSUMER_SEND_MSG_BACK:
      add(needed, fields['originTopic'], Perm.PUB);
      add(needed, group('group'), Perm.SUB);
      break;
    case RequestCode.PULL_MESSAGE:
      add(needed, fields['topic'], Perm.SUB);
      add(needed, group('consumerGroup'), Perm.SUB);
      break;
    // The 5.x POP codes read a topic as a group, like a pull (Apache 5.x's ACL asks SUB of both).
    case PopCode.POP_MESSAGE:
    case PopCode.ACK_MESSAGE:
    case PopCode.CHANGE_MESSAGE_INVISIBLETIME:
      add(needed, fields['topic'], Perm.SUB);
      add(needed, group('consumerGroup'), Perm.SUB);
      break;
    case RequestCode.QUERY_MESSAGE:
      add(needed, fields['topic'], Perm.SUB);
      break;
    case RequestCode.HEART_BEAT: {
      const heartbeat = decodeHeartbeatData(request.body);
      for (const consumer of heartbeat.consumerDataSet) {
        needed.set(retryTopic(consumer.groupName), Perm.SUB);
        for (const subscription of consumer.subscriptionDataSet) needed.set(subscription.topic, Perm.SUB);
      }
      break;
    }
    case RequestCode.UNREGISTER_CLIENT:
    case RequestCode.GET_CONSUMER_LIST_BY_GROUP:
      add(needed, group('consumerGroup'), Perm.SUB);
      break;
    case RequestCode.UPDATE_CONSUMER_OFFSET:
      add(needed, group('consumerGroup'), Perm.SUB);
      add(needed, fields['topic'], Perm.SUB);
      break;
    default:
      break;
  }
  return needed;
}

export function parseAccessResource(request: RemotingCommand, remoteAddress: string): AccessResource {
  const fields = request.extFields;
  let needed: Map<string, number>;
  try {
    needed = fields === undefined ? new Map() : neededResources(request);
  } catch (error) {
    throw new AclParseError((error as Error).message);
  }
  return {
    peerIp: peerIpOf(remoteAddress),
    code: request.code,
    accessKey: fields?.[ACCESS_KEY_FIELD],
    signature: fields?.[SIGNATURE_FIELD],
    content: () => brokerSignedContent(request),
    needed,
  };
}
