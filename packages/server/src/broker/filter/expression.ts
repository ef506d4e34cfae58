/**
 * Compiles a 4.8 SQL92 selector into an evaluator with Apache's semantics (FI/expression/*):
 * the peggy parser gives the syntax tree, this module makes the checks Apache's expression
 * factories make while parsing (what may be compared, BETWEEN bounds, IN on a property, what
 * may stand where a boolean is needed) and turns the tree into closures. Evaluation is
 * three-valued: true, false, or null (unknown, e.g. a missing property).
 */
import { ResponseCode, RocketMQError } from '@rocketmq-ts/protocol';
import { parse as parseGenerated } from './selector-parser.generated.ts';
import { JavaDouble, javaCompare, javaDouble, javaNegate, javaToString, type JavaValue, SelectorEvaluationError } from './java-values.ts';

/** The syntax tree selector.peggy builds. */
export type SyntaxNode =
  | { type: 'or' | 'and'; left: SyntaxNode; right: SyntaxNode }
  | { type: 'compare'; op: '=' | '<>' | '>' | '>=' | '<' | '<='; left: SyntaxNode; right: SyntaxNode }
  | { type: 'isNull'; not: boolean; value: SyntaxNode }
  | { type: 'between'; not: boolean; value: SyntaxNode; low: SyntaxNode; high: SyntaxNode }
  | { type: 'in'; not: boolean; value: SyntaxNode; list: string[] }
  | { type: 'negate' | 'not'; operand: SyntaxNode }
  | { type: 'property'; name: string }
  | { type: 'literal'; kind: 'string' | 'decimal' | 'float' | 'true' | 'false' | 'null'; text: string; value?: string };

/** A message's properties as the broker decoded them (name → value). */
export type PropertyLookup = (name: string) => string | undefined;

/** A selector that failed to compile: Apache's MQFilterException (SUBSCRIPTION_PARSE_FAILED on the wire). */
export class SelectorParseError extends RocketMQError {
  constructor(
    readonly expression: string,
    readonly reason: string,
  ) {
    super(`Invalid MessageSelector. ${reason} (expression: ${expression}); fix the SQL92 expression given to MessageSelector.bySql / subscribe({ sql })`, {
      code: ResponseCode.SUBSCRIPTION_PARSE_FAILED,
    });
  }
}

/** What a compiled node gives: the value and whether Apache sees it as a constant or a boolean expression. */
interface Compiled {
  evaluate: (get: PropertyLookup) => JavaValue;
  /** ConstantExpression: its value is known at compile time. */
  constant?: { value: JavaValue };
  /** BooleanExpression (comparisons, logic, TRUE/FALSE/NULL). */
  boolean: boolean;
  /** PropertyExpression. */
  property?: string;
  text: string;
}

export interface CompiledSelector {
  readonly expression: string;
  /** Text after the expression that Apache's parser ignores (it reads no further than it needs). */
  readonly ignoredTail: string;
  /** True, false or null (unknown); throws SelectorEvaluationError where Apache throws. */
  evaluate(get: PropertyLookup): boolean | null;
  /** The broker's verdict: only a true result matches; null and errors do not. */
  matches(get: PropertyLookup): boolean;
}

function fail(message: string): never {
  throw new Error(message);
}

function constant(value: JavaValue, text: string, boolean: boolean): Compiled {
  return { evaluate: () => value, constant: { value }, boolean, text };
}

function literal(node: Extract<SyntaxNode, { type: 'literal' }>): Compiled {
  switch (node.kind) {
    case 'string':
      return constant(node.value ?? '', node.text, false);
    case 'true':
      return constant(true, 'TRUE', true);
    case 'false':
      return constant(false, 'FALSE', true);
    case 'null':
      return constant(null, 'NULL', true);
    case 'decimal': {
      // ConstantExpression.createFromDecimal: a Long, narrowed to Integer when it fits.
      const digits = /[lL]$/.test(node.text) ? node.text.slice(0, -1) : node.text;
      const value = BigInt(digits);
      if (value > 2n ** 63n - 1n) fail(`For input string: "${digits}"`);
      return value <= 2n ** 31n - 1n ? constant(Number(value), node.text, false) : constant(value, node.text, false);
    }
    case 'float': {
      // ConstantExpression.createFloat refuses overflow and anything below Double.MIN_VALUE (so 0.0 too).
      const value = Number(node.text);
      if (value > Number.MAX_VALUE) fail(`${node.text} is greater than ${Number.MAX_VALUE}`);
      if (value < Number.MIN_VALUE) fail(`${node.text} is less than 4.9E-324`);
      return constant(new JavaDouble(value), node.text, false);
    }
  }
}

