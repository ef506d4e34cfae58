import type { HostAddress } from '@rocketmq-ts/protocol';
import type { ConsumerOffsetManager, DelayOffsetManager, MessageStoreApi } from '@rocketmq-ts/store';
import type { ServerLogger } from '../../common/logger.ts';
import type { BrokerConfig } from '../broker-config.ts';
import type { ConsumerManager } from '../client/consumer-manager.ts';
import type { ProducerManager } from '../client/producer-manager.ts';
import type { RebalanceLockManager } from '../client/rebalance-lock-manager.ts';
import type { SubscriptionGroupManager } from '../group/subscription-group-manager.ts';
import type { PullRequestHoldService } from '../long-poll/pull-request-hold-service.ts';
import type { TopicConfigManager } from '../topic/topic-config-manager.ts';

/** Counters shown by GET_BROKER_RUNTIME_INFO and the console. */
export interface BrokerStats {
  putMessages: number;
  putBytes: number;
  getMessages: number;
  getBytes: number;
  sendRequestsInFlight: number;
  pullRequestsInFlight: number;
}

/** Everything broker handlers work with; handlers never see sockets. */
export interface BrokerServices {
  readonly config: BrokerConfig;
  readonly store: MessageStoreApi;
  readonly topics: TopicConfigManager;
  readonly groups: SubscriptionGroupManager;
  readonly consumers: ConsumerManager;
  readonly producers: ProducerManager;
  readonly locks: RebalanceLockManager;
  readonly offsets: ConsumerOffsetManager;
  /** Delivery progress per delay level (delayOffset.json). */
  readonly delayOffsets: DelayOffsetManager;
  readonly hold: PullRequestHoldService;
  readonly logger: ServerLogger;
  /** brokerIP1:listenPort — written into every record and offsetMsgId. */
  readonly storeHost: HostAddress;
  readonly stats: BrokerStats;
  /** Delay of each level in ms (messageDelayLevel), level 1 first. */
  readonly delayLevels: readonly number[];
  /** Re-register with every name server now (after a topic change); resolves when they answered. */
  registerBrokerAll(): Promise<void>;
  /** Milliseconds since the broker started accepting sends. */
  readonly startTimestamp: number;
}
