/**
 * The v5 protocol definitions (apache/rocketmq-apis `apache/rocketmq/v2/*.proto`), loaded from
 * the .proto files the official Node.js client `rocketmq-client-nodejs` publishes, rather than a
 * hand-copied set: the server speaks exactly the definitions that client was built from.
 * Fields are camelCase, int64 as JS numbers, enums as their names, oneofs named by `oneofs`.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadPackageDefinition, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

const require = createRequire(import.meta.url);

export function protoRoot(): string {
  return join(dirname(require.resolve('rocketmq-client-nodejs/package.json')), 'proto');
}

/** The `apache.rocketmq.v2.MessagingService` definition, ready for `Server.addService`. */
export function messagingServiceDefinition(): ServiceDefinition {
  const definition = loadSync('apache/rocketmq/v2/service.proto', {
    includeDirs: [protoRoot()],
    keepCase: false,
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const root = loadPackageDefinition(definition) as unknown as { apache: { rocketmq: { v2: { MessagingService: { service: ServiceDefinition } } } } };
  return root.apache.rocketmq.v2.MessagingService.service;
}