/** asBooleanExpression: a property becomes a boolean cast; anything else not boolean is an error. */
function asBoolean(expr: Compiled): Compiled {
  if (expr.boolean) return expr;
  if (expr.property !== undefined) {
    const name = expr.property;
    return {
      evaluate: (get) => {
        // UnaryExpression.createBooleanCast: a property's value is a string, never a Boolean.
        const value = get(name);
        return value === undefined ? null : false;
      },
      boolean: true,
      text: expr.text,
    };
  }
  return fail(`Expression will not result in a boolean value: ${expr.text}`);
}

const asBool = (value: JavaValue): boolean | null => (value === null ? null : value === true);

function logic(type: 'or' | 'and', left: Compiled, right: Compiled): Compiled {
  const l = asBoolean(left).evaluate;
  const r = asBoolean(right).evaluate;
  const evaluate =
    type === 'or'
      ? (get: PropertyLookup): JavaValue => {
          const lv = asBool(l(get));
          if (lv === true) return true;
          const rv = asBool(r(get));
          if (rv === true) return true;
          return lv === null || rv === null ? null : false;
        }
      : (get: PropertyLookup): JavaValue => {
          const lv = asBool(l(get));
          if (lv === false) return false;
          const rv = asBool(r(get));
          if (rv === false) return false;
          return lv === null || rv === null ? null : true;
        };
  return { evaluate, boolean: true, text: `(${left.text} ${type === 'or' ? '||' : '&&'} ${right.text})` };
}

function not(operand: Compiled): Compiled {
  const inner = asBoolean(operand).evaluate;
  return {
    evaluate: (get) => {
      const value = inner(get);
      return value === null ? null : value !== true;
    },
    boolean: true,
    text: `(NOT ${operand.text})`,
  };
}

/** ComparisonExpression.doCreateEqual: null only when the left side is null and the right is not. */
function equal(left: Compiled, right: Compiled): Compiled {
  const l = left.evaluate;
  const r = right.evaluate;
  return {
    evaluate: (get) => {
      const lv = l(get);
      const rv = r(get);
      if (lv === null || rv === null) return lv === null ? (rv === null ? true : null) : false;
      return javaCompare(lv, rv) === 0;
    },
    boolean: true,
    text: `(${left.text} == ${right.text})`,
  };
}

function checkEqualOperand(expr: Compiled): void {
  if (expr.constant && expr.constant.value === null) fail(`'${expr.text}' cannot be compared.`);
}

function checkLessThanOperand(expr: Compiled): void {
  if (expr.constant) {
    const value = expr.constant.value;
    if (typeof value === 'number' || typeof value === 'bigint' || value instanceof JavaDouble) return;
    fail(`Value '${expr.text}' cannot be compared.`);
  }
  if (expr.boolean) fail(`Value '${expr.text}' cannot be compared.`);
}

const RELATIONS = {
  '>': (c: number) => c > 0,
  '>=': (c: number) => c >= 0,
  '<': (c: number) => c < 0,
  '<=': (c: number) => c <= 0,
} as const;

