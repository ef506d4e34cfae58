/**
 * The recall handle of a RocketMQ 5.3+ timer message (common/…/producer/RecallMessageHandle.java,
 * HandleV1): `v1 <topic> <brokerName> <timestamp> <messageId>` in URL base64, with padding as
 * Java's Base64.getUrlEncoder() writes it. A send answers with it; RECALL_MESSAGE (370) and the
 * v5 RecallMessage take it back. Clients read the broker name from it to know where to send the
 * recall; the broker reads the rest.
 */
const VERSION_1 = 'v1';

export interface RecallHandle {
  topic: string;
  brokerName: string;
  /** When the message is due (epoch ms); NaN when the handle's text is not a number. */
  deliverMs: number;
  /** The message's UNIQ_KEY (client message id). */
  messageId: string;
}

export function encodeRecallHandle(handle: RecallHandle): string {
  const raw = [VERSION_1, handle.topic, handle.brokerName, String(handle.deliverMs), handle.messageId].join(' ');
  return Buffer.from(raw, 'utf8').toString('base64').replaceAll('+', '-').replaceAll('/', '_');
}

export class InvalidRecallHandle extends Error {}

export function decodeRecallHandle(text: string): RecallHandle {
  if (!text || !/^[A-Za-z0-9_-]+={0,2}$/.test(text)) throw new InvalidRecallHandle('recall handle is invalid: not base64url text');
  const items = Buffer.from(text, 'base64url').toString('utf8').split(' ');
  if (items[0] !== VERSION_1 || items.length < 5) throw new InvalidRecallHandle('recall handle is invalid: not a v1 handle (v1 topic brokerName timestamp messageId)');
  const deliverMs = /^\d{1,19}$/.test(items[3]!) ? Number(items[3]) : Number.NaN;
  return { topic: items[1]!, brokerName: items[2]!, deliverMs, messageId: items[4]! };
}
