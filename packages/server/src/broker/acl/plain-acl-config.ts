/**
 * plain_acl.yml (Apache 4.x): `globalWhiteRemoteAddresses`, `accounts` and the `dataVersion`
 * admin updates write. Parsing validates everything up front — keys longer than 6 characters,
 * address patterns, `resource=PERM` entries — so a bad file is refused with the reason.
 */
import { parse, stringify, YAMLParseError } from 'yaml';
import { parsePerm } from './permission.ts';
import { AclConfigError, type AddressMatcher, addressMatcher } from './remote-address.ts';

const RETRY_GROUP_TOPIC_PREFIX = '%RETRY%';

export interface PlainAccessConfig {
  accessKey: string;
  secretKey: string;
  whiteRemoteAddress?: string | undefined;
  admin: boolean;
  defaultTopicPerm?: string | undefined;
  defaultGroupPerm?: string | undefined;
  topicPerms: string[];
  groupPerms: string[];
}

export interface DataVersion {
  counter: number;
  timestamp: number;
}

export interface PlainAclFile {
  globalWhiteRemoteAddresses: string[];
  accounts: PlainAccessConfig[];
  dataVersion: DataVersion;
}

/** An account ready for checks. `resourcePerms` is undefined when it lists no topics or groups. */
export function isRetryTopic(topic: string): boolean {
  return topic.startsWith(RETRY_GROUP_TOPIC_PREFIX);
}

export function groupOfRetryTopic(topic: string): string {
  return topic.slice(RETRY_GROUP_TOPIC_PREFIX.length);
}

export interface PlainAccount {
  readonly config: PlainAccessConfig;
  readonly whiteAddress: AddressMatcher;
  readonly defaultTopicPerm: number;
  readonly defaultGroupPerm: number;
  readonly resourcePerms: ReadonlyMap<string, number> | undefined;
}

export function retryTopic(group: string): string {
  return `${RETRY_GROUP_TOPIC_PREFIX}${group}`;
}

function text(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new AclConfigError(`${what} must be a string`);
}

function list(value: unknown, what: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new AclConfigError(`${what} must be a list`);
  return value.map((item, i) => text(item, `${what}[${i}]`) ?? '');
}

/** Apache's checkPlainAccessConfig: both keys present and longer than 6 characters. */
export function checkKeys(accessKey: string | undefined, secretKey: string | undefined): void {
  if (!accessKey || !secretKey) throw new AclConfigError(`The accessKey=${accessKey ?? 'null'} and secretKey cannot be null`);
  if (accessKey.length <= 6) throw new AclConfigError(`The accessKey=${accessKey} cannot be less than 6 characters`);
  if (secretKey.length <= 6) throw new AclConfigError(`The secretKey of accessKey=${accessKey} cannot be less than 6 characters`);
}

export function readAccount(raw: unknown, where: string): PlainAccessConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new AclConfigError(`${where} must be a map`);
  const entry = raw as Record<string, unknown>;
  const accessKey = text(entry['accessKey'], `${where}.accessKey`);
  const secretKey = text(entry['secretKey'], `${where}.secretKey`);
  checkKeys(accessKey, secretKey);
  const admin = entry['admin'];
  return {
    accessKey: accessKey!,
    secretKey: secretKey!,
    whiteRemoteAddress: text(entry['whiteRemoteAddress'], `${where}.whiteRemoteAddress`),
    admin: admin === true || (typeof admin === 'string' && admin.toLowerCase() === 'true'),
    defaultTopicPerm: text(entry['defaultTopicPerm'], `${where}.defaultTopicPerm`),
    defaultGroupPerm: text(entry['defaultGroupPerm'], `${where}.defaultGroupPerm`),
    topicPerms: list(entry['topicPerms'], `${where}.topicPerms`),
    groupPerms: list(entry['groupPerms'], `${where}.groupPerms`),
  };
}

