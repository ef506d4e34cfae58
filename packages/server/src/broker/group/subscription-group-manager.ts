/**
 * Consumer group settings (SubscriptionGroupManager): built-in groups, auto-creation on first
 * use when autoCreateSubscriptionGroup is on (always for CID_RMQ_SYS_* groups), admin
 * create/update/delete. The entries live in subscriptionGroup.json (the store's table).
 */
import { newSubscriptionGroupConfig, type SubscriptionGroupConfig } from '@rocketmq-ts/protocol';
import type { SubscriptionGroupManager as SubscriptionGroupTable } from '@rocketmq-ts/store';

const BUILT_IN_GROUPS = ['TOOLS_CONSUMER', 'FILTERSRV_CONSUMER', 'SELF_TEST_C_GROUP', 'CID_ONS-HTTP-PROXY', 'CID_ONSAPI_PULL', 'CID_ONSAPI_PERMISSION', 'CID_ONSAPI_OWNER'];
const SYSTEM_GROUP_PREFIX = 'CID_RMQ_SYS_';

export class SubscriptionGroupManager {
  constructor(
    private readonly table: SubscriptionGroupTable,
    private readonly autoCreate: () => boolean,
  ) {
    for (const group of BUILT_IN_GROUPS) if (!table.has(group)) table.set(newSubscriptionGroupConfig(group));
  }

  get(group: string): SubscriptionGroupConfig | undefined {
    return this.table.get(group);
  }

  /** The group's settings, created with defaults when allowed; undefined otherwise. */
  findOrCreate(group: string): SubscriptionGroupConfig | undefined {
    const existing = this.table.get(group);
    if (existing) return existing;
    if (!this.autoCreate() && !group.startsWith(SYSTEM_GROUP_PREFIX)) return undefined;
    const created = newSubscriptionGroupConfig(group);
    this.table.set(created);
    return created;
  }

  update(config: SubscriptionGroupConfig): void {
    this.table.set({ ...config });
  }

  delete(group: string): boolean {
    return this.table.delete(group);
  }

  all(): SubscriptionGroupConfig[] {
    return [...this.table.values()];
  }

  get dataVersion() {
    return { ...this.table.dataVersion };
  }
}
