/**
 * One long-polling pull of a queue (PullAPIWrapper): find the queue's master, send
 * PULL_MESSAGE with the subscription, and filter the found messages by tag as the Java client
 * does after the broker's tag-hash filter. Flow control and what to do with the messages stay
 * with each consumer.
 */
import { ResponseCode, type SubscriptionData } from '@rocketmq-ts/protocol';
import type { ClientInstance } from '../core/client-instance.ts';
import type { PullResult } from '../core/client-api.ts';
import type { MessageExt } from '../message.ts';
import { MQBrokerError } from '../errors.ts';
import type { ProcessQueue } from './process-queue.ts';
import { matchesTags } from './subscription.ts';

export interface PullSpec {
  subscription: SubscriptionData;
  sysFlag: number;
  commitOffset: number;
  batchSize: number;
  /** How long the broker may hold the pull when nothing is new. */
  suspendMillis: number;
  /** RPC timeout: suspendMillis plus room for the answer. */
  timeoutMillis: number;
  /** @defaultValue the subscription's version */
  subVersion?: number;
}

export type PullOutcome =
  | { kind: 'pulled'; result: PullResult; messages: MessageExt[] }
  /** No master known for the queue's broker, even after a route refresh. */
  | { kind: 'no-broker' }
  /**
   * The pull failed (timeout, connection, broker error); logged. `retryNow`: pulling again at
   * once may succeed, because the refreshed route names another master for the queue's broker,
   * or because the broker, which refused the pull for want of this consumer's heartbeat, has
   * just been sent one.
   */
  | { kind: 'failed'; retryNow: boolean };

export class PullService {
  /** Route refreshes under way, one per topic: every queue of a dead broker fails at once. */
  private readonly refreshing = new Map<string, Promise<unknown>>();

  constructor(
    private readonly instance: ClientInstance,
    private readonly group: string,
  ) {}

  async pull(pq: ProcessQueue, spec: PullSpec): Promise<PullOutcome> {
    const { mq } = pq;
    // A failed route refresh leaves no address: answered as no-broker, and the pull loop retries.
    const addr = this.instance.masterAddr(mq.brokerName) ?? (await this.instance.updateRoute(mq.topic).catch(() => undefined), this.instance.masterAddr(mq.brokerName));
    if (!addr) return { kind: 'no-broker' };
    let result: PullResult;
    try {
      result = await this.instance.api.pullMessage(
        addr,
        mq.brokerName,
        {
          consumerGroup: this.group,
          topic: mq.topic,
          queueId: mq.queueId,
          queueOffset: pq.nextOffset,
          maxMsgNums: spec.batchSize,
          sysFlag: spec.sysFlag,
          commitOffset: spec.commitOffset,
          suspendTimeoutMillis: spec.suspendMillis,
          subscription: spec.subscription.subString,
          subVersion: spec.subVersion ?? spec.subscription.subVersion,
          expressionType: spec.subscription.expressionType,
        },
        spec.timeoutMillis,
      );
    } catch (error) {
      if (!pq.dropped) this.instance.logger.warn({ mq, err: String(error) }, 'pull failed; retrying shortly');
      // No broker answer: the broker may be gone and another one master now (controller-mode
      // failover). Ask the name server at once, as the producer does after a failed send,
      // instead of pulling from the dead address until the pollNameServerInterval refresh.
      if (pq.dropped) return { kind: 'failed', retryNow: false };
      if (error instanceof MQBrokerError) {
        // A broker that has not heard this consumer since it started (a restarted broker just
        // made master) refuses its pulls until the next heartbeat, up to heartbeatBrokerInterval
        // (30 s) away: send it one now.
        if (error.responseCode === ResponseCode.SUBSCRIPTION_NOT_EXIST) return { kind: 'failed', retryNow: await this.instance.heartbeatNow(addr) };
        return { kind: 'failed', retryNow: false };
      }
      await this.refreshRoute(mq.topic);
      const now = this.instance.masterAddr(mq.brokerName);
      return { kind: 'failed', retryNow: now !== undefined && now !== addr };
    }
    const messages = result.status === 'FOUND' ? result.messages.filter((message) => matchesTags(message, spec.subscription)) : [];
    return { kind: 'pulled', result, messages };
  }

  private refreshRoute(topic: string): Promise<unknown> {
    let running = this.refreshing.get(topic);
    if (!running) {
      running = this.instance
        .updateRoute(topic)
        .catch(() => undefined)
        .finally(() => this.refreshing.delete(topic));
      this.refreshing.set(topic, running);
    }
    return running;
  }
}
