/**
 * The broker's ACL 1.0 state (Apache 4.x PlainPermissionManager): the accounts and global white
 * list from plain_acl.yml, the check run before every request, the admin updates (written back
 * to the file with a new dataVersion) and a reload whenever the file changes. Secret keys never
 * go to the logger.
 */
import { type Stats, unwatchFile, watchFile } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { calSignature, ResponseCode, RocketMQError } from '@rocketmq-ts/protocol';
import type { ServerLogger } from '../../common/logger.ts';
import type { AccessResource } from './access-resource.ts';
import { ADMIN_ONLY_CODES, checkPermission } from './permission.ts';
import {
  checkKeys,
  compileAccount,
  groupOfRetryTopic,
  isRetryTopic,
  parsePlainAclYaml,
  type PlainAccessConfig,
  type PlainAccount,
  type PlainAclFile,
  plainAclYaml,
} from './plain-acl-config.ts';
import { type AddressMatcher, addressMatcher, AclConfigError } from './remote-address.ts';

/**
 * A refused request. Apache answers SYSTEM_ERROR with the AclException's toString() (plus a
 * stack frame); the remark keeps the exception's class name so tools that look for it work.
 */
export class AclDeniedError extends RocketMQError {
  constructor(readonly reason: string) {
    super(`org.apache.rocketmq.acl.common.AclException: ${reason}`, { code: ResponseCode.SYSTEM_ERROR });
  }
}

interface Compiled {
  file: PlainAclFile;
  globalWhite: AddressMatcher[];
  accounts: Map<string, PlainAccount>;
}

function compile(file: PlainAclFile): Compiled {
  return {
    file,
    globalWhite: file.globalWhiteRemoteAddresses.map((pattern) => addressMatcher(pattern)),
    accounts: new Map(file.accounts.map((account) => [account.accessKey, compileAccount(account)])),
  };
}

function resourceText(resource: string): string {
  return isRetryTopic(resource) ? `group:${groupOfRetryTopic(resource)}` : `topic:${resource}`;
}

/** The check itself (PlainPermissionManager.validate + checkPerm), a pure function of the state. */
export function validateAccess(state: Pick<Compiled, 'globalWhite' | 'accounts'>, resource: AccessResource): void {
  if (state.globalWhite.some((match) => match(resource.peerIp))) return;
  const accessKey = resource.accessKey;
  if (accessKey === undefined) throw new AclDeniedError('No accessKey is configured');
  const owned = state.accounts.get(accessKey);
  if (!owned) throw new AclDeniedError(`No acl config for ${accessKey}`);
  if (owned.whiteAddress(resource.peerIp)) return;
  const expected = calSignature(resource.content(), owned.config.secretKey);
  if (expected !== resource.signature) throw new AclDeniedError(`Check signature failed for accessKey=${accessKey}`);
  if (ADMIN_ONLY_CODES.has(resource.code) && !owned.config.admin) {
    throw new AclDeniedError(`Need admin permission for request code=${resource.code}, but accessKey=${accessKey} is not`);
  }
  if (resource.needed.size === 0) return;
  if (owned.resourcePerms === undefined && owned.config.admin) return;
  for (const [name, neededPerm] of resource.needed) {
    const listed = owned.resourcePerms?.get(name);
    const ownedPerm = listed ?? (isRetryTopic(name) ? owned.defaultGroupPerm : owned.defaultTopicPerm);
    if (!checkPermission(neededPerm, ownedPerm)) throw new AclDeniedError(`No default permission for ${resourceText(name)}`);
  }
}

/** UPDATE_AND_CREATE_ACL_CONFIG fields; an undefined field keeps the account's current value. */
export interface AccountUpdate {
  accessKey: string;
  secretKey?: string | undefined;
  whiteRemoteAddress?: string | undefined;
  admin: boolean;
  defaultTopicPerm?: string | undefined;
  defaultGroupPerm?: string | undefined;
  topicPerms?: string[] | undefined;
  groupPerms?: string[] | undefined;
}

