/** For tests: a message as the broker hands it to the store (loopback hosts, no flags, born now). */
import { encodeProperties } from '@rocketmq-ts/protocol';
import type { MessageToStore } from '../commit-log/message-to-store.ts';

export function testMessage(topic: string, queueId: number, body: string, properties: Record<string, string> = {}): MessageToStore {
  return {
    topic,
    queueId,
    flag: 0,
    body: Buffer.from(body),
    propertiesText: encodeProperties(properties),
    sysFlag: 0,
    bornTimestamp: Date.now(),
    bornHost: { address: '127.0.0.1', port: 5555 },
    storeHost: { address: '127.0.0.1', port: 10911 },
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
  };
}
