/**
 * @rocketmq-ts/protocol — the RocketMQ 4.x remoting protocol: frame codec, header tables,
 * message layouts, the fastjson dialect, and a TCP transport. No knowledge of brokers or stores.
 */
export * from './codes/request-code.ts';
export * from './codes/response-code.ts';
export * from './codes/language-code.ts';
export * from './codes/flags.ts';
export * from './codec/command.ts';
export * from './codec/frame.ts';
export * from './codec/frame-decoder.ts';
export { javaStringHash, javaStringMapOrder, javaMapOrder, javaLongHash, type JavaMapKind } from './codec/java-hash.ts';
export * from './headers/index.ts';
export * from './json/fastjson.ts';
export * from './message/properties.ts';
export * from './message/stored-message.ts';
export * from './message/batch.ts';
export * from './message/message-id.ts';
export * from './message/host.ts';
export * from './message/sys-flag.ts';
export * from './message/tag-hash.ts';
export * from './message/compression.ts';
export * from './message/recall-handle.ts';
export * from './transport/logger.ts';
export * from './transport/connection.ts';
export * from './transport/inbound-budget.ts';
export * from './transport/dispatch.ts';
export * from './transport/remoting-server.ts';
export * from './transport/remoting-client.ts';
export * from './errors.ts';
export * from './bodies/route.ts';
export * from './bodies/group.ts';
export * from './bodies/heartbeat.ts';
export * from './bodies/admin.ts';
export * from './transport/local-address.ts';
export * from './acl/signature.ts';
export * from './transport/first-byte.ts';
