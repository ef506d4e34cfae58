/**
 * A slave copies its master's metadata (Java SlaveSynchronize.syncAll, wave2.md §a.4), every
 * 10 s as a plain remoting client of the master's listen port, in this order:
 *
 *   GET_ALL_TOPIC_CONFIG (21)             replace the table when the DataVersion differs
 *   GET_ALL_CONSUMER_OFFSET (43)          merge: the master's entries win, local-only keys stay
 *   GET_ALL_DELAY_OFFSET (45)             delayOffset.json takes the master's text
 *   GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201) replace the table when the DataVersion differs
 *
 * Each step is independent: a failure is logged and the next steps still run.
 */
import { createRequest, parseFastjson, type RemotingClient, type RemotingCommand, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import type { ConsumerOffsetManager, DelayOffsetManager, SubscriptionGroupManager, TopicConfigManager } from '@rocketmq-ts/store';
import type { ServerLogger } from '../../common/logger.ts';

export interface SyncTargets {
  topics: TopicConfigManager;
  offsets: ConsumerOffsetManager;
  delayOffsets: DelayOffsetManager;
  groups: SubscriptionGroupManager;
}

export interface SyncReport {
  masterAddr: string;
  at: number;
  topicsReplaced: boolean;
  groupsReplaced: boolean;
  failures: string[];
}

/** The `dataVersion` of a versioned table's JSON, as "counter/timestamp". */
function versionOf(text: string): string {
  const root = parseFastjson(text) as { dataVersion?: { counter?: unknown; timestamp?: unknown } } | null;
  return `${String(root?.dataVersion?.counter)}/${String(root?.dataVersion?.timestamp)}`;
}

export class SlaveSynchronize {
  /** The last completed round. */
  lastReport: SyncReport | undefined;
  private running: Promise<SyncReport | undefined> | undefined;

  constructor(
    private readonly client: RemotingClient,
    private readonly targets: SyncTargets,
    private readonly logger: ServerLogger,
    private readonly timeoutMillis = 3_000,
  ) {}

  /** One round against `masterAddr` (skipped while the previous one runs). */
  syncAll(masterAddr: string): Promise<SyncReport | undefined> {
    this.running ??= this.round(masterAddr).finally(() => (this.running = undefined));
    return this.running;
  }

  private async fetch(masterAddr: string, code: number): Promise<string> {
    const response: RemotingCommand = await this.client.invoke(masterAddr, createRequest(code), this.timeoutMillis);
    if (response.code !== ResponseCode.SUCCESS) throw new Error(`the master answered ${response.code}: ${response.remark ?? ''}`);
    return response.body?.toString('utf8') ?? '';
  }

  private async round(masterAddr: string): Promise<SyncReport> {
    const { topics, offsets, delayOffsets, groups } = this.targets;
    const report: SyncReport = { masterAddr, at: Date.now(), topicsReplaced: false, groupsReplaced: false, failures: [] };
    const step = async (name: string, code: number, apply: (text: string) => Promise<void>): Promise<void> => {
      try {
        const text = await this.fetch(masterAddr, code);
        if (text.length > 0) await apply(text);
      } catch (error) {
        report.failures.push(`${name}: ${(error as Error).message}`);
        this.logger.warn({ masterAddr, step: name, err: (error as Error).message }, 'slave sync step failed; retried in 10 s');
      }
    };
    await step('topic config', RequestCode.GET_ALL_TOPIC_CONFIG, async (text) => {
      if (versionOf(text) === `${topics.dataVersion.counter}/${topics.dataVersion.timestamp}`) return;
      topics.decode(text);
      report.topicsReplaced = true;
      await topics.persist();
    });
    await step('consumer offsets', RequestCode.GET_ALL_CONSUMER_OFFSET, async (text) => {
      offsets.merge(text);
      await offsets.persist();
    });
    await step('delay offsets', RequestCode.GET_ALL_DELAY_OFFSET, async (text) => {
      delayOffsets.decode(text);
      await delayOffsets.persist();
    });
    await step('subscription groups', RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG, async (text) => {
      if (versionOf(text) === `${groups.dataVersion.counter}/${groups.dataVersion.timestamp}`) return;
      groups.decode(text);
      report.groupsReplaced = true;
      await groups.persist();
    });
    this.lastReport = report;
    return report;
  }
}