function relation(op: keyof typeof RELATIONS, left: Compiled, right: Compiled): Compiled {
  checkLessThanOperand(left);
  checkLessThanOperand(right);
  const test = RELATIONS[op];
  const l = left.evaluate;
  const r = right.evaluate;
  return {
    evaluate: (get) => {
      const lv = l(get);
      if (lv === null) return null;
      const rv = r(get);
      if (rv === null) return null;
      if (typeof lv === 'string' && typeof rv === 'string') {
        // Two strings are compared as doubles (Apache refuses string ordering).
        let a: number;
        let b: number;
        try {
          a = javaDouble(lv);
          b = javaDouble(rv);
        } catch {
          throw new SelectorEvaluationError(`It's illegal to compare string by '>=', '>', '<', '<='. lv=${lv}, rv=${rv}`);
        }
        return test(javaCompare(new JavaDouble(a), new JavaDouble(b)));
      }
      return test(javaCompare(lv, rv));
    },
    boolean: true,
    text: `(${left.text} ${op} ${right.text})`,
  };
}


function compileNode(node: SyntaxNode): Compiled {
  switch (node.type) {
    case 'literal':
      return literal(node);
    case 'property': {
      const name = node.name;
      return { evaluate: (get) => get(name) ?? null, boolean: false, property: name, text: name };
    }
    case 'or':
    case 'and':
      return logic(node.type, compileNode(node.left), compileNode(node.right));
    case 'not':
      return not(compileNode(node.operand));
    case 'negate': {
      const operand = compileNode(node.operand);
      const inner = operand.evaluate;
      return { evaluate: (get) => javaNegate(inner(get)), boolean: false, text: `(- ${operand.text})` };
    }
    case 'compare': {
      const left = compileNode(node.left);
      const right = compileNode(node.right);
      if (node.op === '=' || node.op === '<>') {
        checkEqualOperand(left);
        checkEqualOperand(right);
        if (left.constant && right.constant && left.boolean && !right.boolean) fail(`'${left.text}' cannot be compared with '${right.text}'`);
        const eq = equal(left, right);
        return node.op === '=' ? eq : not(eq);
      }
      return relation(node.op, left, right);
    }
    case 'isNull': {
      const eq = equal(compileNode(node.value), constant(null, 'NULL', true));
      return node.not ? not(eq) : eq;
    }
    case 'between': {
      const value = compileNode(node.value);
      const low = compileNode(node.low);
      const high = compileNode(node.high);
      if (node.not) return logic('or', relation('<', value, low), relation('>', value, high));
      if (low.constant && high.constant) {
        const lv = low.constant.value;
        const hv = high.constant.value;
        if (lv === null || hv === null) fail('Illegal values of between, values can not be null!');
        if (javaCompare(hv, lv) < 0) fail(`Illegal values of between, left value(${javaToString(lv)}) must less than or equal to right value(${javaToString(hv)})`);
      }
      return logic('and', relation('>=', value, low), relation('<=', value, high));
    }
    case 'in': {
      const value = compileNode(node.value);
      if (value.property === undefined) fail(`Expected a property for In expression, got: ${value.text}`);
      const name = value.property;
      const list = new Set(node.list);
      const negate = node.not;
      return {
        evaluate: (get) => {
          const v = get(name);
          if (v === undefined) return null;
          return list.has(v) !== negate;
        },
        boolean: true,
        text: `${name} ${negate ? 'NOT IN' : 'IN'} (${node.list.map((item) => javaToString(item)).join(', ')})`,
      };
    }
  }
}

/** Parses and checks `expression` (SelectorParser.parse); throws SelectorParseError. */
export function compileSelector(expression: string): CompiledSelector {
  let root: Compiled;
  let ignoredTail: string;
  try {
    const parsed = parseGenerated(expression, {}) as { expr: SyntaxNode; rest: string };
    root = asBoolean(compileNode(parsed.expr));
    ignoredTail = parsed.rest;
  } catch (error) {
    throw new SelectorParseError(expression, (error as Error).message);
  }
  const evaluateRoot = root.evaluate;
  return {
    expression,
    ignoredTail,
    evaluate: (get) => {
      const value = evaluateRoot(get);
      return value === null ? null : value === true;
    },
    matches: (get) => {
      try {
        return evaluateRoot(get) === true;
      } catch (error) {
        if (error instanceof SelectorEvaluationError) return false;
        throw error;
      }
    },
  };
}
