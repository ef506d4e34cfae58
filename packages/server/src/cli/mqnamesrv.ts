/**
 * mqnamesrv — start a name server, with Apache RocketMQ's flags:
 *   -c <file>  namesrv.conf (Java properties)   -p  print every setting and exit
 *   -m         print the important settings     --key=value  any setting
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { createLogger } from '../common/logger.ts';
import { applyProperties, keyValueArguments, readPropertiesFile, toPropertiesText } from '../config/properties.ts';
import { NameServer } from '../namesrv/name-server.ts';
import { importantNamesrvKeys, type NamesrvConfig, namesrvDefaults } from '../namesrv/namesrv-config.ts';

export async function main(argv: string[]): Promise<void> {
  const program = new Command('mqnamesrv')
    .description('rocketmq-ts name server')
    .option('-c, --configFile <file>', 'name server config file (Java properties, RocketMQ key names)')
    .option('-p, --printConfigItem', 'print all settings and exit')
    .option('-m, --printImportantConfig', 'print the important settings and exit')
    .allowUnknownOption(true)
    .allowExcessArguments(true);
  program.parse(argv);
  const options = program.opts<{ configFile?: string; printConfigItem?: boolean; printImportantConfig?: boolean }>();

  const fromFile = options.configFile ? await readPropertiesFile(options.configFile) : {};
  const { config, unknownKeys } = applyProperties(namesrvDefaults, fromFile, keyValueArguments(argv.slice(2)));
  if (options.printConfigItem || options.printImportantConfig) {
    const keys = options.printImportantConfig ? importantNamesrvKeys : (Object.keys(config) as (keyof NamesrvConfig)[]);
    process.stdout.write(toPropertiesText(Object.fromEntries(keys.map((key) => [key, config[key]]))));
    return;
  }
  const logger = createLogger('namesrv');
  if (unknownKeys.length > 0) logger.warn({ unknownKeys }, 'ignoring settings that are not name server settings');

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
  process.stdout.write(`The Name Server boot success. serializeType=JSON, listening on ${address.address}:${address.port}\n`);
  const shutdown = (): void => {
    void server.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
