/**
 * The two servers differential tests run against: our name server + broker, and Apache
 * RocketMQ 4.8.0 from Maven Central in a temporary store directory removed on stop.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApache } from '../../bench/lib/apache-servers.ts';
import { startApacheRocketMQ } from './apache-rocketmq.ts';

export interface RunningTarget {
  namesrvAddr: string;
  brokerAddr: string;
  stop(): Promise<void>;
}

/** Apache RocketMQ 4.8.0 on loopback with its own temporary store; `prefix` names the temp dir. */
export async function startApacheTarget(prefix: string, brokerConf?: Record<string, string>, plainAclYaml?: string): Promise<RunningTarget> {
  const root = await mkdtemp(join(tmpdir(), `rmqts-${prefix}-apache-`));
  const rmq = await startApacheRocketMQ({ storeDir: join(root, 'store'), ...(brokerConf ? { brokerConf } : {}), ...(plainAclYaml !== undefined ? { plainAclYaml } : {}) }).catch((error: unknown) => {
    rmSync(root, { recursive: true, force: true });
    throw error;
  });
  return {
    namesrvAddr: rmq.namesrvAddr,
    brokerAddr: rmq.brokerAddr,
    stop: async () => {
      try {
        await rmq.stop();
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Apache RocketMQ 5.3.3 (bench/apache/prepare.sh --servers-only 5.3.3) on loopback, ASYNC_FLUSH,
 * in a temporary directory removed on stop; `prefix` names the directory.
 */
export async function startApache5Target(prefix: string): Promise<Omit<RunningTarget, 'brokerAddr'>> {
  const workDir = await mkdtemp(join(tmpdir(), `rmqts-${prefix}-apache5-`));
  const apache = await startApache('5.3.3', { flushDiskType: 'ASYNC_FLUSH', workDir, topics: [] }).catch((error: unknown) => {
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  });
  return {
    namesrvAddr: apache.namesrvAddr,
    stop: async () => {
      try {
        await apache.stop();
      } finally {
        rmSync(workDir, { recursive: true, force: true });
      }
    },
  };
}

/** A topic or group name no other test uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
}
