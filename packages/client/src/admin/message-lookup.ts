/**
 * Finding messages for the console: by id (offsetMsgId or UNIQ_KEY), by key, by time range;
 * whether each group consumed one; consuming one directly; and re-sending a dead letter.
 */
import { decodeOffsetMessageId, formatHost, MessageConst, PullSysFlag, ResponseCode } from '@rocketmq-ts/protocol';
import type { ClientApi } from '../core/client-api.ts';
import { MQBrokerError, MQClientError } from '../errors.ts';
import { type MessageExt, RESERVED_PROPERTY_NAMES, type SendResult } from '../message.ts';
import type { ClientOptions } from '../options.ts';
import { Producer } from '../producer/producer.ts';
import type { AdminApi } from './admin-api.ts';
import type {
  ClusterView,
  ConsumeDirectlyResult,
  ConsumerConnectionView,
  ConsumeStatsView,
  MessageQueryOptions,
  MessageTrack,
  MessageView,
} from './types.ts';

/** The cluster queries a lookup needs; the Admin client answers them (kept narrow so the two modules do not import each other). */
export interface ClusterQueries {
  clusterInfo(): Promise<ClusterView>;
  topicMasters(topic: string): Promise<{ brokerName: string; addr: string; writeQueueNums: number }[]>;
  topicConsumers(topic: string): Promise<string[]>;
  consumeStats(group: string, topic?: string): Promise<ConsumeStatsView>;
  consumerConnection(group: string): Promise<ConsumerConnectionView>;
}

export interface QueuePull {
  status: string;
  nextBeginOffset: number;
  messages: MessageExt[];
}

/** The group mqadmin and the console pull with (MixAll.TOOLS_CONSUMER_GROUP). */
const TOOLS_CONSUMER_GROUP = 'TOOLS_CONSUMER';
const RESEND_PRODUCER_GROUP = 'TOOLS_RESEND_PRODUCER';
const PULL_BATCH = 32;
/** Long.MAX_VALUE is what Java sends for "no end"; JS numbers go up to 2^53 − 1. */
const NO_END = Number.MAX_SAFE_INTEGER;

export class MessageLookup {
  private producer: Promise<Producer> | undefined;

  constructor(
    private readonly admin: ClusterQueries,
    private readonly api: AdminApi,
    private readonly client: ClientApi,
    private readonly timeoutMillis: number,
    private readonly options: ClientOptions,
  ) {}

  async close(): Promise<void> {
    // A producer that failed to start has nothing to shut down; its start error went to its caller.
    const producer = await this.producer?.catch(() => undefined);
    this.producer = undefined;
    await producer?.shutdown();
  }

  view(m: MessageExt): MessageView {
    return {
      topic: m.topic,
      msgId: m.msgId,
      offsetMsgId: m.offsetMsgId,
      tags: m.tags,
      keys: m.keys,
      brokerName: m.queue.brokerName,
      queueId: m.queueId,
      queueOffset: m.queueOffset,
      commitLogOffset: m.commitLogOffset,
      reconsumeTimes: m.reconsumeTimes,
      bornTimestamp: m.bornTimestamp,
      bornHost: m.bornHost,
      storeTimestamp: m.storeTimestamp,
      storeHost: m.storeHost,
      storeSize: m.storeSize,
      sysFlag: m.sysFlag,
      properties: m.properties,
      bodyText: m.body.toString('utf8'),
      bodyBase64: m.body.toString('base64'),
    };
  }

  /** brokerName by master or slave address, from the cluster info. */
  private async brokerNameOf(addr: string): Promise<string | undefined> {
    const { brokers } = await this.admin.clusterInfo();
    return brokers.find((b) => b.addr === addr)?.brokerName;
  }

  /**
   * mqadmin queryMsgById: an offsetMsgId names the store host and commit-log offset; a client
   * id (UNIQ_KEY) is looked up in the topic's index on every broker. Both are 32 hex digits, so
   * the offset form is tried only when it names a broker of the cluster.
   */
  async find(topic: string, msgId: string): Promise<MessageExt> {
    const id = msgId.trim();
    if (!/^[0-9A-Fa-f]{32}$|^[0-9A-Fa-f]{56}$/.test(id)) throw new MQClientError(`"${msgId}" is not a message id (32 hex digits, or 56 for IPv6 hosts)`);
    let decoded: { addr: string; commitLogOffset: number } | undefined;
    try {
      const parsed = decodeOffsetMessageId(id);
      decoded = { addr: formatHost(parsed.storeHost), commitLogOffset: parsed.commitLogOffset };
    } catch {
      decoded = undefined;
    }
    if (decoded) {
      const brokerName = await this.brokerNameOf(decoded.addr);
      if (brokerName !== undefined) {
        try {
          const message = await this.api.viewMessage(decoded.addr, brokerName, decoded.commitLogOffset);
          if (message.offsetMsgId.toUpperCase() === id.toUpperCase() && (message.topic === topic || !topic)) return message;
        } catch (error) {
          if (!(error instanceof MQBrokerError)) throw error;
        }
      }
    }
    const found: MessageExt[] = [];
    for (const { brokerName, addr } of await this.admin.topicMasters(topic)) {
      const messages = await this.api.queryMessage(addr, brokerName, { topic, key: id, maxNum: 32, beginTimestamp: 0, endTimestamp: NO_END }, true);
      found.push(...messages.filter((m) => m.properties[MessageConst.UNIQ_CLIENT_MESSAGE_ID_KEYIDX] === id));
    }
    const newest = found.sort((a, b) => b.storeTimestamp - a.storeTimestamp)[0];
    if (!newest) throw new MQClientError(`no message with id ${id} in topic ${topic}; check the topic and the id (msgId or offsetMsgId)`, { code: ResponseCode.QUERY_NOT_FOUND });
    return newest;
  }