export class PlainPermissionManager {
  private state: Compiled;
  private watching = false;
  private lastLoadedText: string;
  private writes: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    text: string,
    private readonly logger: ServerLogger,
  ) {
    this.state = compile(parsePlainAclYaml(text));
    this.lastLoadedText = text;
  }

  /** Reads and checks the file; a missing or invalid file is an error naming the path and the reason. */
  static async load(path: string, logger: ServerLogger): Promise<PlainPermissionManager> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new Error(`aclEnable=true but the ACL file ${path} cannot be read (${(error as Error).message}); create it (see conf/plain_acl.yml) or set aclEnable=false`, { cause: error });
    }
    try {
      const manager = new PlainPermissionManager(path, text, logger);
      logger.info({ path, accounts: manager.state.accounts.size, globalWhiteRemoteAddresses: manager.state.file.globalWhiteRemoteAddresses }, 'ACL enabled');
      return manager;
    } catch (error) {
      throw new Error(`the ACL file ${path} is not valid: ${(error as Error).message}`, { cause: error });
    }
  }

  validate(resource: AccessResource): void {
    validateAccess(this.state, resource);
  }

  get dataVersion(): PlainAclFile['dataVersion'] {
    return this.state.file.dataVersion;
  }

  get globalWhiteRemoteAddresses(): readonly string[] {
    return this.state.file.globalWhiteRemoteAddresses;
  }

  get accounts(): readonly PlainAccessConfig[] {
    return this.state.file.accounts;
  }

  /** Polls the file (as Apache's FileWatchService, every 500 ms) and reloads it when it changes; a bad edit keeps the old rules. */
  watch(intervalMillis = 500): void {
    if (this.watching) return;
    this.watching = true;
    watchFile(this.path, { interval: intervalMillis, persistent: false }, (current: Stats, previous: Stats) => {
      if (current.mtimeMs === previous.mtimeMs && current.size === previous.size) return;
      void this.reload();
    });
  }

  stop(): void {
    if (this.watching) unwatchFile(this.path);
    this.watching = false;
  }

  async reload(): Promise<boolean> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      this.logger.error({ path: this.path, err: (error as Error).message }, 'cannot read the ACL file; keeping the rules loaded before');
      return false;
    }
    if (text === this.lastLoadedText) return true;
    try {
      this.state = compile(parsePlainAclYaml(text));
      this.lastLoadedText = text;
      this.logger.info({ path: this.path, accounts: this.state.accounts.size, dataVersion: this.state.file.dataVersion }, 'ACL file reloaded');
      return true;
    } catch (error) {
      this.logger.error({ path: this.path, err: (error as Error).message }, 'the changed ACL file is not valid; keeping the rules loaded before');
      return false;
    }
  }

  /** Creates or updates an account (UPDATE_AND_CREATE_ACL_CONFIG). */
  updateAccount(update: AccountUpdate): Promise<void> {
    return this.change((file) => {
      const index = file.accounts.findIndex((account) => account.accessKey === update.accessKey);
      const current = index >= 0 ? file.accounts[index] : undefined;
      const next: PlainAccessConfig = {
        accessKey: update.accessKey,
        secretKey: update.secretKey ?? current?.secretKey ?? '',
        whiteRemoteAddress: update.whiteRemoteAddress ?? current?.whiteRemoteAddress,
        admin: update.admin,
        defaultTopicPerm: update.defaultTopicPerm ?? current?.defaultTopicPerm,
        defaultGroupPerm: update.defaultGroupPerm ?? current?.defaultGroupPerm,
        topicPerms: update.topicPerms ?? current?.topicPerms ?? [],
        groupPerms: update.groupPerms ?? current?.groupPerms ?? [],
      };
      checkKeys(next.accessKey, next.secretKey);
      compileAccount(next);
      const accounts = [...file.accounts];
      if (index >= 0) accounts[index] = next;
      else accounts.push(next);
      return { ...file, accounts };
    });
  }

  /** Removes an account (DELETE_ACL_CONFIG); false when there is none with that key. */
  async deleteAccount(accessKey: string): Promise<boolean> {
    if (!this.state.file.accounts.some((account) => account.accessKey === accessKey)) return false;
    await this.change((file) => ({ ...file, accounts: file.accounts.filter((account) => account.accessKey !== accessKey) }));
    return true;
  }

  /** Replaces the global white list (UPDATE_GLOBAL_WHITE_ADDRS_CONFIG). */
  updateGlobalWhiteAddrs(addresses: string[]): Promise<void> {
    return this.change((file) => {
      for (const address of addresses) addressMatcher(address);
      return { ...file, globalWhiteRemoteAddresses: addresses };
    });
  }

  /** Applies an edit, bumps dataVersion, writes the file (atomically) and switches to the new rules; edits run one at a time. */
  private change(edit: (file: PlainAclFile) => PlainAclFile): Promise<void> {
    const run = this.writes.then(async () => {
      const edited = edit(this.state.file);
      const file: PlainAclFile = { ...edited, dataVersion: { counter: this.state.file.dataVersion.counter + 1, timestamp: Date.now() } };
      const compiled = compile(file);
      const text = plainAclYaml(file);
      const temp = `${this.path}.tmp-${process.pid}`;
      await writeFile(temp, text, { mode: 0o600 });
      await rename(temp, this.path);
      this.state = compiled;
      this.lastLoadedText = text;
      this.logger.info({ path: this.path, accounts: compiled.accounts.size, dataVersion: file.dataVersion }, 'ACL file updated');
    });
    // The chain only orders writes; the caller of this write gets its error through `run`.
    this.writes = run.catch(() => undefined);
    return run;
  }
}

export { AclConfigError };
