/**
 * A reader and a writer for the JSON dialect that Apache RocketMQ's fastjson produces
 * (remoting-protocol.md §7.0):
 *
 *   - maps with Integer/Long keys are written with bare numeric keys:   {0:"10.0.0.1:10911"}
 *   - maps with object keys are written with object-literal keys:      {{"brokerName":"b","queueId":0,"topic":"T"}:5}
 *   - bean properties in alphabetical order, nulls omitted; doubles with a fraction ("0.0")
 *
 * Reader model: an object whose keys are all quoted strings becomes a plain object; one with
 * bare numeric keys a Map<number, …>; one with object-literal keys a Map<object, …>.
 * Writer model (the same, in reverse): plain objects are beans (keys sorted, undefined/null
 * skipped), Maps are Java maps written in their iteration order, JavaDouble marks a double.
 */
import { JsonParseError } from '../errors.ts';

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject | JsonMap;
export interface JsonObject {
  [key: string]: JsonValue;
}
export type JsonMap = Map<number | string | JsonObject, JsonValue>;

/** A Java double: written with a fraction or exponent as Java's Double.toString does. */
export class JavaDouble {
  constructor(readonly value: number) {}
}

export type WritableJson =
  | null
  | undefined
  | boolean
  | number
  | bigint
  | string
  | JavaDouble
  | readonly WritableJson[]
  | ReadonlySet<WritableJson>
  | ReadonlyMap<WritableJson, WritableJson>
  | { readonly [key: string]: WritableJson };

// ---------------------------------------------------------------------------------------------
// Writer

/** fastjson's escape for each code unit below 0x80 that needs one (undefined: written raw). */
const ESCAPE: (string | undefined)[] = Array.from({ length: 0x80 }, (_, c) =>
  c < 0x20 || c === 0x7f ? `\\u${c.toString(16).toUpperCase().padStart(4, '0')}` : undefined,
);
Object.assign(ESCAPE, { 0x22: '\\"', 0x5c: '\\\\', 0x08: '\\b', 0x09: '\\t', 0x0a: '\\n', 0x0c: '\\f', 0x0d: '\\r' });

/**
 * A quoted string as fastjson writes it: short escapes for \b \t \n \f \r " and \\, other
 * control characters, DEL, U+2028 and U+2029 as \uXXXX with uppercase hex; the rest raw.
 */
export function writeJsonString(value: string): string {
  let out = '"';
  let from = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const escape = c < 0x80 ? ESCAPE[c] : c === 0x2028 ? '\\u2028' : c === 0x2029 ? '\\u2029' : undefined;
    if (escape === undefined) continue;
    out += value.slice(from, i) + escape;
    from = i + 1;
  }
  return out + value.slice(from) + '"';
}

export interface WriteOptions {
  /**
   * fastjson's PrettyFormat, used for RocketMQ's config files: tab indentation, a new line
   * before every bean property and string map key; maps with numeric or object keys stay on
   * one line but close on a new one.
   */
  pretty?: boolean;
}

export function writeFastjson(value: WritableJson, options: WriteOptions = {}): string {
  const out: Output = { parts: [], pretty: options.pretty ?? false, depth: 0 };
  write(value, out);
  return out.parts.join('');
}

interface Output {
  parts: string[];
  pretty: boolean;
  depth: number;
}

function newline(out: Output): void {
  if (out.pretty) out.parts.push('\n' + '\t'.repeat(out.depth));
}

function write(value: WritableJson, out: Output): void {
  const parts = out.parts;
  if (value === null || value === undefined) parts.push('null');
  else if (typeof value === 'string') parts.push(writeJsonString(value));
  else if (typeof value === 'number') parts.push(writeNumber(value));
  else if (typeof value === 'bigint') parts.push(value.toString());
  else if (typeof value === 'boolean') parts.push(value ? 'true' : 'false');
  else if (value instanceof JavaDouble) parts.push(javaDoubleToString(value.value));
  else if (Array.isArray(value) || value instanceof Set) writeArray(value as Iterable<WritableJson>, out);
  else if (value instanceof Map) writeMap(value as ReadonlyMap<WritableJson, WritableJson>, out);
  else writeBean(value as { readonly [key: string]: WritableJson }, out);
}

