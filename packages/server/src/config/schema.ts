/**
 * Settings as a schema: each key's type, allowed values or range, default and doc in one
 * entry, checked with zod. The same entries resolve broker.conf / namesrv.conf and --key=value
 * flags, print `-p` / `-m`, and generate docs/configuration.md, so the three cannot drift.
 *
 * Values arrive as text (a .properties file, a flag, UPDATE_BROKER_CONFIG); each entry parses
 * its text into the typed value or fails with a rule the user can act on ("flushDiskType must
 * be ASYNC_FLUSH or SYNC_FLUSH").
 */
import { z } from 'zod';
import type { ConfigValue } from './properties.ts';

export interface Setting<T extends ConfigValue = ConfigValue> {
  readonly kind: 'int' | 'boolean' | 'enum' | 'string';
  readonly default: T;
  readonly doc: string;
  /** What a valid value looks like, as the end of "<key> must …". */
  readonly rule: string;
  /** Text (file, flag) → typed value. */
  readonly fromText: z.ZodType<T>;
  /** A typed value (given in code) → the same value, or a failure. */
  readonly check: z.ZodType<T>;
  readonly values?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** The default as docs/configuration.md shows it (machine-independent). */
  readonly shownDefault?: string;
  /** Printed by `-m` and listed first in the reference. */
  readonly important?: boolean;
  /** Never printed in logs (passwords, secret keys). */
  readonly secret?: boolean;
  /**
   * Apache RocketMQ has this feature and rocketmq-ts does not: only the default is accepted;
   * any other value refuses to start with this reason.
   */
  readonly notImplemented?: string;
  /** A value that must be refused; the schema test feeds it to every key. */
  readonly invalidExample: string;
}

export type SettingsSchema = Readonly<Record<string, Setting>>;
export type SettingsValues<S extends SettingsSchema> = { -readonly [K in keyof S]: S[K]['default'] };

interface Common {
  doc: string;
  /** The default as the reference shows it, where the real one depends on the machine (host name, home directory). */
  shownDefault?: string;
  important?: boolean;
  secret?: boolean;
  notImplemented?: string;
}

function hasControlChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

