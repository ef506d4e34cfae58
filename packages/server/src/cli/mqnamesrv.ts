/**
 * mqnamesrv — start a name server, with Apache RocketMQ's flags:
 *   -c <file>  namesrv.conf (Java properties)   -p  print every setting and exit
 *   -m         print the important settings     --key=value  any setting
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { announce, createProcessLogger, isJsonFormat } from '../common/logger.ts';
import { readPropertiesFile } from '../config/properties.ts';
import { printSettings, resolveSettings, type SettingsLayer } from '../config/schema.ts';
import { NameServer } from '../namesrv/name-server.ts';
import { namesrvNoEffectKeys, namesrvSettings } from '../namesrv/namesrv-config.ts';
import { logOptionsFrom, optionNames, settingArguments, withLogOptions } from './arguments.ts';

export function namesrvCommand(): Command {
  return withLogOptions(
    new Command('mqnamesrv')
      .description('Start a rocketmq-ts name server (Apache RocketMQ mqnamesrv flags).')
      .option('-c, --configFile <file>', 'name server config file (Java properties, RocketMQ key names)')
      .option('-p, --printConfigItem', 'print all settings and exit')
      .option('-m, --printImportantConfig', 'print the important settings and exit'),
  )
    .addHelpText('after', '\nAny name server setting can be given as --key=value, e.g. mqnamesrv --listenPort=9877\nEvery setting, its default and allowed values: docs/configuration.md (or mqnamesrv -p).')
    .allowUnknownOption(true)
    .allowExcessArguments(true);
}

export async function main(argv: string[]): Promise<void> {
  const program = namesrvCommand();
  program.parse(argv);
  const options = program.opts<{ configFile?: string; printConfigItem?: boolean; printImportantConfig?: boolean; logFormat?: string; logFile?: string; logLevel?: string }>();
  const logOptions = logOptionsFrom(options, 'info');

  const layers: SettingsLayer[] = [];
  if (options.configFile) layers.push({ source: options.configFile, values: await readPropertiesFile(options.configFile) });
  layers.push({ source: 'command line', values: settingArguments(program.args, 'mqnamesrv'), strict: true });
  const { config, warnings } = resolveSettings(namesrvSettings, layers, { what: 'name server', noEffect: namesrvNoEffectKeys, suggest: optionNames(program) });
  if (options.printConfigItem || options.printImportantConfig) {
    process.stdout.write(printSettings(namesrvSettings, config, options.printImportantConfig === true));
    return;
  }
  const logger = await createProcessLogger('namesrv', logOptions);
  for (const warning of warnings) logger.warn(warning);

  const server = new NameServer({
    config,
    logger,
    kvPersistence: {
      // No file yet means no KV config; any other read error (permissions, EISDIR) stops the start.
      load: async () =>
        readFile(config.kvConfigPath, 'utf8').catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return undefined;
          throw error;
        }),
      save: async (text) => {
        await mkdir(dirname(config.kvConfigPath), { recursive: true });
        await writeFile(`${config.kvConfigPath}.tmp`, text);
        await rename(`${config.kvConfigPath}.tmp`, config.kvConfigPath);
      },
    },
  });
  const address = await server.start();
  announce(logger, isJsonFormat(logOptions), `The Name Server boot success. serializeType=JSON, listening on ${address.address}:${address.port}`, { address: address.address, port: address.port });
  const shutdown = (): void => {
    void server.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
