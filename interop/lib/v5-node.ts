/**
 * Shared parts of the tests that drive the official v5 Node.js client (`rocketmq-client-nodejs`)
 * against our broker: a silent logger (the client logs to ~/logs by default) and a plain topic
 * created through the admin client. Test code only.
 */
import { Admin } from '@rocketmq-ts/client';

/** The client's logger, silent: tests surface errors through their assertions. */
export const quietV5Logger = { info(): void {}, warn(): void {}, error(): void {}, debug(): void {}, close(): void {} };

/** A 4-queue topic on one broker, as `mqadmin updateTopic` makes it. */
export async function createPlainTopic(namesrvAddr: string, brokerAddr: string, topic: string): Promise<void> {
  const admin = new Admin({ namesrvAddr });
  await admin.start();
  try {
    await admin.createOrUpdateTopic({ topic, readQueueNums: 4, writeQueueNums: 4 }, { brokerAddr });
  } finally {
    await admin.shutdown();
  }
}