function resourceEntry(entry: string, accessKey: string): [string, number] {
  const parts = entry.split('=');
  if (parts.length !== 2 || parts[0]!.trim() === '') throw new AclConfigError(`Parse resource permission failed for ${accessKey}:${entry} (expected name=PERM)`);
  return [parts[0]!.trim(), parsePerm(parts[1])];
}

export function compileAccount(config: PlainAccessConfig): PlainAccount {
  let resourcePerms: Map<string, number> | undefined;
  if (config.topicPerms.length > 0 || config.groupPerms.length > 0) {
    resourcePerms = new Map();
    for (const entry of config.topicPerms) {
      const [topic, perm] = resourceEntry(entry, config.accessKey);
      resourcePerms.set(topic, perm);
    }
    for (const entry of config.groupPerms) {
      const [group, perm] = resourceEntry(entry, config.accessKey);
      resourcePerms.set(retryTopic(group), perm);
    }
  }
  return {
    config,
    whiteAddress: addressMatcher(config.whiteRemoteAddress),
    defaultTopicPerm: parsePerm(config.defaultTopicPerm),
    defaultGroupPerm: parsePerm(config.defaultGroupPerm),
    resourcePerms,
  };
}

function readDataVersion(raw: unknown): DataVersion {
  const first: unknown = Array.isArray(raw) ? raw[0] : raw;
  if (typeof first === 'object' && first !== null) {
    const entry = first as Record<string, unknown>;
    const counter = Number(entry['counter']);
    const timestamp = Number(entry['timestamp']);
    if (Number.isFinite(counter) && Number.isFinite(timestamp)) return { counter, timestamp };
  }
  return { counter: 0, timestamp: Date.now() };
}

export function parsePlainAclYaml(source: string): PlainAclFile {
  let raw: unknown;
  try {
    raw = parse(source);
  } catch (error) {
    // The parser's message quotes the offending line, which may hold a secret key: give its position only.
    if (error instanceof YAMLParseError) {
      const at = error.linePos?.[0];
      throw new AclConfigError(`not valid YAML (${error.code}${at ? ` at line ${at.line}, column ${at.col}` : ''})`);
    }
    throw new AclConfigError('not valid YAML');
  }
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new AclConfigError('the top level must be a map');
  const top = raw as Record<string, unknown>;
  const globalWhiteRemoteAddresses = list(top['globalWhiteRemoteAddresses'], 'globalWhiteRemoteAddresses');
  for (const address of globalWhiteRemoteAddresses) addressMatcher(address);
  const rawAccounts = top['accounts'] ?? [];
  if (!Array.isArray(rawAccounts)) throw new AclConfigError('accounts must be a list');
  const accounts = rawAccounts.map((entry, i) => readAccount(entry, `accounts[${i}]`));
  const seen = new Set<string>();
  for (const account of accounts) {
    if (seen.has(account.accessKey)) throw new AclConfigError(`accessKey ${account.accessKey} is listed twice`);
    seen.add(account.accessKey);
    compileAccount(account);
  }
  return { globalWhiteRemoteAddresses, accounts, dataVersion: readDataVersion(top['dataVersion']) };
}

function accountYaml(account: PlainAccessConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { accessKey: account.accessKey, secretKey: account.secretKey };
  if (account.whiteRemoteAddress !== undefined) out['whiteRemoteAddress'] = account.whiteRemoteAddress;
  out['admin'] = account.admin;
  if (account.defaultTopicPerm !== undefined) out['defaultTopicPerm'] = account.defaultTopicPerm;
  if (account.defaultGroupPerm !== undefined) out['defaultGroupPerm'] = account.defaultGroupPerm;
  if (account.topicPerms.length > 0) out['topicPerms'] = account.topicPerms;
  if (account.groupPerms.length > 0) out['groupPerms'] = account.groupPerms;
  return out;
}

export function plainAclYaml(file: PlainAclFile): string {
  return stringify({
    globalWhiteRemoteAddresses: file.globalWhiteRemoteAddresses,
    accounts: file.accounts.map(accountYaml),
    dataVersion: [{ counter: file.dataVersion.counter, timestamp: file.dataVersion.timestamp }],
  });
}
