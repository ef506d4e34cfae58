/**
 * PULL_MESSAGE (11) with long polling — PullMessageProcessor (remoting-protocol.md §11.2, §13).
 * Checks in RocketMQ's order, reads from the store with tag-hash or SQL92 filtering, maps the store
 * status to the response code, commits the consumer's offset on the first pass, and holds a
 * pull that found nothing until a message arrives or its suspend time ends.
 */
import {
  buildSubscriptionData,
  createResponse,
  decodeHeader,
  encodeHeader,
  isReadable,
  PermName,
  PullMessageRequestHeader,
  PullMessageResponseHeader,
  PullSysFlag,
  type RemotingCommand,
  RequestCode,
  type RequestContext,
  type RequestHandler,
  ResponseCode,
  type SubscriptionData,
} from '@rocketmq-ts/protocol';
import type { GetMessageResult, GetMessageStatus } from '@rocketmq-ts/store';
import { RequestRejected } from '../../common/errors.ts';
import { type ConsumerFilterData, isTagType } from '../filter/consumer-filter-manager.ts';
import { pullMessageFilter } from '../filter/message-filter.ts';
import type { BrokerServices } from './services.ts';

const STATUS_CODES: Record<GetMessageStatus, number> = {
  FOUND: ResponseCode.SUCCESS,
  MESSAGE_WAS_REMOVING: ResponseCode.PULL_RETRY_IMMEDIATELY,
  NO_MATCHED_LOGIC_QUEUE: ResponseCode.PULL_NOT_FOUND,
  NO_MESSAGE_IN_QUEUE: ResponseCode.PULL_NOT_FOUND,
  OFFSET_FOUND_NULL: ResponseCode.PULL_NOT_FOUND,
  OFFSET_OVERFLOW_BADLY: ResponseCode.PULL_OFFSET_MOVED,
  OFFSET_OVERFLOW_ONE: ResponseCode.PULL_NOT_FOUND,
  OFFSET_TOO_SMALL: ResponseCode.PULL_OFFSET_MOVED,
  NO_MATCHED_MESSAGE: ResponseCode.PULL_RETRY_IMMEDIATELY,
};

/** Store statuses whose nextBeginOffset is a correction of the requested offset (not a read position). */
const CORRECTED_STATUSES: ReadonlySet<GetMessageStatus> = new Set([
  'NO_MATCHED_LOGIC_QUEUE',
  'NO_MESSAGE_IN_QUEUE',
  'OFFSET_FOUND_NULL',
  'OFFSET_OVERFLOW_BADLY',
  'OFFSET_OVERFLOW_ONE',
  'OFFSET_TOO_SMALL',
]);

/**
 * The response code for a store status. A queue with no messages at all answers "not found"
 * only to a pull from offset 0: any other offset is illegal there, and the 4.8 broker says
 * PULL_OFFSET_MOVED (nextBeginOffset 0) so the consumer resets instead of waiting at it.
 */
export function pullResponseCode(status: GetMessageStatus, queueOffset: number): number {
  if ((status === 'NO_MATCHED_LOGIC_QUEUE' || status === 'NO_MESSAGE_IN_QUEUE') && queueOffset !== 0) return ResponseCode.PULL_OFFSET_MOVED;
  return STATUS_CODES[status];
}

export { tagFilter } from '../filter/message-filter.ts';

/** A pull the broker refuses (answered with the code and remark). */
class PullRejected extends RequestRejected {}

interface PullSubscription {
  subscription: SubscriptionData;
  /** The compiled SQL92 filter; undefined for tags. */
  filterData?: ConsumerFilterData | undefined;
}

function notEnabled(services: BrokerServices, expressionType: string): PullRejected {
  return new PullRejected(
    ResponseCode.SYSTEM_ERROR,
    `The broker does not support consumer to filter message by ${expressionType}: set enablePropertyFilter=true in broker ${services.config.brokerName}'s broker.conf, or subscribe with tags`,
  );
}

