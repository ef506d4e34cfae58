/**
 * Consumer group settings (SubscriptionGroupManager): built-in groups, auto-creation on first
 * use when autoCreateSubscriptionGroup is on (always for CID_RMQ_SYS_* groups), admin
 * create/update/delete. Pure state; persistence is the caller's, through `onChange`.
 */
import { newSubscriptionGroupConfig, type DataVersion, type SubscriptionGroupConfig } from '@rocketmq-ts/protocol';

const BUILT_IN_GROUPS = ['TOOLS_CONSUMER', 'FILTERSRV_CONSUMER', 'SELF_TEST_C_GROUP', 'CID_ONS-HTTP-PROXY', 'CID_ONSAPI_PULL', 'CID_ONSAPI_PERMISSION', 'CID_ONSAPI_OWNER'];
const SYSTEM_GROUP_PREFIX = 'CID_RMQ_SYS_';

export class SubscriptionGroupManager {
  private readonly table = new Map<string, SubscriptionGroupConfig>();
  private version: DataVersion = { counter: 0, timestamp: Date.now() };

  constructor(
    private readonly autoCreate: () => boolean,
    private readonly onChange: (group: string) => void = () => {},
  ) {
    for (const group of BUILT_IN_GROUPS) this.table.set(group, newSubscriptionGroupConfig(group));
  }

  load(groups: Iterable<SubscriptionGroupConfig>, version?: DataVersion): void {
    for (const config of groups) this.table.set(config.groupName, { ...config });
    if (version) this.version = { ...version };
  }

  get dataVersion(): DataVersion {
    return this.version;
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
    this.table.set(group, created);
    this.bump(group);
    return created;
  }

  update(config: SubscriptionGroupConfig): void {
    this.table.set(config.groupName, { ...config });
    this.bump(config.groupName);
  }

  delete(group: string): boolean {
    if (!this.table.delete(group)) return false;
    this.bump(group);
    return true;
  }

  all(): SubscriptionGroupConfig[] {
    return [...this.table.values()];
  }

  private bump(group: string): void {
    this.version = { counter: this.version.counter + 1, timestamp: Date.now() };
    this.onChange(group);
  }
}
