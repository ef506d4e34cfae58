/**
 * Java .properties files (broker.conf, namesrv.conf) and typed config objects built from
 * them: every key keeps RocketMQ's name, values are coerced to the type of the default, and
 * unknown keys are reported rather than silently ignored.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'dot-properties';

export type ConfigValue = string | number | boolean;
export type ConfigShape = Record<string, ConfigValue>;

export async function readPropertiesFile(path: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read config file ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parsePropertiesText(text);
}

export function parsePropertiesText(text: string): Record<string, string> {
  const parsed = parse(text) as Record<string, string>;
  return Object.fromEntries(Object.entries(parsed).map(([key, value]) => [key, value.trim()]));
}

/** `key=value` lines, as RocketMQ's MixAll.properties2String writes them (GET_*_CONFIG, -p). */
export function toPropertiesText(config: Readonly<ConfigShape>): string {
  return Object.entries(config)
    .map(([key, value]) => `${key}=${String(value).replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n`)
    .join('');
}

export interface AppliedConfig<T extends ConfigShape> {
  config: T;
  /** Keys that are not settings of this process (typos, or settings of the other process). */
  unknownKeys: string[];
}

/**
 * Overlays string properties on typed defaults. A value that does not parse as the default's
 * type is an error naming the key, the value and the expected type.
 */
export function applyProperties<T extends ConfigShape>(defaults: T, ...layers: Readonly<Record<string, string>>[]): AppliedConfig<T> {
  const config: ConfigShape = { ...defaults };
  const unknownKeys: string[] = [];
  for (const layer of layers) {
    for (const [key, raw] of Object.entries(layer)) {
      if (!(key in defaults)) {
        unknownKeys.push(key);
        continue;
      }
      config[key] = coerce(key, raw, defaults[key]!);
    }
  }
  return { config: config as T, unknownKeys };
}

function coerce(key: string, raw: string, template: ConfigValue): ConfigValue {
  if (typeof template === 'number') {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value)) throw new Error(`setting ${key}=${raw} must be a number`);
    return value;
  }
  if (typeof template === 'boolean') {
    const value = raw.trim().toLowerCase();
    if (value !== 'true' && value !== 'false') throw new Error(`setting ${key}=${raw} must be true or false`);
    return value === 'true';
  }
  return raw;
}

/** `--key=value` / `--key value` arguments that are not options of the command itself. */
export function keyValueArguments(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const match = /^--([A-Za-z][\w.]*)(?:=(.*))?$/.exec(arg);
    if (!match) continue;
    if (match[2] !== undefined) out[match[1]!] = match[2];
    else if (i + 1 < args.length && !args[i + 1]!.startsWith('-')) out[match[1]!] = args[++i]!;
    else out[match[1]!] = 'true';
  }
  return out;
}