  private static range(options: MessageQueryOptions): { begin: number; end: number; maxNum: number } {
    const begin = options.begin ?? 0;
    const end = options.end ?? Date.now();
    const maxNum = options.maxNum ?? 64;
    if (!Number.isFinite(begin) || !Number.isFinite(end) || begin < 0 || end < begin) {
      throw new MQClientError(`bad time range [${begin}, ${end}]: begin and end are epoch milliseconds with begin ≤ end`);
    }
    if (!Number.isInteger(maxNum) || maxNum < 1 || maxNum > 10_000) throw new MQClientError(`maxNum must be an integer from 1 to 10000, got ${maxNum}`);
    return { begin, end, maxNum };
  }

  async byKey(topic: string, key: string, options: MessageQueryOptions): Promise<MessageExt[]> {
    const { begin, end, maxNum } = MessageLookup.range({ ...options, end: options.end ?? NO_END });
    if (key.trim() === '') throw new MQClientError('the key is blank');
    const found: MessageExt[] = [];
    for (const { brokerName, addr } of await this.admin.topicMasters(topic)) {
      const messages = await this.api.queryMessage(addr, brokerName, { topic, key, maxNum, beginTimestamp: begin, endTimestamp: end }, false);
      found.push(...messages.filter((m) => m.keys.includes(key)));
    }
    return found.sort((a, b) => b.storeTimestamp - a.storeTimestamp).slice(0, maxNum);
  }

  /** One pull from a queue as the tools consumer (mqadmin printMsg / consumeMessage / queryMsgByOffset). */
  async pullQueue(addr: string, mq: { topic: string; brokerName: string; queueId: number }, offset: number, maxNums: number, subExpression: string): Promise<QueuePull> {
    const result = await this.client.pullMessage(
      addr,
      mq.brokerName,
      {
        consumerGroup: TOOLS_CONSUMER_GROUP,
        topic: mq.topic,
        queueId: mq.queueId,
        queueOffset: offset,
        maxMsgNums: Math.max(1, Math.min(maxNums, PULL_BATCH)),
        sysFlag: PullSysFlag.SUBSCRIPTION,
        commitOffset: 0,
        suspendTimeoutMillis: 0,
        subscription: subExpression,
        subVersion: 0,
        expressionType: 'TAG',
      },
      this.timeoutMillis,
    );
    // The broker answers with whole batches of tags; keep only what the expression names, as the Java pull consumer does.
    const tags = subExpression === '*' || subExpression === '' ? undefined : new Set(subExpression.split('||').map((t) => t.trim()));
    const matched = tags ? result.messages.filter((m) => m.tags !== undefined && tags.has(m.tags)) : result.messages;
    // As the Java client's PullAPIWrapper: each pulled message carries the queue's MIN_OFFSET / MAX_OFFSET.
    const bounds = { [MessageConst.MIN_OFFSET]: String(result.minOffset), [MessageConst.MAX_OFFSET]: String(result.maxOffset) };
    const messages = matched.map((m) => ({ ...m, properties: { ...m.properties, ...bounds } }));
    return { status: result.status, nextBeginOffset: result.nextBeginOffset, messages };
  }

  async byTime(topic: string, options: MessageQueryOptions): Promise<MessageExt[]> {
    const { begin, end, maxNum } = MessageLookup.range(options);
    const found: MessageExt[] = [];
    for (const { brokerName, addr, writeQueueNums } of await this.admin.topicMasters(topic)) {
      for (let queueId = 0; queueId < writeQueueNums; queueId++) {
        const mq = { topic, brokerName, queueId };
        const max = await this.client.getMaxOffset(addr, mq, this.timeoutMillis);
        if (max <= 0) continue;
        let offset = await this.client.searchOffset(addr, mq, begin, this.timeoutMillis);
        const stop = Math.min(max, (await this.client.searchOffset(addr, mq, end, this.timeoutMillis)) + 1);
        // The newest maxNum of each queue are enough: the merged result keeps the newest maxNum.
        offset = Math.max(offset, stop - maxNum);
        while (offset < stop) {
          const result = await this.client.pullMessage(
            addr,
            brokerName,
            {
              consumerGroup: TOOLS_CONSUMER_GROUP,
              topic,
              queueId,
              queueOffset: offset,
              maxMsgNums: Math.min(PULL_BATCH, stop - offset),
              sysFlag: PullSysFlag.SUBSCRIPTION,
              commitOffset: 0,
              suspendTimeoutMillis: 0,
              subscription: '*',
              subVersion: 0,
              expressionType: 'TAG',
            },
            this.timeoutMillis,
          );
          if (result.status !== 'FOUND' || result.nextBeginOffset <= offset) break;
          found.push(...result.messages.filter((m) => m.storeTimestamp >= begin && m.storeTimestamp <= end && m.queueOffset < stop));
          offset = result.nextBeginOffset;
        }
      }
    }
    return found.sort((a, b) => b.storeTimestamp - a.storeTimestamp || b.queueOffset - a.queueOffset).slice(0, maxNum);
  }

