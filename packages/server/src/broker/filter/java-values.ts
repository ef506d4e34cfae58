/**
 * The values a 4.8 selector computes with, and Java's rules for comparing them
 * (ComparisonExpression.__compare, Integer/Long/Double/Boolean.valueOf). Apache evaluates with
 * boxed Java objects; the class of a value decides how it converts, so the classes are kept:
 *
 *   Java String  → string        Java Integer → number (always an int32)
 *   Java Boolean → boolean       Java Long    → bigint
 *   null         → null          Java Double  → JavaDouble
 *
 * Properties are always strings; numbers come from literals (and unary minus).
 */
import { RocketMQError } from '@rocketmq-ts/protocol';

/** A Java Double: kept apart from Integer because `a > 3` and `a > 3.0` convert `a` differently. */
export class JavaDouble {
  constructor(readonly value: number) {}
  toString(): string {
    return Number.isInteger(this.value) && Math.abs(this.value) < 1e7 ? this.value.toFixed(1) : String(this.value);
  }
}

export type JavaValue = string | boolean | number | bigint | JavaDouble | null;

/** A runtime failure Apache raises as an exception (the message is then filtered out). */
export class SelectorEvaluationError extends RocketMQError {}

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^[+-]?[0-9]+$/;

function numberFormat(text: string, kind: string): SelectorEvaluationError {
  return new SelectorEvaluationError(`java.lang.NumberFormatException: "${text}" is not a ${kind}`);
}

/** Integer.valueOf(String). */
export function javaInteger(text: string): number {
  if (!INTEGER_TEXT.test(text)) throw numberFormat(text, 'Integer');
  const value = Number(text);
  if (value < INT_MIN || value > INT_MAX) throw numberFormat(text, 'Integer');
  return value;
}

/** Long.valueOf(String). */
export function javaLong(text: string): bigint {
  if (!INTEGER_TEXT.test(text)) throw numberFormat(text, 'Long');
  const value = BigInt(text);
  if (value < LONG_MIN || value > LONG_MAX) throw numberFormat(text, 'Long');
  return value;
}

const DECIMAL_FLOAT = /^[+-]?(?:NaN|Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]?)$/;
const HEX_FLOAT = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?[0-9]+)[fFdD]?$/;

/** Double.valueOf(String): Java trims characters up to U+0020 and accepts NaN, Infinity, type suffixes and hex. */
export function javaDouble(text: string): number {
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) <= 0x20) start++;
  while (end > start && text.charCodeAt(end - 1) <= 0x20) end--;
  const trimmed = text.slice(start, end);
  if (DECIMAL_FLOAT.test(trimmed)) {
    const body = /[fFdD]$/.test(trimmed) ? trimmed.slice(0, -1) : trimmed;
    return Number(body);
  }
  const hex = HEX_FLOAT.exec(trimmed);
  if (hex && (hex[2]! + hex[3]!).length > 0) {
    const mantissa = Number.parseInt(hex[2]! + hex[3]! || '0', 16);
    const value = mantissa * 2 ** (Number(hex[4]) - 4 * hex[3]!.length);
    return hex[1] === '-' ? -value : value;
  }
  throw numberFormat(text, 'Double');
}

/** Boolean.valueOf(String). */
export function javaBoolean(text: string): boolean {
  return text.toLowerCase() === 'true';
}

/** Double.compare: NaN above everything and equal to itself, −0.0 below 0.0. */
function compareDouble(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  const aNaN = Number.isNaN(a);
  const bNaN = Number.isNaN(b);
  if (aNaN || bNaN) return aNaN === bNaN ? 0 : aNaN ? 1 : -1;
  if (a === 0 && b === 0) {
    const aNegative = Object.is(a, -0);
    const bNegative = Object.is(b, -0);
    return aNegative === bNegative ? 0 : aNegative ? -1 : 1;
  }
  return 0;
}

function sign(a: number | bigint | string | boolean, b: typeof a): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

type JavaClass = 'String' | 'Boolean' | 'Integer' | 'Long' | 'Double';

function classOf(value: Exclude<JavaValue, null>): JavaClass {
  switch (typeof value) {
    case 'string':
      return 'String';
    case 'boolean':
      return 'Boolean';
    case 'number':
      return 'Integer';
    case 'bigint':
      return 'Long';
    default:
      return 'Double';
  }
}

const asDouble = (value: number | bigint | JavaDouble): number => (value instanceof JavaDouble ? value.value : Number(value));

/**
 * ComparisonExpression.__compare with string conversion on (the 4.8 parser always turns it on):
 * values of different classes are converted toward the other's class; a failed conversion
 * throws; a pair with no conversion answers −1 ("less than", whatever the operator).
 */
export function javaCompare(left: Exclude<JavaValue, null>, right: Exclude<JavaValue, null>): number {
  const lc = classOf(left);
  const rc = classOf(right);
  if (lc === rc) {
    if (lc === 'Double') return compareDouble((left as JavaDouble).value, (right as JavaDouble).value);
    return sign(left as string, right as string);
  }
  switch (lc) {
    case 'Boolean':
      // Apache casts the Boolean itself to String here: a ClassCastException.
      if (rc === 'String') throw new SelectorEvaluationError('java.lang.ClassCastException: java.lang.Boolean cannot be cast to java.lang.String');
      return -1;
    case 'Integer':
      if (rc === 'Long') return sign(BigInt(left as number), right as bigint);
      if (rc === 'Double') return compareDouble(left as number, (right as JavaDouble).value);
      if (rc === 'String') return sign(left as number, javaInteger(right as string));
      return -1;
    case 'Long':
      if (rc === 'Integer') return sign(left as bigint, BigInt(right as number));
      if (rc === 'Double') return compareDouble(Number(left), (right as JavaDouble).value);
      if (rc === 'String') return sign(left as bigint, javaLong(right as string));
      return -1;
    case 'Double':
      if (rc === 'Integer' || rc === 'Long') return compareDouble((left as JavaDouble).value, asDouble(right as number | bigint));
      if (rc === 'String') return compareDouble((left as JavaDouble).value, javaDouble(right as string));
      return -1;
    case 'String': {
      const text = left as string;
      if (rc === 'Boolean') return sign(javaBoolean(text), right as boolean);
      if (rc === 'Integer') return sign(javaInteger(text), right as number);
      if (rc === 'Long') return sign(javaLong(text), right as bigint);
      return compareDouble(javaDouble(text), (right as JavaDouble).value);
    }
  }
}

/** UnaryExpression.negate: numbers change sign, anything else becomes null. */
export function javaNegate(value: JavaValue): JavaValue {
  if (typeof value === 'number') return value === 0 ? 0 : -value;
  if (typeof value === 'bigint') return -value;
  if (value instanceof JavaDouble) return new JavaDouble(-value.value);
  return null;
}

/** How Apache prints a constant in its messages. */
export function javaToString(value: JavaValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'string') return `'${value.replaceAll("'", "''")}'`;
  return value.toString();
}
