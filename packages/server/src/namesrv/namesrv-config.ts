/**
 * Name server settings with RocketMQ's key names (NamesrvConfig + NettyServerConfig) and
 * defaults in one place. Durations are milliseconds unless the name says otherwise.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { tlsDefaults } from '../common/tls-config.ts';

export const namesrvDefaults = {
  listenPort: 9876,
  /** Address to bind; RocketMQ binds every interface. */
  bindAddress: '0.0.0.0',
  rocketmqHome: process.env.ROCKETMQ_HOME ?? '',
  kvConfigPath: join(homedir(), 'namesrv', 'kvConfig.json'),
  configStorePath: join(homedir(), 'namesrv', 'namesrv.properties'),
  productEnvName: 'center',
  clusterTest: false,
  orderMessageEnable: false,
  /** How often silent brokers are looked for (RocketMQ: fixed 10 s). */
  scanNotActiveBrokerInterval: 10_000,
  /** A broker silent for this long is dropped (RocketMQ: BROKER_CHANNEL_EXPIRED_TIME, 120 s). */
  brokerChannelExpiredTime: 120_000,
  serverChannelMaxIdleTimeSeconds: 120,
  /** Largest frame accepted (Netty frameMaxLength). */
  maxFrameLength: 16 * 1024 * 1024,
  /** TLS on listenPort (tls.server.*); see common/tls-config.ts. */
  ...tlsDefaults,
};

export type NamesrvConfig = typeof namesrvDefaults;

/** The settings `mqnamesrv -m` prints: the ones people change. */
export const importantNamesrvKeys: (keyof NamesrvConfig)[] = ['listenPort', 'kvConfigPath', 'orderMessageEnable', 'rocketmqHome'];
