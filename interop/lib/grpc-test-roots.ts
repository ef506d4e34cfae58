/**
 * Where this test process's @grpc/grpc-js takes its default trusted CAs from. grpc-js reads the
 * GRPC_DEFAULT_SSL_ROOTS_FILE_PATH variable once, when it loads, and the file at its first TLS
 * channel; rocketmq-client-nodejs (`sslEnabled`) offers no other way to trust a test CA. Import
 * this module before anything that loads grpc-js, then write the CA there before the first
 * client starts. Test code only.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const GRPC_TEST_ROOTS_FILE = join(tmpdir(), `rmqts-grpc-roots-${process.pid}.pem`);
process.env.GRPC_DEFAULT_SSL_ROOTS_FILE_PATH = GRPC_TEST_ROOTS_FILE;