/** The pull's subscription and filter: from its header (sysFlag SUBSCRIPTION) or from the group's heartbeat. */
function subscriptionFor(services: BrokerServices, header: PullMessageRequestHeader): PullSubscription {
  const { consumers, config } = services;
  if (header.sysFlag & PullSysFlag.SUBSCRIPTION) {
    const type = header.expressionType || 'TAG';
    if (isTagType(type)) return { subscription: buildSubscriptionData(header.topic, header.subscription, type, header.subVersion) };
    if (!header.subscription) throw new PullRejected(ResponseCode.SUBSCRIPTION_PARSE_FAILED, `parse the consumer's subscription failed: the ${type} expression is empty`);
    if (!config.enablePropertyFilter) throw notEnabled(services, type);
    // Apache 4.8 would pull unfiltered when the expression does not compile; we refuse it instead.
    const failure = services.selectors.failure(type, header.subscription);
    if (failure !== undefined) throw new PullRejected(ResponseCode.SUBSCRIPTION_PARSE_FAILED, `parse the consumer's subscription failed: ${failure}`);
    const subscription = buildSubscriptionData(header.topic, header.subscription, type, header.subVersion);
    const filterData: ConsumerFilterData = {
      topic: header.topic,
      group: header.consumerGroup,
      expression: header.subscription,
      expressionType: type,
      clientVersion: header.subVersion,
      selector: services.selectors.get(header.subscription),
      bornTime: Date.now(),
      deadTime: 0,
    };
    return { subscription, filterData };
  }
  const group = consumers.group(header.consumerGroup);
  if (!group) {
    throw new PullRejected(
      ResponseCode.SUBSCRIPTION_NOT_EXIST,
      `the consumer's group info not exist: group ${header.consumerGroup} has sent no heartbeat to broker ${config.brokerName} yet`,
    );
  }
  if (group.messageModel === 'BROADCASTING' && !services.groups.get(header.consumerGroup)?.consumeBroadcastEnable) {
    throw new PullRejected(ResponseCode.NO_PERMISSION, `the consumer group[${header.consumerGroup}] can not consume by broadcast way`);
  }
  const subscription = group.subscriptions.get(header.topic);
  if (!subscription) {
    throw new PullRejected(ResponseCode.SUBSCRIPTION_NOT_EXIST, `the consumer's subscription not exist: group ${header.consumerGroup} does not subscribe ${header.topic}`);
  }
  if (subscription.subVersion < header.subVersion) {
    throw new PullRejected(ResponseCode.SUBSCRIPTION_NOT_LATEST, `the consumer's subscription not latest: group ${header.consumerGroup}, topic ${header.topic}`);
  }
  if (isTagType(subscription.expressionType)) return { subscription };
  const filterData = services.filters.get(header.topic, header.consumerGroup);
  if (!filterData) {
    throw new PullRejected(
      ResponseCode.FILTER_DATA_NOT_EXIST,
      `The broker's consumer filter data is not exist!Your expression may be wrong! (group ${header.consumerGroup}, topic ${header.topic}: "${subscription.subString}" did not compile; see the broker log)`,
    );
  }
  if (filterData.clientVersion < header.subVersion) {
    throw new PullRejected(ResponseCode.FILTER_DATA_NOT_LATEST, `the consumer's consumer filter data not latest: group ${header.consumerGroup}, topic ${header.topic}`);
  }
  if (!config.enablePropertyFilter) throw notEnabled(services, subscription.expressionType);
  return { subscription, filterData };
}

