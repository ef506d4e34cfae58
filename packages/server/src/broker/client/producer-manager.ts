/**
 * Producer groups and their live connections (ProducerManager): used to route transaction
 * check-backs by producer group, replies by client id, and for GET_PRODUCER_CONNECTION_LIST.
 */
import type { Connection } from '@rocketmq-ts/protocol';
import type { ClientChannel } from './client-channel.ts';

export class ProducerManager {
  private readonly groups = new Map<string, Map<Connection, ClientChannel>>();
  private nextPick = 0;

  registerProducer(group: string, channel: ClientChannel): void {
    let channels = this.groups.get(group);
    if (!channels) this.groups.set(group, (channels = new Map()));
    const known = channels.get(channel.connection);
    if (known) known.lastUpdateTimestamp = channel.lastUpdateTimestamp;
    else channels.set(channel.connection, channel);
  }

  unregisterProducer(group: string, connection: Connection): void {
    const channels = this.groups.get(group);
    if (!channels) return;
    channels.delete(connection);
    if (channels.size === 0) this.groups.delete(group);
  }

  onConnectionClosed(connection: Connection): void {
    for (const group of [...this.groups.keys()]) this.unregisterProducer(group, connection);
  }

  expiredConnections(expiredMillis: number, now = Date.now()): Connection[] {
    const expired: Connection[] = [];
    for (const channels of this.groups.values()) {
      for (const channel of channels.values()) if (now - channel.lastUpdateTimestamp > expiredMillis) expired.push(channel.connection);
    }
    return expired;
  }

  channels(group: string): ClientChannel[] {
    return [...(this.groups.get(group)?.values() ?? [])];
  }

  /** One live connection of the group, rotating (transaction check-back). */
  availableChannel(group: string): ClientChannel | undefined {
    const live = this.channels(group).filter((c) => !c.connection.closed);
    if (live.length === 0) return undefined;
    return live[this.nextPick++ % live.length];
  }

  findByClientId(clientId: string): ClientChannel | undefined {
    for (const channels of this.groups.values()) for (const channel of channels.values()) if (channel.clientId === clientId) return channel;
    return undefined;
  }

  groupNames(): string[] {
    return [...this.groups.keys()];
  }
}
