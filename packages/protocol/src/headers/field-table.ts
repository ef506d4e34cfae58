/**
 * Header field tables: each header is a readonly table of fields, and one generic pair
 * `encodeHeader` / `decodeHeader` maps it to and from a command's extFields
 * (RemotingCommand.makeCustomHeaderToNet / decodeCommandCustomHeader).
 *
 * Types: 'string'; 'int' (Java int, range-checked); 'long' (Java long as a JS number, exact
 * within ±2^53 — beyond that only Long.MAX_VALUE / Long.MIN_VALUE are accepted, as ±Infinity,
 * since clients use them as "no limit"); 'bool' ("true"/"false", Boolean.parseBoolean rules).
 * `required` mirrors @CFNotNull; `primitive` marks fields Java always sends because they are
 * primitives or boxed with an initial value (a missing one is sent as 0/false). `wire` is the name on the wire when it differs
 * (SEND_MESSAGE_V2's a..m).
 */
import type { ExtFields } from '../codec/command.ts';
import { HeaderDecodeError } from '../errors.ts';

export type FieldType = 'string' | 'int' | 'long' | 'bool';

export interface FieldSpec {
  readonly name: string;
  readonly type: FieldType;
  readonly required: boolean;
  readonly wire?: string;
  readonly primitive?: boolean;
}

export interface HeaderTable<Fields extends readonly FieldSpec[] = readonly FieldSpec[]> {
  /** Java class name, for messages and the golden vectors. */
  readonly name: string;
  readonly fields: Fields;
}

type ValueOf<T extends FieldType> = T extends 'string' ? string : T extends 'bool' ? boolean : number;

type RequiredNames<Fs extends readonly FieldSpec[]> = Extract<Fs[number], { required: true }>['name'];

/** The header's value type, derived from its table. */
export type HeaderOf<H extends HeaderTable> = {
  -readonly [F in H['fields'][number] as F['name'] extends RequiredNames<H['fields']> ? F['name'] : never]: ValueOf<F['type']>;
} & {
  -readonly [F in H['fields'][number] as F['name'] extends RequiredNames<H['fields']> ? never : F['name']]?:
    | ValueOf<F['type']>
    | undefined;
};

export function defineHeader<const Fields extends readonly FieldSpec[]>(name: string, fields: Fields): HeaderTable<Fields> {
  return Object.freeze({ name, fields });
}

const LONG_MAX = '9223372036854775807';
const LONG_MIN = '-9223372036854775808';
const INT_PATTERN = /^[+-]?\d+$/;

/** Writes a header into extFields (a new object unless `into` is given), in table order. */
export function encodeHeader<H extends HeaderTable>(table: H, header: HeaderOf<H>, into: ExtFields = {}): ExtFields {
  const values = header as Record<string, unknown>;
  for (const field of table.fields) {
    let value = values[field.name];
    if (value === undefined || value === null) {
      if (!field.primitive) continue;
      value = field.type === 'bool' ? false : 0;
    }
    into[field.wire ?? field.name] = encodeValue(field, value);
  }
  return into;
}

function encodeValue(field: FieldSpec, value: unknown): string {
  switch (field.type) {
    case 'string':
      return String(value);
    case 'bool':
      return value ? 'true' : 'false';
    case 'int':
      return String(value);
    case 'long': {
      const n = value as number;
      if (n === Infinity) return LONG_MAX;
      if (n === -Infinity) return LONG_MIN;
      return Number.isSafeInteger(n) ? String(n) : BigInt(Math.trunc(n)).toString();
    }
  }
}

/**
 * Reads a header from extFields. Every problem (missing required field, bad number) is
 * collected into one HeaderDecodeError. Unknown keys are ignored (newer clients add some).
 */
export function decodeHeader<H extends HeaderTable>(table: H, extFields: ExtFields | undefined): HeaderOf<H> {
  const header: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const field of table.fields) {
    const key = field.wire ?? field.name;
    const raw = extFields?.[key];
    if (raw === undefined) {
      if (field.required) problems.push(`missing ${describe(field)}`);
      continue;
    }
    const value = decodeValue(field, raw);
    if (value === undefined) problems.push(`${describe(field)} must be ${article(field.type)}, got ${JSON.stringify(raw)}`);
    else header[field.name] = value;
  }
  if (problems.length > 0) throw new HeaderDecodeError(table.name, problems);
  return header as HeaderOf<H>;
}

function describe(field: FieldSpec): string {
  return field.wire ? `"${field.wire}" (${field.name})` : `"${field.name}"`;
}

function article(type: FieldType): string {
  return type === 'int' ? 'an int32' : type === 'long' ? 'an int64 within ±2^53' : type === 'bool' ? 'a boolean' : 'a string';
}

function decodeValue(field: FieldSpec, raw: string): string | number | boolean | undefined {
  switch (field.type) {
    case 'string':
      return raw;
    case 'bool':
      // Boolean.parseBoolean: "true" in any case is true, everything else false.
      return raw.toLowerCase() === 'true';
    case 'int': {
      const text = raw.trim();
      if (!INT_PATTERN.test(text)) return undefined;
      const n = Number(text);
      return n >= -2147483648 && n <= 2147483647 ? n : undefined;
    }
    case 'long': {
      const text = raw.trim();
      if (!INT_PATTERN.test(text)) return undefined;
      const n = Number(text);
      if (Number.isSafeInteger(n)) return n;
      const exact = BigInt(text);
      if (exact === BigInt(LONG_MAX)) return Infinity;
      if (exact === BigInt(LONG_MIN)) return -Infinity;
      return undefined;
    }
  }
}
