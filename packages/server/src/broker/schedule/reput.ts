/**
 * Appends a stored message again under another topic and queue, as the delay-level and timer
 * services do when a message falls due: body, flags, hosts and times stay; WAIT is false.
 */
import type { MessageProperties, StoredMessage } from '@rocketmq-ts/protocol';
import type { MessageStoreApi, StorePutResult } from '@rocketmq-ts/store';

export interface ReputTarget {
  topic: string;
  queueId: number;
  /** The properties string written to the log. */
  propertiesText: string;
  /** The properties the store dispatches with (tags, keys). */
  properties: MessageProperties;
}

/** Resolves with the store's result; a status other than PUT_OK or FLUSH_DISK_TIMEOUT is the caller's to handle. */
export function reputMessage(store: MessageStoreApi, message: StoredMessage, target: ReputTarget): Promise<StorePutResult> {
  return store.putMessage({
    topic: target.topic,
    queueId: target.queueId,
    flag: message.flag,
    body: message.body,
    propertiesText: target.propertiesText,
    properties: target.properties,
    sysFlag: message.sysFlag,
    bornTimestamp: message.bornTimestamp,
    bornHost: message.bornHost,
    storeHost: message.storeHost,
    reconsumeTimes: message.reconsumeTimes,
    preparedTransactionOffset: message.preparedTransactionOffset,
    waitStoreMsgOK: false,
  });
}

export function reputSucceeded(result: StorePutResult): boolean {
  return result.status === 'PUT_OK' || result.status === 'FLUSH_DISK_TIMEOUT';
}