function writeNumber(value: number): string {
  if (!Number.isFinite(value)) throw new TypeError(`cannot write ${value} as JSON`);
  if (Number.isInteger(value) && !Number.isSafeInteger(value)) return BigInt(value).toString();
  return String(value);
}

function writeArray(values: Iterable<WritableJson>, out: Output): void {
  out.parts.push('[');
  let first = true;
  for (const item of values) {
    if (!first) out.parts.push(',');
    first = false;
    write(item, out);
  }
  out.parts.push(']');
}

/** Writes `{entries}`; string keys start a new line in pretty mode, other keys do not. */
function writeEntries(entries: Iterable<[WritableJson, WritableJson]>, out: Output): void {
  out.parts.push('{');
  out.depth++;
  let first = true;
  let wrote = false;
  for (const [key, item] of entries) {
    // Null values are skipped (fastjson's WriteMapNullValue is off).
    if (item === null || item === undefined) continue;
    if (!first) out.parts.push(',');
    first = false;
    wrote = true;
    if (typeof key === 'string') {
      newline(out);
      out.parts.push(writeJsonString(key));
    } else write(key, out);
    out.parts.push(':');
    write(item, out);
  }
  out.depth--;
  if (wrote) newline(out);
  out.parts.push('}');
}

function writeMap(map: ReadonlyMap<WritableJson, WritableJson>, out: Output): void {
  writeEntries(map, out);
}

function writeBean(bean: { readonly [key: string]: WritableJson }, out: Output): void {
  writeEntries(
    Object.keys(bean)
      .sort()
      .map((key): [WritableJson, WritableJson] => [key, bean[key]]),
    out,
  );
}

