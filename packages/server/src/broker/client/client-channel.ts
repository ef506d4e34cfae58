import type { Connection, LanguageName } from '@rocketmq-ts/protocol';

/** One connected client as the broker knows it (ClientChannelInfo). */
export interface ClientChannel {
  readonly connection: Connection;
  clientId: string;
  language: LanguageName;
  version: number;
  lastUpdateTimestamp: number;
}
