/**
 * ACL 1.0 commands (plain_acl.yml on each broker): updateAclConfig, deleteAclConfig
 * (4.8: deleteAccessConfig), updateGlobalWhiteAddr, clusterAclConfigVersion, getAclConfig
 * (4.8: getAccessConfigSubCommand). Against a broker with aclEnable=true they must be signed by
 * an admin account: put accessKey/secretKey in $ROCKETMQ_HOME/conf/tools.yml, as for Apache's tool.
 */
import type { Admin, AdminTarget, PlainAccessAccount } from '@rocketmq-ts/client';
import { type CommandSpec, option, type ParsedOptions } from '../command.ts';
import { dateTime, javaFormat } from '../printf.ts';

function target(options: ParsedOptions): AdminTarget {
  const brokerAddr = options.get('b');
  return brokerAddr ? { brokerAddr } : { cluster: options.need('c') };
}

/** Java's List.toString(). */
const javaList = (items: readonly string[]) => `[${items.join(', ')}]`;

const updateAclConfig: CommandSpec = {
  name: 'updateAclConfig',
  description: 'Update acl config yaml file in broker',
  oneOf: ['b', 'c'],
  options: [
    option('b', 'brokerAddr', 'update acl config file to which broker'),
    option('c', 'clusterName', 'update cl config file to which cluster'),
    option('a', 'accessKey', 'set accessKey in acl config file', { required: true }),
    option('s', 'secretKey', 'set secretKey in acl config file'),
    option('w', 'whiteRemoteAddress', 'set white ip Address for account in acl config file'),
    option('i', 'defaultTopicPerm', 'set default topicPerm in acl config file'),
    option('u', 'defaultGroupPerm', 'set default GroupPerm in acl config file'),
    option('t', 'topicPerms', 'set topicPerms list,eg: topicA=DENY,topicD=SUB'),
    option('g', 'groupPerms', 'set groupPerms list,eg: groupD=DENY,groupD=SUB'),
    option('m', 'admin', 'set admin flag in acl config file'),
  ],
  async run({ options, admin }) {
    const account: PlainAccessAccount = {
      accessKey: options.need('a'),
      secretKey: options.get('s'),
      whiteRemoteAddress: options.get('w'),
      admin: options.bool('m', false),
      defaultTopicPerm: options.get('i'),
      defaultGroupPerm: options.get('u'),
      topicPerms: options.get('t')?.split(','),
      groupPerms: options.get('g')?.split(','),
    };
    const written = await (await admin()).updateAccessConfig(account, target(options));
    // Apache prints the PlainAccessConfig object, which has no toString() in 4.8 (ClassName@hash): we print its fields.
    const text =
      written.map((addr) => javaFormat('create or update plain access config to %s success.%n', addr)).join('') +
      `PlainAccessConfig{accessKey=${account.accessKey}, whiteRemoteAddress=${account.whiteRemoteAddress ?? null}, admin=${account.admin}, ` +
      `defaultTopicPerm=${account.defaultTopicPerm ?? null}, defaultGroupPerm=${account.defaultGroupPerm ?? null}, ` +
      `topicPerms=${account.topicPerms ? javaList(account.topicPerms) : null}, groupPerms=${account.groupPerms ? javaList(account.groupPerms) : null}}`;
    const { secretKey: _secret, ...shown } = account;
    return { text, json: { brokers: written, account: shown } };
  },
};

const deleteAclConfig: CommandSpec = {
  name: 'deleteAclConfig',
  aliases: ['deleteAccessConfig'],
  description: 'Delete Acl Config Account in broker',
  oneOf: ['b', 'c'],
  options: [
    option('b', 'brokerAddr', 'delete acl config account to which broker'),
    option('c', 'clusterName', 'delete cl config account to which cluster'),
    option('a', 'accessKey', 'set accessKey in acl config file for deleting which account', { required: true }),
  ],
  async run({ options, admin }) {
    const accessKey = options.need('a');
    const written = await (await admin()).deleteAccessConfig(accessKey, target(options));
    const text = written.map((addr) => javaFormat('delete plain access config account to %s success.%n', addr) + javaFormat("account's accesskey is:%s", accessKey)).join('');
    return { text, json: { brokers: written, accessKey } };
  },
};