  async track(message: MessageExt): Promise<MessageTrack[]> {
    const groups = (await this.admin.topicConsumers(message.topic)).filter((g) => g !== TOOLS_CONSUMER_GROUP);
    const tracks: MessageTrack[] = [];
    for (const group of groups) {
      const connection = await this.admin.consumerConnection(group);
      const online = connection.connections.length > 0;
      if (connection.messageModel === 'BROADCASTING') {
        tracks.push({ group, trackType: 'CONSUME_BROADCASTING', online, detail: 'broadcasting consumers keep their offsets locally' });
        continue;
      }
      const subscription = connection.subscriptions.find((s) => s.topic === message.topic);
      if (subscription && subscription.subString !== '*' && subscription.tagsSet.length > 0 && !subscription.tagsSet.includes(message.tags ?? '')) {
        tracks.push({ group, trackType: 'CONSUMED_BUT_FILTERED', online, detail: `subscribed to "${subscription.subString}", the message's tag is "${message.tags ?? ''}"` });
        continue;
      }
      const stats = await this.admin.consumeStats(group, message.topic);
      const queue = stats.queues.find((q) => q.topic === message.topic && q.brokerName === message.queue.brokerName && q.queueId === message.queueId);
      if (!queue) {
        tracks.push({ group, trackType: online ? 'UNKNOWN' : 'NOT_ONLINE', online, detail: 'the group has no offset on this queue' });
      } else if (queue.consumerOffset > message.queueOffset) {
        tracks.push({ group, trackType: 'CONSUMED', online, detail: `consumer offset ${queue.consumerOffset} > message offset ${message.queueOffset}` });
      } else {
        tracks.push({ group, trackType: online ? 'NOT_CONSUMED_YET' : 'NOT_ONLINE', online, detail: `consumer offset ${queue.consumerOffset} ≤ message offset ${message.queueOffset}` });
      }
    }
    return tracks;
  }

  async consumeDirectly(group: string, clientId: string, topic: string, msgId: string): Promise<ConsumeDirectlyResult> {
    const message = await this.find(topic, msgId);
    const result = await this.api.consumeMessageDirectly(message.storeHost, {
      consumerGroup: group,
      clientId,
      msgId: message.offsetMsgId,
      brokerName: message.queue.brokerName,
    });
    return { order: result.order, autoCommit: result.autoCommit, consumeResult: result.consumeResult, remark: result.remark, spentTimeMills: result.spentTimeMills };
  }

  private async resendProducer(): Promise<Producer> {
    this.producer ??= (async () => {
      const producer = new Producer({ ...this.options, groupName: RESEND_PRODUCER_GROUP });
      await producer.start();
      return producer;
    })();
    return this.producer;
  }

  async resendToRetry(group: string, message: MessageExt): Promise<SendResult & { originalTopic: string }> {
    const retryTopic = `%RETRY%${group}`;
    let originalTopic = message.properties[MessageConst.RETRY_TOPIC];
    if (!originalTopic && !message.topic.startsWith('%DLQ%') && !message.topic.startsWith('%RETRY%')) originalTopic = message.topic;
    if (!originalTopic) {
      throw new MQClientError(`message ${message.msgId} has no RETRY_TOPIC property, so its original topic is unknown; send it to that topic yourself`);
    }
    const properties: Record<string, string> = {};
    for (const [name, value] of Object.entries(message.properties)) if (!RESERVED_PROPERTY_NAMES.has(name)) properties[name] = value;
    properties[MessageConst.RETRY_TOPIC] = originalTopic;
    properties[MessageConst.ORIGIN_MESSAGE_ID] = message.properties[MessageConst.ORIGIN_MESSAGE_ID] ?? message.msgId;
    const producer = await this.resendProducer();
    // The header must carry maxReconsumeTimes: brokers ≥ 3.4.9 read it for %RETRY% sends (Apache
    // fails without it), and it must exceed reconsumeTimes or the message goes straight back to
    // the DLQ. Later failures are governed by the consumer's own setting, as for any retry.
    const result = await producer.sendToRetryTopic({
      topic: retryTopic,
      body: message.body,
      ...(message.tags ? { tags: message.tags } : {}),
      ...(message.keys.length > 0 ? { keys: message.keys } : {}),
      properties,
      reconsumeTimes: 0,
      maxReconsumeTimes: 16,
    });
    return { ...result, originalTopic };
  }
}