async function processPull(services: BrokerServices, ctx: RequestContext, request: RemotingCommand, brokerAllowSuspend: boolean): Promise<RemotingCommand | void> {
  const { config, topics, groups, store, offsets } = services;
  const header = decodeHeader(PullMessageRequestHeader, request.extFields);
  try {
    if (!isReadable(config.brokerPermission)) throw new PullRejected(ResponseCode.NO_PERMISSION, `the broker[${config.brokerName}] pulling message is forbidden`);
    const groupConfig = groups.findOrCreate(header.consumerGroup);
    if (!groupConfig) {
      throw new PullRejected(ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST, `subscription group [${header.consumerGroup}] does not exist; create it with \`mqadmin updateSubGroup\``);
    }
    if (!groupConfig.consumeEnable) throw new PullRejected(ResponseCode.NO_PERMISSION, `subscription group no permission, ${header.consumerGroup}`);
    const topicConfig = topics.get(header.topic);
    if (!topicConfig) {
      throw new PullRejected(ResponseCode.TOPIC_NOT_EXIST, `topic[${header.topic}] not exist on broker ${config.brokerName}, apply first please`);
    }
    if (!(topicConfig.perm & PermName.READ)) throw new PullRejected(ResponseCode.NO_PERMISSION, `the topic[${header.topic}] pulling message is forbidden`);
    if (header.queueId < 0 || header.queueId >= topicConfig.readQueueNums) {
      throw new PullRejected(
        ResponseCode.SYSTEM_ERROR,
        `queueId[${header.queueId}] is illegal, topic:[${header.topic}] topicConfig.readQueueNums:[${topicConfig.readQueueNums}] consumer:[${ctx.remoteAddress}]`,
      );
    }
    const { subscription, filterData } = subscriptionFor(services, header);
    const filter = pullMessageFilter(subscription, filterData, { filterSupportRetry: config.filterSupportRetry, filters: services.filters, logger: services.logger });

    const started = performance.now();
    let result = await store.getMessage(header.consumerGroup, header.topic, header.queueId, header.queueOffset, header.maxMsgNums, filter);
    services.stats.getMessageEntireTimeMax = Math.max(services.stats.getMessageEntireTimeMax, Math.round(performance.now() - started));
    if (result.messages.length === 0) services.stats.getMisses++;
    let code = pullResponseCode(result.status, header.queueOffset);

    if ((header.sysFlag & PullSysFlag.COMMIT_OFFSET) !== 0 && brokerAllowSuspend && config.brokerRole !== 'SLAVE') {
      offsets.commitOffset(header.consumerGroup, header.topic, header.queueId, header.commitOffset);
    }

    if (code === ResponseCode.PULL_NOT_FOUND && brokerAllowSuspend && (header.sysFlag & PullSysFlag.SUSPEND) !== 0) {
      const holdMillis = config.longPollingEnable ? header.suspendTimeoutMillis : config.shortPollingTimeMills;
      // A SQL92 filter passes every consume-queue unit, so any arrival wakes the pull to evaluate it.
      services.hold.suspend(header.topic, header.queueId, {
        offset: header.queueOffset,
        deadline: Date.now() + holdMillis,
        matches: (tagsCode) => tagsCode === undefined || filter.isMatchedByConsumeQueue(tagsCode),
        resume: () => {
          void processPull(services, ctx, request, false).then(
            (response) => response && ctx.connection.reply(response),
            (error: unknown) => services.logger.error({ err: (error as Error).message }, 'a resumed pull failed'),
          );
        },
      });
      return undefined;
    }
    if (code === ResponseCode.SUCCESS) {
      services.stats.getMessages += result.messages.length;
      services.stats.getBytes += result.bufferTotalSize;
      services.stats.getFound++;
      services.statsManager.onGet(header.consumerGroup, header.topic, header.queueId, result.messages.length, result.bufferTotalSize, Math.round(performance.now() - started));
    }
    // PullMessageProcessor: with slaveReadEnable a slow consumer is sent to
    // whichBrokerWhenConsumeSlowly, others to the group's brokerId; without it, to the master.
    let suggest = config.slaveReadEnable ? (result.suggestPullingFromSlave ? groupConfig.whichBrokerWhenConsumeSlowly : groupConfig.brokerId) : 0;
    if (config.brokerRole === 'SLAVE' && !config.offsetCheckInSlave) {
      // DefaultMessageStore.nextOffsetCorrection: a slave without offsetCheckInSlave keeps the
      // requested offset, and a moved offset becomes a retry pointed at the group's broker.
      if (CORRECTED_STATUSES.has(result.status)) result = { ...result, nextBeginOffset: header.queueOffset };
      if (code === ResponseCode.PULL_OFFSET_MOVED) {
        code = ResponseCode.PULL_RETRY_IMMEDIATELY;
        suggest = groupConfig.brokerId;
      }
    }
    return pullResponse(request, code, result, suggest);
  } catch (error) {
    if (!(error instanceof PullRejected)) throw error;
    return createResponse(request, error.code, { remark: error.message });
  }
}

function pullResponse(request: RemotingCommand, code: number, result: GetMessageResult, suggestWhichBrokerId: number): RemotingCommand {
  return createResponse(request, code, {
    remark: result.status,
    extFields: encodeHeader(PullMessageResponseHeader, {
      suggestWhichBrokerId,
      nextBeginOffset: result.nextBeginOffset,
      minOffset: result.minOffset,
      maxOffset: result.maxOffset,
    }),
    body: code === ResponseCode.SUCCESS ? joinRecords(result.messages, result.bufferTotalSize) : undefined,
  });
}

/** The records as one body: a view when they lie back to back in one read buffer, else one copy. */
export function joinRecords(records: readonly Buffer[], total: number): Buffer {
  const first = records[0];
  if (!first) return Buffer.alloc(0);
  let end = first.byteOffset + first.length;
  for (let i = 1; i < records.length; i++) {
    const record = records[i]!;
    if (record.buffer !== first.buffer || record.byteOffset !== end) return Buffer.concat(records, total);
    end += record.length;
  }
  return Buffer.from(first.buffer, first.byteOffset, end - first.byteOffset);
}

export function pullHandlers(services: BrokerServices): Map<number, RequestHandler> {
  const pull: RequestHandler = async (ctx, request) => {
    if (services.stats.pullRequestsInFlight >= services.config.pullThreadPoolQueueCapacity) {
      return createResponse(request, ResponseCode.SYSTEM_BUSY, { remark: `[OVERLOAD]system busy: too many pulls in progress on ${services.config.brokerName}` });
    }
    services.stats.pullRequestsInFlight++;
    try {
      return await processPull(services, ctx, request, true);
    } finally {
      services.stats.pullRequestsInFlight--;
    }
  };
  return new Map<number, RequestHandler>([
    [RequestCode.PULL_MESSAGE, pull],
    // The 5.x DefaultLitePullConsumer pulls with its own code; Apache serves it like PULL_MESSAGE unless litePullMessageEnable=false.
    [
      RequestCode.LITE_PULL_MESSAGE,
      (ctx, request) =>
        services.config.litePullMessageEnable
          ? pull(ctx, request)
          : createResponse(request, ResponseCode.NO_PERMISSION, {
              remark: `the broker[${services.config.brokerName}] for lite pull consumer is forbidden; set litePullMessageEnable=true in broker.conf`,
            }),
    ],
  ]);
}