const updateGlobalWhiteAddr: CommandSpec = {
  name: 'updateGlobalWhiteAddr',
  description: 'Update global white address for acl Config File in broker',
  oneOf: ['b', 'c'],
  options: [
    option('b', 'brokerAddr', 'update global white address to which broker'),
    option('c', 'clusterName', 'update global white address to which cluster'),
    option('g', 'globalWhiteRemoteAddresses', 'set globalWhiteRemoteAddress list,eg: 10.10.103.*,192.168.0.*', { required: true }),
  ],
  async run({ options, admin }) {
    const addresses = options.need('g').split(',');
    const written = await (await admin()).updateGlobalWhiteAddrs(addresses, target(options));
    return { text: written.map((addr) => javaFormat('update global white remote addresses to %s success.%n', addr)).join(''), json: { brokers: written, globalWhiteAddrs: addresses } };
  },
};

async function brokersOf(client: Admin, options: ParsedOptions): Promise<string[]> {
  const brokerAddr = options.get('b');
  return brokerAddr ? [brokerAddr] : (await client.masterAddrs(options.need('c'))).map((m) => m.addr);
}

const clusterAclConfigVersion: CommandSpec = {
  name: 'clusterAclConfigVersion',
  description: 'List all of acl config version information in cluster',
  anyOf: ['b', 'c'],
  options: [option('b', 'brokerAddr', 'query acl config version for which broker'), option('c', 'clusterName', 'query acl config version for specified cluster')],
  async run({ options, admin }) {
    const client = await admin();
    const format = '%-16s  %-22s  %-22s  %-20s  %-22s%n';
    const infos = [];
    // As Apache: with -c a header line first; with -b none.
    let text = options.has('b') ? '' : javaFormat(format, '#Cluster Name', '#Broker Name', '#Broker Addr', '#AclConfigVersionNum', '#AclLastUpdateTime');
    for (const addr of await brokersOf(client, options)) {
      const info = await client.aclVersionInfo(addr);
      infos.push(info);
      text += javaFormat(format, info.clusterName, info.brokerName, info.brokerAddr, String(info.counter), dateTime(info.timestamp));
    }
    text += options.has('b') ? "get broker's plain access config version success.\n" : "get cluster's plain access config version success.\n";
    return { text, json: infos };
  },
};

const getAclConfig: CommandSpec = {
  name: 'getAclConfig',
  aliases: ['getAccessConfigSubCommand'],
  description: 'List all of acl config information in cluster',
  anyOf: ['b', 'c'],
  options: [option('b', 'brokerAddr', 'query acl config version for which broker'), option('c', 'clusterName', 'query acl config version for specified cluster')],
  async run({ options, admin }) {
    const client = await admin();
    let text = '';
    const json: Record<string, unknown> = {};
    for (const addr of await brokersOf(client, options)) {
      const config = await client.aclConfig(addr);
      json[addr] = config;
      text += `\n${javaFormat('%-20s: %s\n', 'globalWhiteRemoteAddresses', javaList(config.globalWhiteAddrs))}\naccounts:\n`;
      for (const a of config.accounts) {
        // PlainAccessConfig's fields in declaration order; null ones print empty.
        const fields: [string, string | undefined][] = [
          ['accessKey', a.accessKey],
          ['secretKey', a.secretKey],
          ['whiteRemoteAddress', a.whiteRemoteAddress],
          ['admin', String(a.admin ?? false)],
          ['defaultTopicPerm', a.defaultTopicPerm],
          ['defaultGroupPerm', a.defaultGroupPerm],
          ['topicPerms', a.topicPerms ? javaList(a.topicPerms) : undefined],
          ['groupPerms', a.groupPerms ? javaList(a.groupPerms) : undefined],
        ];
        for (const [name, value] of fields) text += javaFormat('%-1s %-18s: %s\n', '', name, value ?? '');
        text += '\n';
      }
    }
    return { text, json };
  },
};

export const aclCommands: CommandSpec[] = [updateAclConfig, deleteAclConfig, clusterAclConfigVersion, updateGlobalWhiteAddr, getAclConfig];
