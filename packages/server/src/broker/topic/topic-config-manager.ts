/**
 * The broker's topics (TopicConfigManager): system topics created at start, auto-creation
 * from a template topic during send (TBW102 with the INHERIT bit), retry/DLQ topics for
 * consumer groups, admin create/update/delete, and a data version that tells the name server
 * when to take new routes. Pure state: persistence and name server registration are the
 * caller's, through `onChange`.
 */
import { newTopicConfig, PermName, type DataVersion, type TopicConfig, type TopicConfigSerializeWrapper } from '@rocketmq-ts/protocol';
import { TIMER_TOPIC, type TopicConfigManager as TopicConfigTable } from '@rocketmq-ts/store';
import type { BrokerConfig } from '../broker-config.ts';
import { replyTopic, SCHEDULE_TOPIC_QUEUE_NUM, SystemTopic } from './system-topics.ts';

export type TopicChange = { kind: 'created' | 'updated' | 'deleted'; topic: string; config?: TopicConfig };

export class TopicConfigManager {
  private readonly systemTopics = new Set<string>();

  /**
   * @param table topics.json (loaded); it keeps the entries and the data version and persists them
   */
  constructor(
    private readonly config: Pick<
      BrokerConfig,
      'brokerClusterName' | 'brokerName' | 'autoCreateTopicEnable' | 'defaultTopicQueueNums' | 'clusterTopicEnable' | 'brokerTopicEnable' | 'traceTopicEnable' | 'msgTraceTopicName'
    >,
    private readonly table: TopicConfigTable,
    private readonly onChange: (change: TopicChange) => void = () => {},
  ) {
    // Built-in topics are added unless topics.json already has them (the file wins, as in RocketMQ).
    const system = (name: string, init: Partial<TopicConfig>): void => {
      this.systemTopics.add(name);
      if (!table.has(name)) table.set(newTopicConfig(name, init));
    };
    const rwx = PermName.READ | PermName.WRITE | PermName.INHERIT;
    system(SystemTopic.SELF_TEST, { readQueueNums: 1, writeQueueNums: 1 });
    if (config.autoCreateTopicEnable) {
      system(SystemTopic.AUTO_CREATE_TOPIC_KEY, { readQueueNums: config.defaultTopicQueueNums, writeQueueNums: config.defaultTopicQueueNums, perm: rwx });
    }
    system(SystemTopic.BENCHMARK, { readQueueNums: 1024, writeQueueNums: 1024 });
    system(config.brokerClusterName, { perm: PermName.INHERIT | (config.clusterTopicEnable ? PermName.READ | PermName.WRITE : 0) });
    system(config.brokerName, { readQueueNums: 1, writeQueueNums: 1, perm: PermName.INHERIT | (config.brokerTopicEnable ? PermName.READ | PermName.WRITE : 0) });
    system(SystemTopic.OFFSET_MOVED_EVENT, { readQueueNums: 1, writeQueueNums: 1 });
    system(SystemTopic.SCHEDULE, { readQueueNums: SCHEDULE_TOPIC_QUEUE_NUM, writeQueueNums: SCHEDULE_TOPIC_QUEUE_NUM });
    // 5.x keeps timer messages here (TimerMessageStore.TIMER_TOPIC).
    system(TIMER_TOPIC, { readQueueNums: 1, writeQueueNums: 1 });
    if (config.traceTopicEnable) system(config.msgTraceTopicName, { readQueueNums: 1, writeQueueNums: 1 });
    system(replyTopic(config.brokerClusterName), { readQueueNums: 1, writeQueueNums: 1 });
    this.systemTopics.add(SystemTopic.TRANS_HALF).add(SystemTopic.TRANS_OP_HALF).add(SystemTopic.TRANS_CHECK_MAX_TIME);
  }

  get(topic: string): TopicConfig | undefined {
    return this.table.get(topic);
  }

  has(topic: string): boolean {
    return this.table.has(topic);
  }

  isSystemTopic(topic: string): boolean {
    return this.systemTopics.has(topic) || topic.startsWith('rmq_sys_');
  }

  get dataVersion(): DataVersion {
    return { ...this.table.dataVersion };
  }

  all(): TopicConfig[] {
    return [...this.table.values()];
  }

  wrapper(): TopicConfigSerializeWrapper {
    return { dataVersion: this.dataVersion, topicConfigTable: new Map(this.all().map((config) => [config.topicName, config])) };
  }

  private put(kind: TopicChange['kind'], config: TopicConfig): TopicConfig {
    this.table.set(config);
    this.onChange({ kind, topic: config.topicName, config });
    return config;
  }

  /**
   * Send path: the topic, created from `defaultTopic` when it is unknown and the template
   * allows it (INHERIT bit): min(client queue count, template's write queues), the template's
   * perm without INHERIT. Undefined when it cannot be created.
   */
  createTopicInSendMessageMethod(topic: string, defaultTopic: string, clientDefaultTopicQueueNums: number, topicSysFlag: number): TopicConfig | undefined {
    const existing = this.table.get(topic);
    if (existing) return existing;
    const template = this.table.get(defaultTopic);
    if (!template || !(template.perm & PermName.INHERIT)) return undefined;
    const queueNums = Math.max(0, Math.min(clientDefaultTopicQueueNums, template.writeQueueNums));
    return this.put('created', newTopicConfig(topic, { readQueueNums: queueNums, writeQueueNums: queueNums, perm: template.perm & ~PermName.INHERIT, topicSysFlag }));
  }

  /** Retry, DLQ and transaction topics: created on demand with a fixed shape. */
  createTopicInSendMessageBackMethod(topic: string, queueNums: number, perm: number, topicSysFlag = 0): TopicConfig {
    return this.table.get(topic) ?? this.put('created', newTopicConfig(topic, { readQueueNums: queueNums, writeQueueNums: queueNums, perm, topicSysFlag }));
  }

  /** Resolves once topics.json holds every change made so far (written now if one is pending). */
  persisted(): Promise<void> {
    return this.table.whenPersisted();
  }

  /** UPDATE_AND_CREATE_TOPIC. */
  updateTopicConfig(config: TopicConfig): void {
    this.put(this.table.has(config.topicName) ? 'updated' : 'created', { ...config });
  }

  deleteTopic(topic: string): boolean {
    if (!this.table.delete(topic)) return false;
    this.onChange({ kind: 'deleted', topic });
    return true;
  }

  /** What REGISTER_BROKER carries: with a non-RW broker permission every topic takes it. */
  registrationWrapper(brokerPermission: number): TopicConfigSerializeWrapper {
    const wrapper = this.wrapper();
    if ((brokerPermission & (PermName.READ | PermName.WRITE)) !== (PermName.READ | PermName.WRITE)) {
      for (const [name, config] of wrapper.topicConfigTable) wrapper.topicConfigTable.set(name, { ...config, perm: brokerPermission });
    }
    return wrapper;
  }
}
