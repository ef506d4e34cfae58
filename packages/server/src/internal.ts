/** For tests and sibling packages only. */
export { NameServer } from './namesrv/name-server.ts';
export { Broker } from './broker/broker.ts';
export { startCluster, type TestCluster } from './testing/start-cluster.ts';
