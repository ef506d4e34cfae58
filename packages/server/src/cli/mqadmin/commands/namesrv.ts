/** Name server commands: getNamesrvConfig, updateNamesrvConfig, updateKvConfig, deleteKvConfig, wipeWritePerm, addWritePerm. */
import { type CommandSpec, option } from '../command.ts';
import { javaFormat } from '../printf.ts';

const getNamesrvConfig: CommandSpec = {
  name: 'getNamesrvConfig',
  description: 'Get configs of name server.',
  options: [],
  async run({ admin }) {
    const configs = await (await admin()).namesrvConfigs();
    let text = '';
    for (const [server, properties] of Object.entries(configs)) {
      text += `============${server}============\n`;
      for (const [key, value] of Object.entries(properties)) text += javaFormat('%-50s=  %s\n', key, value);
    }
    return { text, json: configs };
  },
};

const updateNamesrvConfig: CommandSpec = {
  name: 'updateNamesrvConfig',
  description: 'Update configs of name server.',
  options: [option('k', 'key', 'config key', { required: true }), option('v', 'value', 'config value', { required: true })],
  async run({ options, admin, namesrvAddrs }) {
    const key = options.need('k');
    const value = options.need('v');
    const written = await (await admin()).updateNamesrvConfig({ [key]: value });
    const servers = options.has('n') ? `[${namesrvAddrs().join(', ')}]` : '';
    return { text: `update name server config success!${servers}\n${key} : ${value}\n`, json: { namesrvAddrs: written, properties: { [key]: value } } };
  },
};

const updateKvConfig: CommandSpec = {
  name: 'updateKvConfig',
  description: 'Create or update KV config.',
  options: [
    option('s', 'namespace', 'set the namespace', { required: true }),
    option('k', 'key', 'set the key name', { required: true }),
    option('v', 'value', 'set the key value', { required: true }),
  ],
  async run({ options, admin }) {
    const [namespace, key, value] = [options.need('s'), options.need('k'), options.need('v')];
    await (await admin()).putKvConfig(namespace, key, value);
    return { text: 'create or update kv config to namespace success.\n', json: { namespace, key, value } };
  },
};

const deleteKvConfig: CommandSpec = {
  name: 'deleteKvConfig',
  description: 'Delete KV config.',
  options: [option('s', 'namespace', 'set the namespace', { required: true }), option('k', 'key', 'set the key name', { required: true })],
  async run({ options, admin }) {
    const [namespace, key] = [options.need('s'), options.need('k')];
    await (await admin()).deleteKvConfig(namespace, key);
    return { text: 'delete kv config from namespace success.\n', json: { namespace, key } };
  },
};

function writePermCommand(add: boolean): CommandSpec {
  const verb = add ? 'add' : 'wipe';
  return {
    name: add ? 'addWritePerm' : 'wipeWritePerm',
    description: add ? 'Add write perm of broker in all name server you defined in the -n param' : 'Wipe write perm of broker in all name server',
    options: [option('b', 'brokerName', 'broker name', { required: true })],
    async run({ options, admin }) {
      const brokerName = options.need('b');
      const results = await (await admin()).setBrokerWritePerm(brokerName, add);
      const text = results.map((r) => javaFormat(`${verb} write perm of broker[%s] in name server[%s] OK, %d%n`, brokerName, r.namesrvAddr, r.topicCount)).join('');
      return { text, json: { brokerName, results } };
    },
  };
}

export const namesrvCommands: CommandSpec[] = [updateKvConfig, deleteKvConfig, writePermCommand(false), writePermCommand(true), getNamesrvConfig, updateNamesrvConfig];
