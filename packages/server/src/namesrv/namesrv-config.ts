/**
 * Name server settings with RocketMQ's key names (NamesrvConfig + NettyServerConfig) as one
 * schema (config/schema.ts). Durations are milliseconds unless the name says otherwise.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { tlsSettings } from '../common/tls-config.ts';
import { bool, defaultsOf, int, type SettingsValues, text } from '../config/schema.ts';

export const namesrvSettings = {
  listenPort: int(9876, { doc: 'Remoting port; 0 = any free port.', important: true, min: 0, max: 65535 }),
  bindAddress: text('0.0.0.0', { doc: 'Address to bind; RocketMQ binds every interface.', allowEmpty: false, pattern: /^([A-Za-z0-9._-]+|[0-9A-Fa-f:]*:[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*)$/, rule: 'be an IP address or host name', invalidExample: '0.0.0.0:9876' }),
  rocketmqHome: text(process.env.ROCKETMQ_HOME ?? '', { shownDefault: '$ROCKETMQ_HOME, else empty', doc: 'Installation directory (ROCKETMQ_HOME).', important: true }),
  kvConfigPath: text(join(homedir(), 'namesrv', 'kvConfig.json'), { shownDefault: '~/namesrv/kvConfig.json', doc: 'Where KV settings (updateKvConfig, ORDER_TOPIC_CONFIG) are kept.', important: true, allowEmpty: false }),
  configStorePath: text(join(homedir(), 'namesrv', 'namesrv.properties'), {
    shownDefault: '~/namesrv/namesrv.properties',
    doc: 'Where Apache persists updateNamesrvConfig changes.',
    notImplemented: 'updateNamesrvConfig changes are not written to a file (they last until restart)',
  }),
  productEnvName: text('center', { doc: 'Environment name, informational.', allowEmpty: false }),
  clusterTest: bool(false, { doc: 'Apache test mode.', notImplemented: 'clusterTest mode is not implemented' }),
  orderMessageEnable: bool(false, { doc: 'Return ORDER_TOPIC_CONFIG KV entries with routes.', important: true }),
  scanNotActiveBrokerInterval: int(10_000, { doc: 'How often silent brokers are looked for (RocketMQ: fixed 10 s).', min: 1 }),
  brokerChannelExpiredTime: int(120_000, { doc: 'A broker silent for this long is dropped (RocketMQ: 120 s).', min: 1 }),
  serverChannelMaxIdleTimeSeconds: int(120, { doc: 'A connection silent this long (seconds) is closed.', min: 1 }),
  maxFrameLength: int(16 * 1024 * 1024, { doc: 'Largest frame accepted (Netty frameMaxLength, bytes).', min: 1024 }),
  // TLS on listenPort: common/tls-config.ts
  ...tlsSettings,
};

export const namesrvDefaults = defaultsOf(namesrvSettings);

export type NamesrvConfig = SettingsValues<typeof namesrvSettings>;

/** The settings `mqnamesrv -m` prints: the ones people change. */
export const importantNamesrvKeys = Object.keys(namesrvSettings).filter((key) => namesrvSettings[key as keyof NamesrvConfig].important) as (keyof NamesrvConfig)[];

/** JVM tuning keys of namesrv.conf with no meaning on Node's event loop: accepted with a warning. */
export const namesrvNoEffectKeys: Record<string, string> = Object.fromEntries(
  ['serverWorkerThreads', 'serverCallbackExecutorThreads', 'serverSelectorThreads', 'serverOnewaySemaphoreValue', 'serverAsyncSemaphoreValue', 'useEpollNativeSelector', 'serverPooledByteBufAllocatorEnable', 'defaultThreadPoolNums'].map((key) => [
    key,
    'it tunes Java threads or memory; rocketmq-ts runs on one Node.js event loop',
  ]),
);