/** Java's Double.toString: always a fraction or an exponent ("1.0", "12.5", "1.0E7", "1.0E-4"). */
export function javaDoubleToString(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    const text = String(value);
    return text.includes('.') ? text : `${text}.0`;
  }
  const [mantissa, exponent] = value.toExponential().split('e') as [string, string];
  const fraction = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${fraction}E${exponent.startsWith('+') ? exponent.slice(1) : exponent}`;
}

// ---------------------------------------------------------------------------------------------
// Reader

/** Parses fastjson output (and standard JSON). Throws JsonParseError with the position. */
export function parseFastjson(text: string): JsonValue {
  const parser = new Parser(text);
  parser.skipSpace();
  const value = parser.value();
  parser.skipSpace();
  if (!parser.atEnd()) parser.fail('unexpected text after the value');
  return value;
}

/** Entries of a parsed object or map, keys as written (numbers, strings or objects). */
export function entriesOf(value: JsonValue | undefined): [number | string | JsonObject, JsonValue][] {
  if (value instanceof Map) return [...value.entries()];
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return Object.entries(value);
  return [];
}

/**
 * A copy of `value` that does not keep the text it was cut from alive. V8 makes a substring of
 * 13 or more characters a view of its parent: a topic name kept from a broker registration
 * would hold the whole registration body (hundreds of KB, one per registration) for as long as
 * the topic lives. Flattening a one-character concatenation makes a fresh string to cut from.
 */
function detach(value: string): string {
  return value.length < 13 ? value : (' ' + value).slice(1);
}

class Parser {
  private at = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.at >= this.text.length;
  }

  fail(message: string): never {
    const near = this.text.slice(Math.max(0, this.at - 20), this.at + 20);
    throw new JsonParseError(`JSON: ${message} at offset ${this.at} (near ${JSON.stringify(near)})`);
  }

  skipSpace(): void {
    while (this.at < this.text.length) {
      const c = this.text.charCodeAt(this.at);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.at++;
      else break;
    }
  }

  value(): JsonValue {
    const c = this.text[this.at];
    switch (c) {
      case '{':
        return this.object();
      case '[':
        return this.array();
      case '"':
      case "'":
        return this.string();
      case 't':
        return this.literal('true', true);
      case 'f':
        return this.literal('false', false);
      case 'n':
        return this.literal('null', null);
      default:
        if (c !== undefined && (c === '-' || (c >= '0' && c <= '9'))) return this.number();
        return this.fail(c === undefined ? 'unexpected end of text' : `unexpected character ${JSON.stringify(c)}`);
    }
  }

  private literal<T extends JsonValue>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.at)) this.fail(`expected ${word}`);
    this.at += word.length;
    return value;
  }

  private number(): number {
    const match = /^-?\d+(\.\d+)?([eE][+-]?\d+)?[LlFfDd]?/.exec(this.text.slice(this.at, this.at + 64));
    if (!match) return this.fail('bad number');
    this.at += match[0].length;
    const digits = /[LlFfDd]$/.test(match[0]) ? match[0].slice(0, -1) : match[0];
    return Number(digits);
  }

  private string(): string {
    const quote = this.text[this.at]!;
    this.at++;
    let result = '';
    let start = this.at;
    for (;;) {
      if (this.at >= this.text.length) this.fail('unterminated string');
      const c = this.text[this.at]!;
      if (c === quote) {
        result += this.text.slice(start, this.at);
        this.at++;
        return detach(result);
      }
      if (c === '\\') {
        result += this.text.slice(start, this.at);
        result += this.escape();
        start = this.at;
      } else {
        this.at++;
      }
    }
  }

  private escape(): string {
    const c = this.text[this.at + 1];
    this.at += 2;
    switch (c) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'u': {
        const hex = this.text.slice(this.at, this.at + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape');
        this.at += 4;
        return String.fromCharCode(parseInt(hex, 16));
      }
      case 'x': {
        const hex = this.text.slice(this.at, this.at + 2);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) this.fail('bad \\x escape');
        this.at += 2;
        return String.fromCharCode(parseInt(hex, 16));
      }
      case undefined:
        return this.fail('unterminated escape');
      default:
        return c; // \" \\ \/ \' and fastjson's lenient others
    }
  }

  private array(): JsonValue[] {
    this.at++;
    const items: JsonValue[] = [];
    this.skipSpace();
    if (this.text[this.at] === ']') {
      this.at++;
      return items;
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.at] === ']') {
        this.at++; // fastjson accepts a trailing comma
        return items;
      }
      items.push(this.value());
      this.skipSpace();
      const c = this.text[this.at];
      this.at++;
      if (c === ']') return items;
      if (c !== ',') this.fail('expected , or ] in array');
    }
  }

  private object(): JsonObject | JsonMap {
    this.at++;
    const entries: [number | string | JsonObject, JsonValue][] = [];
    let keyKind: 'string' | 'other' = 'string';
    this.skipSpace();
    if (this.text[this.at] === '}') {
      this.at++;
      return {};
    }
    for (;;) {
      this.skipSpace();
      const c = this.text[this.at];
      if (c === '}' && entries.length > 0) {
        this.at++; // fastjson accepts a trailing comma
        break;
      }
      let key: number | string | JsonObject;
      if (c === '"' || c === "'") key = this.string();
      else if (c === '{') {
        const objectKey = this.object();
        if (objectKey instanceof Map) this.fail('object keys must themselves have string keys');
        key = objectKey;
        keyKind = 'other';
      } else if (c !== undefined && (c === '-' || (c >= '0' && c <= '9'))) {
        key = this.number();
        keyKind = 'other';
      } else if (c !== undefined && /[A-Za-z_$]/.test(c)) {
        // fastjson accepts unquoted identifier keys
        const match = /^[A-Za-z_$][\w$]*/.exec(this.text.slice(this.at, this.at + 256))!;
        key = detach(match[0]);
        this.at += key.length;
      } else return this.fail('expected an object key');
      this.skipSpace();
      if (this.text[this.at] !== ':') this.fail('expected : after an object key');
      this.at++;
      this.skipSpace();
      entries.push([key, this.value()]);
      this.skipSpace();
      const next = this.text[this.at];
      this.at++;
      if (next === '}') break;
      if (next !== ',') this.fail('expected , or } in object');
    }
    if (keyKind === 'other') return new Map(entries);
    const object: JsonObject = {};
    for (const [key, item] of entries) {
      // A literal "__proto__" key must become data, not the prototype.
      if (key === '__proto__') Object.defineProperty(object, key, { value: item, enumerable: true, writable: true, configurable: true });
      else object[key as string] = item;
    }
    return object;
  }
}
