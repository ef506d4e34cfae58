/**
 * Handing a failed message back for a later retry: CONSUMER_SEND_MSG_BACK to the broker, which
 * re-puts it on %RETRY%<group> with a delay level (or dead-letters it); if the broker cannot,
 * a copy is sent to the retry topic by an inner producer, as the Java client does.
 */
import { MessageConst } from '@rocketmq-ts/protocol';
import type { ClientInstance } from '../core/client-instance.ts';
import type { MessageExt } from '../message.ts';
import type { ClientOptions } from '../options.ts';
import { Producer } from '../producer/producer.ts';

/** Properties the broker sets again on the copy, so the original's must not travel. */
const NOT_COPIED = new Set<string>([
  MessageConst.TAGS,
  MessageConst.KEYS,
  MessageConst.DELAY_TIME_LEVEL,
  MessageConst.WAIT_STORE_MSG_OK,
  MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX,
  'MIN_OFFSET',
  'MAX_OFFSET',
  'CONSUME_START_TIME',
  'TRAN_MSG',
  'RECONSUME_TIME',
  'MAX_RECONSUME_TIMES',
  'REAL_TOPIC',
  'REAL_QID',
  'CLUSTER',
]);

export class SendBack {
  private innerProducer: Producer | undefined;

  constructor(
    private readonly instance: ClientInstance,
    private readonly group: string,
    private readonly clientOptions: ClientOptions,
    private readonly maxReconsumeTimes: () => number,
  ) {}

  /** True once the broker or the retry topic has the message. */
  async sendMessageBack(message: MessageExt, brokerName: string, delayLevel: number): Promise<boolean> {
    const addr = this.instance.masterAddr(brokerName) ?? message.storeHost;
    try {
      await this.instance.api.sendMessageBack(
        addr,
        {
          offset: message.commitLogOffset,
          group: this.group,
          delayLevel,
          originMsgId: message.msgId,
          originTopic: message.topic,
          unitMode: false,
          maxReconsumeTimes: this.maxReconsumeTimes(),
        },
        5000,
      );
      return true;
    } catch (error) {
      this.instance.logger.warn({ msgId: message.msgId, err: String(error) }, 'sending the message back failed; re-sending it to the retry topic');
      return this.resendToRetryTopic(message, 3 + message.reconsumeTimes).then(
        () => true,
        () => false,
      );
    }
  }

  /** Sends a copy to %RETRY%<group>; at reconsumeTimes ≥ maxReconsumeTimes the broker dead-letters it. */
  async resendToRetryTopic(message: MessageExt, delayTimeLevel: number): Promise<void> {
    const producer = await this.producer();
    const properties: Record<string, string> = {};
    for (const [name, value] of Object.entries(message.properties)) if (!NOT_COPIED.has(name)) properties[name] = value;
    properties[MessageConst.RETRY_TOPIC] = message.topic;
    properties[MessageConst.ORIGIN_MESSAGE_ID] = message.properties[MessageConst.ORIGIN_MESSAGE_ID] ?? message.msgId;
    await producer.sendToRetryTopic({
      topic: `%RETRY%${this.group}`,
      body: message.body,
      ...(message.tags !== undefined ? { tags: message.tags } : {}),
      keys: message.keys,
      properties,
      flag: message.flag,
      delayTimeLevel,
      reconsumeTimes: message.reconsumeTimes,
      maxReconsumeTimes: this.maxReconsumeTimes(),
    });
  }

  async shutdown(): Promise<void> {
    await this.innerProducer?.shutdown();
    this.innerProducer = undefined;
  }

  private async producer(): Promise<Producer> {
    if (!this.innerProducer) {
      const producer = new Producer({ ...this.clientOptions, groupName: 'CLIENT_INNER_PRODUCER', instanceName: `${this.instance.clientId}-inner` });
      this.innerProducer = producer;
      await producer.start();
    }
    return this.innerProducer;
  }
}

/** Shows a retried message under its original topic (ConsumeMessageConcurrentlyService.resetRetryAndNamespace). */
export function restoreRetryTopic(message: MessageExt, group: string): void {
  const retryTopic = message.properties[MessageConst.RETRY_TOPIC];
  if (retryTopic && message.topic === `%RETRY%${group}`) message.topic = retryTopic;
  message.properties[MessageConst.CONSUME_START_TIMESTAMP] = String(Date.now());
}
