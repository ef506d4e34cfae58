/** For tests and sibling packages only. */
export { NameServer } from './namesrv/name-server.ts';
export { Broker } from './broker/broker.ts';
export { freeBrokerPort, startBroker, startCluster, type TestCluster } from './testing/start-cluster.ts';
export { namesrvHandlerTable } from './namesrv/name-server.ts';
export { brokerHandlerTable } from './broker/handlers/index.ts';
export type { BrokerConfig } from './broker/broker-config.ts';