function listWords(values: readonly string[]): string {
  return values.length <= 2 ? values.join(' or ') : `one of ${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
}

/** A whole number in [min, max] (milliseconds, bytes, counts: the doc says which). */
export function int(value: number, options: Common & { min?: number; max?: number }): Setting<number> {
  const min = options.min ?? Number.MIN_SAFE_INTEGER;
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  const rule =
    options.min !== undefined && options.max !== undefined
      ? `be a whole number from ${min} to ${max}`
      : options.min !== undefined
        ? `be a whole number, at least ${min}`
        : options.max !== undefined
          ? `be a whole number, at most ${max}`
          : 'be a whole number';
  const check = z.number().int().min(min).max(max);
  return {
    kind: 'int',
    default: value,
    rule,
    check,
    fromText: z.string().trim().regex(/^[+-]?\d+$/).transform(Number).pipe(check),
    invalidExample: options.min !== undefined && options.min > Number.MIN_SAFE_INTEGER ? String(options.min - 1) : 'ten',
    ...(options.min !== undefined ? { min } : {}),
    ...(options.max !== undefined ? { max } : {}),
    ...common(options),
  };
}

export function bool(value: boolean, options: Common): Setting<boolean> {
  return {
    kind: 'boolean',
    default: value,
    rule: 'be true or false',
    check: z.boolean(),
    fromText: z.string().trim().toLowerCase().pipe(z.enum(['true', 'false'])).transform((text) => text === 'true'),
    invalidExample: 'yes',
    ...common(options),
  };
}

/** One of a fixed list, spelt exactly as Apache RocketMQ spells it. */
export function oneOf(value: string, values: readonly [string, ...string[]], options: Common): Setting<string> {
  const check = z.enum(values as [string, ...string[]]) as unknown as z.ZodType<string, string>;
  return {
    kind: 'enum',
    default: value,
    values,
    rule: `be ${listWords(values)}`,
    check,
    fromText: z.string().trim().pipe(check),
    invalidExample: `${values[0]!.split('_')[0]!}X`,
    ...common(options),
  };
}

/**
 * Free text, optionally held to a pattern. Control characters (a newline pasted into a flag)
 * are always refused: they would corrupt `-p` output and the .properties files we write.
 */
export function text(value: string, options: Common & { pattern?: RegExp; rule?: string; invalidExample?: string; allowEmpty?: boolean }): Setting<string> {
  const allowEmpty = options.allowEmpty ?? true;
  let check: z.ZodType<string, string> = z.string().refine((s) => !hasControlChars(s));
  if (!allowEmpty) check = check.refine((s) => s.length > 0);
  if (options.pattern) {
    const pattern = options.pattern;
    check = check.refine((s) => (allowEmpty && s === '') || pattern.test(s));
  }
  return {
    kind: 'string',
    default: value,
    rule: options.rule ?? (allowEmpty ? 'be text without control characters' : 'be non-empty text without control characters'),
    check,
    fromText: z.string().trim().pipe(check),
    invalidExample: options.invalidExample ?? (allowEmpty ? 'bad\u0001value' : ''),
    ...common(options),
  };
}

function common(options: Common): Pick<Setting, 'doc' | 'important' | 'secret' | 'notImplemented' | 'shownDefault'> {
  return {
    doc: options.doc,
    ...(options.shownDefault !== undefined ? { shownDefault: options.shownDefault } : {}),
    ...(options.important ? { important: true } : {}),
    ...(options.secret ? { secret: true } : {}),
    ...(options.notImplemented ? { notImplemented: options.notImplemented } : {}),
  };
}

export function defaultsOf<S extends SettingsSchema>(schema: S): SettingsValues<S> {
  return Object.fromEntries(Object.entries(schema).map(([key, setting]) => [key, setting.default])) as SettingsValues<S>;
}

/** A setting that cannot be used, with the key, the value, where it came from and the fix. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.length === 1 ? problems[0]! : `${problems.length} settings are not valid:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export interface SettingsLayer {
  /** Where these came from, for messages: "broker.conf", "--flags". */
  readonly source: string;
  readonly values: Readonly<Record<string, string>>;
  /** Unknown keys here are errors (flags the user typed) rather than warnings (files). */
  readonly strict?: boolean;
}

export interface ResolvedSettings<S extends SettingsSchema> {
  config: SettingsValues<S>;
  /** Keys given (after aliases) in some layer. */
  given: Set<string>;
  /** Warnings for the log: unknown keys in files, with the nearest known key. */
  warnings: string[];
}

export interface ResolveOptions {
  /** Old spellings accepted for a key (mapedFileSizeCommitLog → mappedFileSizeCommitLog). */
  aliases?: Readonly<Record<string, string>>;
  /** Keys that belong to another process here (a namesrv key in the broker's flags of npm start): neither used nor warned about. */
  ignore?: ReadonlySet<string>;
  /** Keys accepted and ignored with a reason (JVM thread pools): a warning, never an error. */
  noEffect?: Readonly<Record<string, string>>;
  /** What to call the settings in messages: "broker", "name server". */
  what: string;
  /** More names a typo may be close to (the command's own flags), for "did you mean". */
  suggest?: readonly string[];
}

/**
 * Overlays the layers on the schema's defaults, parsing every value. All problems are
 * collected and thrown together as one ConfigError, so a user fixes a file in one pass.
 */
export function resolveSettings<S extends SettingsSchema>(schema: S, layers: readonly SettingsLayer[], options: ResolveOptions): ResolvedSettings<S> {
  const config: Record<string, ConfigValue> = defaultsOf(schema);
  const given = new Set<string>();
  const warnings: string[] = [];
  const problems: string[] = [];
  for (const layer of layers) {
    for (const [rawKey, raw] of Object.entries(layer.values)) {
      const key = options.aliases?.[rawKey] ?? rawKey;
      const setting = schema[key];
      if (!setting) {
        if (options.ignore?.has(key)) continue;
        const why = options.noEffect?.[key];
        if (why !== undefined) {
          warnings.push(`${key} (${layer.source}) has no effect in rocketmq-ts: ${why}`);
          continue;
        }
        const near = nearestKey(key, [...Object.keys(schema), ...(options.suggest ?? [])]);
        const dash = layer.strict ? '--' : '';
        const message = `${dash}${key} (${layer.source}) is not a ${options.what} setting${near ? `; did you mean ${dash}${near}?` : ''}`;
        if (layer.strict) problems.push(message);
        else warnings.push(`${message}; it is ignored`);
        continue;
      }
      const parsed = setting.fromText.safeParse(raw);
      if (!parsed.success) {
        problems.push(`${key}=${raw} (${layer.source}): ${key} must ${setting.rule}`);
        continue;
      }
      config[key] = parsed.data;
      given.add(key);
    }
  }
  problems.push(...notImplementedProblems(schema, config));
  if (problems.length > 0) throw new ConfigError(problems);
  return { config: config as SettingsValues<S>, given, warnings };
}

/** Typed values (given in code, or after a runtime update): every rule and not-implemented feature. */
export function checkSettings(schema: SettingsSchema, config: Readonly<Record<string, ConfigValue>>): string[] {
  const problems: string[] = [];
  for (const [key, setting] of Object.entries(schema)) {
    if (!(key in config)) continue;
    const value = config[key];
    if (!setting.check.safeParse(value).success) problems.push(`${key}=${String(value)}: ${key} must ${setting.rule}`);
  }
  return [...problems, ...notImplementedProblems(schema, config)];
}

function notImplementedProblems(schema: SettingsSchema, config: Readonly<Record<string, ConfigValue>>): string[] {
  return Object.entries(schema)
    .filter(([key, setting]) => setting.notImplemented !== undefined && key in config && config[key] !== setting.default)
    .map(([key, setting]) => `${key}=${String(config[key])} is not supported by rocketmq-ts: ${setting.notImplemented}; remove the key or set ${key}=${String(setting.default)}`);
}

/** The known key closest to `key` by edit distance (ignoring case), if it is close enough to be a typo. */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 4)) ? best : undefined;
}

