/**
 * Consumer groups and their live members (ConsumerManager / ConsumerGroupInfo): filled by
 * heartbeats, emptied by UNREGISTER_CLIENT, closed connections and 120 s of silence. When a
 * group's membership or subscriptions change, `onGroupChanged` is told so the broker can send
 * NOTIFY_CONSUMER_IDS_CHANGED to every member (clients then rebalance at once).
 */
import type { Connection, SubscriptionData } from '@rocketmq-ts/protocol';
import type { ClientChannel } from './client-channel.ts';

export interface ConsumerGroupInfo {
  groupName: string;
  consumeType: string;
  messageModel: string;
  consumeFromWhere: string;
  readonly channels: Map<Connection, ClientChannel>;
  readonly subscriptions: Map<string, SubscriptionData>;
  lastUpdateTimestamp: number;
}

export interface RegisterConsumerInput {
  group: string;
  channel: ClientChannel;
  consumeType: string;
  messageModel: string;
  consumeFromWhere: string;
  subscriptions: SubscriptionData[];
}

export class ConsumerManager {
  private readonly groups = new Map<string, ConsumerGroupInfo>();

  constructor(private readonly onGroupChanged: (group: string, members: ClientChannel[]) => void = () => {}) {}

  /** Returns whether the group changed (a new member or a new/removed topic). */
  registerConsumer(input: RegisterConsumerInput, notify: boolean): boolean {
    let info = this.groups.get(input.group);
    if (!info) {
      info = {
        groupName: input.group,
        consumeType: input.consumeType,
        messageModel: input.messageModel,
        consumeFromWhere: input.consumeFromWhere,
        channels: new Map(),
        subscriptions: new Map(),
        lastUpdateTimestamp: Date.now(),
      };
      this.groups.set(input.group, info);
    }
    info.consumeType = input.consumeType;
    info.messageModel = input.messageModel;
    info.consumeFromWhere = input.consumeFromWhere;
    info.lastUpdateTimestamp = Date.now();

    let changed = false;
    const known = info.channels.get(input.channel.connection);
    if (!known) {
      info.channels.set(input.channel.connection, input.channel);
      changed = true;
    } else {
      known.lastUpdateTimestamp = input.channel.lastUpdateTimestamp;
      known.clientId = input.channel.clientId;
    }

    const topics = new Set<string>();
    for (const sub of input.subscriptions) {
      topics.add(sub.topic);
      const old = info.subscriptions.get(sub.topic);
      if (!old) {
        info.subscriptions.set(sub.topic, sub);
        changed = true;
      } else if (sub.subVersion > old.subVersion) {
        info.subscriptions.set(sub.topic, sub);
      }
    }
    for (const topic of [...info.subscriptions.keys()]) {
      if (!topics.has(topic)) {
        info.subscriptions.delete(topic);
        changed = true;
      }
    }
    if (changed && notify) this.onGroupChanged(input.group, [...info.channels.values()]);
    return changed;
  }

  unregisterConsumer(group: string, connection: Connection, notify: boolean): void {
    const info = this.groups.get(group);
    if (!info || !info.channels.delete(connection)) return;
    if (info.channels.size === 0) this.groups.delete(group);
    else if (notify) this.onGroupChanged(group, [...info.channels.values()]);
  }

  /** A connection closed: remove it from every group; returns the groups it left. */
  onConnectionClosed(connection: Connection, notify: (group: string) => boolean): string[] {
    const left: string[] = [];
    for (const [group, info] of this.groups) {
      if (!info.channels.delete(connection)) continue;
      left.push(group);
      if (info.channels.size === 0) this.groups.delete(group);
      else if (notify(group)) this.onGroupChanged(group, [...info.channels.values()]);
    }
    return left;
  }

  /** Connections silent longer than `expiredMillis` (the caller closes them). */
  expiredConnections(expiredMillis: number, now = Date.now()): Connection[] {
    const expired = new Set<Connection>();
    for (const info of this.groups.values()) {
      for (const channel of info.channels.values()) if (now - channel.lastUpdateTimestamp > expiredMillis) expired.add(channel.connection);
    }
    return [...expired];
  }

  group(group: string): ConsumerGroupInfo | undefined {
    return this.groups.get(group);
  }

  groupNames(): string[] {
    return [...this.groups.keys()];
  }

  /** Client ids of a group, as GET_CONSUMER_LIST_BY_GROUP answers them. */
  clientIds(group: string): string[] {
    const info = this.groups.get(group);
    return info ? [...info.channels.values()].map((c) => c.clientId) : [];
  }

  findChannel(group: string, clientId: string): ClientChannel | undefined {
    const info = this.groups.get(group);
    if (!info) return undefined;
    for (const channel of info.channels.values()) if (channel.clientId === clientId) return channel;
    return undefined;
  }

  findSubscription(group: string, topic: string): SubscriptionData | undefined {
    return this.groups.get(group)?.subscriptions.get(topic);
  }

  /** Groups with a live member subscribed to `topic`. */
  groupsSubscribing(topic: string): string[] {
    return [...this.groups].filter(([, info]) => info.subscriptions.has(topic)).map(([group]) => group);
  }
}
