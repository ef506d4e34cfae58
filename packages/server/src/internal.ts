/** For tests and sibling packages only. */
export { NameServer } from './namesrv/name-server.ts';
export { Broker } from './broker/broker.ts';
export { freeBrokerPort, startBroker, startCluster, type TestCluster } from './testing/start-cluster.ts';
export { createTopicOnBroker } from './testing/raw-requests.ts';
export { namesrvHandlerTable } from './namesrv/name-server.ts';
export { brokerHandlerTable } from './broker/handlers/index.ts';
export type { BrokerConfig } from './broker/broker-config.ts';
export { addressMatcher } from './broker/acl/remote-address.ts';
export { checkPermission, parsePerm, Perm } from './broker/acl/permission.ts';
export { parsePlainAclYaml, plainAclYaml, compileAccount } from './broker/acl/plain-acl-config.ts';
export { parseAccessResource } from './broker/acl/access-resource.ts';
export { AclDeniedError, PlainPermissionManager, validateAccess } from './broker/acl/plain-permission-manager.ts';
export { hasOpenssl, makeTestCerts, type TestCerts } from './testing/test-certs.ts';
