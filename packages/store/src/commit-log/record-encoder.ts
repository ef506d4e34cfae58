/**
 * The append hot path's record writer: the stored-message layout of spec §2.1 (protocol's
 * writeStoredMessage) written straight from a MessageToStore into the write buffer — no
 * intermediate init object, no properties Buffer (the string is UTF-8-encoded in place),
 * fields through a DataView. record-encoder.test.ts holds it byte-equal to writeStoredMessage.
 *
 *   totalSize | magic | bodyCRC | queueId | flag | queueOffset | physicalOffset | sysFlag |
 *   bornTimestamp | bornHost ip+port | storeTimestamp | storeHost ip+port | reconsumeTimes |
 *   preparedTransactionOffset | bodyLength + body | topicLength int8 + topic | propertiesLength int16 + properties
 */
import { bodyCrc, ipToBytes, MESSAGE_MAGIC_CODE } from '@rocketmq-ts/protocol';
import type { MessageToStore } from './message-to-store.ts';

const TWO_32 = 0x1_0000_0000;

function setInt64(view: DataView, at: number, value: number): void {
  const high = Math.floor(value / TWO_32);
  view.setInt32(at, high);
  view.setUint32(at + 4, value - high * TWO_32);
}

/**
 * Writes one record of `length` bytes at `at`. `topic` is the topic's UTF-8 bytes,
 * `propertiesLength` the UTF-8 length of message.propertiesText, `sysFlag` has the host bits.
 */
export function encodeRecord(
  out: Buffer,
  view: DataView,
  at: number,
  message: MessageToStore,
  topic: Buffer,
  propertiesLength: number,
  sysFlag: number,
  length: number,
  queueOffset: number,
  physicalOffset: number,
  storeTimestamp: number,
): void {
  const body = message.body;
  view.setInt32(at, length);
  view.setInt32(at + 4, MESSAGE_MAGIC_CODE);
  view.setInt32(at + 8, bodyCrc(body));
  view.setInt32(at + 12, message.queueId);
  view.setInt32(at + 16, message.flag);
  setInt64(view, at + 20, queueOffset);
  setInt64(view, at + 28, physicalOffset);
  view.setInt32(at + 36, sysFlag);
  setInt64(view, at + 40, message.bornTimestamp);
  let p = at + 48;
  const bornIp = ipToBytes(message.bornHost.address);
  out.set(bornIp, p);
  p += bornIp.length;
  view.setInt32(p, message.bornHost.port);
  setInt64(view, p + 4, storeTimestamp);
  p += 12;
  const storeIp = ipToBytes(message.storeHost.address);
  out.set(storeIp, p);
  p += storeIp.length;
  view.setInt32(p, message.storeHost.port);
  view.setInt32(p + 4, message.reconsumeTimes);
  setInt64(view, p + 8, message.preparedTransactionOffset);
  view.setInt32(p + 16, body.length);
  p += 20;
  out.set(body, p);
  p += body.length;
  out[p++] = topic.length;
  out.set(topic, p);
  p += topic.length;
  view.setInt16(p, propertiesLength);
  if (propertiesLength > 0) out.write(message.propertiesText, p + 2, propertiesLength, 'utf8');
}
