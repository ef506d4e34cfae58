/**
 * mqbroker — start a broker, with Apache RocketMQ's flags:
 *   -c <file>  broker.conf (Java properties)   -n <addr>  name servers "a:9876;b:9876"
 *   -p         print every setting and exit    -m         print the important settings
 *   --key=value  any setting;   NAMESRV_ADDR is honoured
 */
import { Command } from 'commander';
import { Broker } from '../broker/broker.ts';
import { brokerDefaults, brokerKeyAliases, importantBrokerKeys, type BrokerConfig } from '../broker/broker-config.ts';
import { createLogger } from '../common/logger.ts';
import { applyProperties, keyValueArguments, readPropertiesFile, toPropertiesText } from '../config/properties.ts';
import { join } from 'node:path';

export function resolveBrokerConfig(layers: Record<string, string>[]): { config: BrokerConfig; unknownKeys: string[] } {
  const renamed = layers.map((layer) => Object.fromEntries(Object.entries(layer).map(([key, value]) => [brokerKeyAliases[key] ?? key, value])));
  const { config, unknownKeys } = applyProperties(brokerDefaults, ...renamed);
  // storePathCommitLog follows storePathRootDir unless it was set itself.
  if (!renamed.some((layer) => 'storePathCommitLog' in layer) && renamed.some((layer) => 'storePathRootDir' in layer)) {
    config.storePathCommitLog = join(config.storePathRootDir, 'commitlog');
  }
  return { config, unknownKeys };
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command('mqbroker')
    .description('rocketmq-ts broker')
    .option('-c, --configFile <file>', 'broker config file (Java properties, RocketMQ key names)')
    .option('-n, --namesrvAddr <addr>', 'name server addresses, "host:port;host:port"')
    .option('-p, --printConfigItem', 'print all settings and exit')
    .option('-m, --printImportantConfig', 'print the important settings and exit')
    .allowUnknownOption(true)
    .allowExcessArguments(true);
  program.parse(argv);
  const options = program.opts<{ configFile?: string; namesrvAddr?: string; printConfigItem?: boolean; printImportantConfig?: boolean }>();

  const fromFile = options.configFile ? await readPropertiesFile(options.configFile) : {};
  const fromFlags: Record<string, string> = keyValueArguments(argv.slice(2));
  delete fromFlags['configFile'];
  delete fromFlags['namesrvAddr'];
  if (options.namesrvAddr) fromFlags['namesrvAddr'] = options.namesrvAddr;
  const { config, unknownKeys } = resolveBrokerConfig([fromFile, fromFlags]);
  if (options.printConfigItem || options.printImportantConfig) {
    const keys = options.printImportantConfig ? importantBrokerKeys : (Object.keys(config) as (keyof BrokerConfig)[]);
    process.stdout.write(toPropertiesText(Object.fromEntries(keys.map((key) => [key, config[key]]))));
    return;
  }
  const logger = createLogger('broker');
  if (unknownKeys.length > 0) logger.warn({ unknownKeys }, 'ignoring settings rocketmq-ts does not have (check their spelling)');
  if (!config.namesrvAddr) logger.warn('no name server address (-n, namesrvAddr or NAMESRV_ADDR): clients will not find this broker');

  const broker = new Broker({ config, logger });
  await broker.start();
  process.stdout.write(`The broker[${config.brokerName}, ${broker.brokerAddr}] boot success. serializeType=JSON and name server is ${config.namesrvAddr || '(none)'}\n`);
  const shutdown = (): void => {
    void broker.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