/** Levenshtein distance, two rows. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** `key=value` lines for `-p` / `-m`; secrets are printed as ***. */
export function printSettings(schema: SettingsSchema, config: Readonly<Record<string, ConfigValue>>, importantOnly: boolean): string {
  return Object.entries(schema)
    .filter(([, setting]) => !importantOnly || setting.important)
    .map(([key, setting]) => `${key}=${setting.secret && config[key] !== '' ? '***' : String(config[key]).replace(/\\/g, '\\\\')}\n`)
    .join('');
}

/** Keys whose values must never reach a log line. */
export function secretKeys(schema: SettingsSchema): string[] {
  return Object.entries(schema)
    .filter(([, setting]) => setting.secret)
    .map(([key]) => key);
}

/**
 * A runtime update (UPDATE_BROKER_CONFIG, UPDATE_NAMESRV_CONFIG): the typed values of the
 * given keys; unknown keys, bad values and unimplemented features are refused together.
 */
export function parseUpdate(schema: SettingsSchema, properties: Readonly<Record<string, string>>, what: string): Record<string, ConfigValue> {
  const problems: string[] = [];
  const out: Record<string, ConfigValue> = {};
  for (const [key, raw] of Object.entries(properties)) {
    const setting = schema[key];
    if (!setting) {
      const near = nearestKey(key, Object.keys(schema));
      problems.push(`${key} is not a ${what} setting${near ? `; did you mean ${near}?` : ''}`);
      continue;
    }
    const parsed = setting.fromText.safeParse(raw);
    if (!parsed.success) problems.push(`${key}=${raw}: ${key} must ${setting.rule}`);
    else out[key] = parsed.data;
  }
  problems.push(...notImplementedProblems(schema, out));
  if (problems.length > 0) throw new ConfigError(problems);
  return out;
}
