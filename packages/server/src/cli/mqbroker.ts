/**
 * mqbroker — start a broker, with Apache RocketMQ's flags:
 *   -c <file>  broker.conf (Java properties)   -n <addr>  name servers "a:9876;b:9876"
 *   -p         print every setting and exit    -m         print the important settings
 *   --key=value  any setting;   NAMESRV_ADDR is honoured
 */
import { join } from 'node:path';
import { Command } from 'commander';
import { Broker } from '../broker/broker.ts';
import { type BrokerConfig, brokerKeyAliases, brokerNoEffectKeys, brokerSettings } from '../broker/broker-config.ts';
import { announce, createProcessLogger, isJsonFormat } from '../common/logger.ts';
import { readPropertiesFile } from '../config/properties.ts';
import { printSettings, resolveSettings, type SettingsLayer } from '../config/schema.ts';
import { logOptionsFrom, optionNames, settingArguments, withLogOptions } from './arguments.ts';

export interface ResolvedBrokerConfig {
  config: BrokerConfig;
  /** Unknown keys in files (with the nearest known key) and keys with no effect. */
  warnings: string[];
}

/**
 * Layers (defaults < file < flags) resolved against the broker schema; a bad value, an
 * unimplemented feature or an unknown flag throws ConfigError.
 */
export function resolveBrokerConfig(layers: readonly SettingsLayer[], options: { ignore?: ReadonlySet<string>; suggest?: readonly string[] } = {}): ResolvedBrokerConfig {
  const { config, given, warnings } = resolveSettings(brokerSettings, layers, { what: 'broker', aliases: brokerKeyAliases, noEffect: brokerNoEffectKeys, ...options });
  // storePathCommitLog follows storePathRootDir unless it was set itself.
  if (!given.has('storePathCommitLog') && given.has('storePathRootDir')) config.storePathCommitLog = join(config.storePathRootDir, 'commitlog');
  return { config, warnings };
}

export function brokerCommand(): Command {
  return withLogOptions(
    new Command('mqbroker')
      .description('Start a rocketmq-ts broker (Apache RocketMQ mqbroker flags).')
      .option('-c, --configFile <file>', 'broker config file (Java properties, RocketMQ key names)')
      .option('-n, --namesrvAddr <addr>', 'name server addresses, "host:port;host:port" (env NAMESRV_ADDR)')
      .option('-p, --printConfigItem', 'print all settings and exit')
      .option('-m, --printImportantConfig', 'print the important settings and exit'),
  )
    .addHelpText('after', '\nAny broker setting can be given as --key=value (it wins over the config file), e.g.\n  mqbroker -n 127.0.0.1:9876 --brokerName=broker-a --flushDiskType=SYNC_FLUSH\nEvery setting, its default and allowed values: docs/configuration.md (or mqbroker -p).')
    .allowUnknownOption(true)
    .allowExcessArguments(true);
}

export async function main(argv: string[]): Promise<void> {
  const program = brokerCommand();
  program.parse(argv);
  const options = program.opts<{ configFile?: string; namesrvAddr?: string; printConfigItem?: boolean; printImportantConfig?: boolean; logFormat?: string; logFile?: string; logLevel?: string }>();
  const logOptions = logOptionsFrom(options, 'info');

  const layers: SettingsLayer[] = [];
  if (options.configFile) layers.push({ source: options.configFile, values: await readPropertiesFile(options.configFile) });
  const fromFlags = settingArguments(program.args, 'mqbroker');
  if (options.namesrvAddr) fromFlags['namesrvAddr'] = options.namesrvAddr;
  layers.push({ source: 'command line', values: fromFlags, strict: true });
  const { config, warnings } = resolveBrokerConfig(layers, { suggest: optionNames(program) });
  if (options.printConfigItem || options.printImportantConfig) {
    process.stdout.write(printSettings(brokerSettings, config, options.printImportantConfig === true));
    return;
  }
  const logger = await createProcessLogger('broker', logOptions);
  for (const warning of warnings) logger.warn(warning);
  if (!config.namesrvAddr) logger.warn('no name server address (-n, namesrvAddr or NAMESRV_ADDR): clients will not find this broker');

  const broker = new Broker({ config, logger });
  await broker.start();
  announce(logger, isJsonFormat(logOptions), `The broker[${config.brokerName}, ${broker.brokerAddr}] boot success. serializeType=JSON and name server is ${config.namesrvAddr || '(none)'}`, {
    brokerName: config.brokerName,
    brokerAddr: broker.brokerAddr,
    namesrvAddr: config.namesrvAddr,
  });
  const shutdown = (): void => {
    void broker.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
