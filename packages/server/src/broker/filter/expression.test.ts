import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compileSelector, type PropertyLookup, SelectorParseError } from './expression.ts';

const lookup =
  (properties: Record<string, string>): PropertyLookup =>
  (name) =>
    Object.hasOwn(properties, name) ? properties[name] : undefined;

const matches = (expression: string, properties: Record<string, string>): boolean => compileSelector(expression).matches(lookup(properties));
const evaluate = (expression: string, properties: Record<string, string>): boolean | null | 'error' => {
  try {
    return compileSelector(expression).evaluate(lookup(properties));
  } catch {
    return 'error';
  }
};

describe('SQL92 selector: the 4.8 examples (spec wave2 §d.4, ExpressionTest / ParserTest)', () => {
  const OR = 'a=3 or b<>4 Or c>5 OR d<=4';
  const cases: [number, string, Record<string, string>[], Record<string, string>[]][] = [
    [1, 'a=3 and b<>4 And c>5 AND d<=4', [{ a: '3', b: '5', c: '6', d: '1' }], [{ a: '4', b: '5', c: '6', d: '1' }]],
    [2, OR, [{ a: '3' }], [{ a: '4', b: '4', c: '3', d: '10' }]],
    [3, OR, [{ a: '4', b: '5' }], []],
    [4, OR, [{ a: '4', b: '4', c: '3', d: '2' }], []],
    [5, "a in ('3', '4', '5')", [{ a: '3' }, { a: '4' }, { a: '5' }], [{ a: '8' }]],
    [6, "a not in ('3', '4', '5')", [{ a: '8' }], [{ a: '3' }, { a: '4' }, { a: '5' }]],
    [7, 'a between 2 and 10', [{ a: '2' }, { a: '3' }, { a: '10' }], [{ a: '1' }, { a: '11' }]],
    [8, 'a not between 2 and 10', [{ a: '1' }, { a: '11' }], [{ a: '2' }, { a: '3' }, { a: '10' }]],
    [9, 'a is null', [{ abc: '2' }], [{ a: '2' }]],
    [10, 'a is not null', [{ a: '2' }], [{ abc: '2' }]],
    [11, "a is not null and a='hello'", [{ a: 'hello' }], [{}]],
    [12, 'a=TRUE OR b=FALSE', [{ a: 'true', b: 'false' }], [{ a: 'false', b: 'true' }]],
    [13, "a is null OR a='hello'", [{}, { a: 'hello' }], [{ a: 'abc' }]],
    [14, "TAGS is not null and TAGS='''''tag'''''", [{ TAGS: "''tag''" }], []],
    [15, 'a > 3.1E10', [{ a: '3.1415E10' }], []],
    [16, 'a > 3.14', [{ a: '3.1415' }], []],
    [17, 'a > b', [{ a: '20', b: '10' }], [{ a: '10', b: '20' }]],
    [18, 'a=b', [{ a: '3.14', b: '3.14' }], [{ a: '3.14', b: '3.141' }]],
    [18, 'a<>b', [{ a: '3.14', b: '3.141' }], [{ a: '3.14', b: '3.14' }]],
    [19, 'key is not null and key between 0 and 100', [], [{ key: 'con' }]],
    [20, 'a between 0 and 100', [], [{ a: 'abc' }]],
  ];
  for (const [n, expression, yes, no] of cases) {
    it(`#${n} ${expression}`, () => {
      for (const properties of yes) assert.equal(matches(expression, properties), true, `${JSON.stringify(properties)} should match`);
      for (const properties of no) assert.equal(matches(expression, properties), false, `${JSON.stringify(properties)} should not match`);
    });
  }

  it('conversion failures are errors (no match), not false', () => {
    assert.equal(evaluate('key is not null and key between 0 and 100', { key: 'con' }), 'error');
    assert.equal(evaluate('a between 0 and 100', { a: 'abc' }), 'error');
    assert.equal(evaluate('a > 5', { a: '10.5' }), 'error', 'an Integer constant converts the property with Integer.valueOf');
    assert.equal(evaluate('a > 5.0', { a: '10.5' }), true);
    assert.equal(evaluate('a > 5', { a: '2147483648' }), 'error', 'beyond int');
    assert.equal(evaluate('a > 5L', { a: '2147483648' }), 'error', '5L still fits an Integer, and Apache narrows it');
    assert.equal(evaluate('a > 3000000000', { a: '4000000000' }), true, 'a Long constant converts with Long.valueOf');
  });

  for (const bad of ['a and between 2 and 10', 'a between 10 and 0', 'a > 100000000000000000000000', `a > ${'1'.repeat(400)}.5`, '']) {
    it(`parse error: ${JSON.stringify(bad.slice(0, 40))}`, () => assert.throws(() => compileSelector(bad), SelectorParseError));
  }
});

describe('SQL92 selector: Apache 4.8 parser quirks', () => {
  it('refuses what its expression factories refuse', () => {
    for (const bad of ["a > 'x'", 'a > TRUE', 'a = NULL', 'NULL = a', 'TRUE = 3', '3', "'x' OR a = 1", 'NOT a > 1', "3 IN ('x')", 'a > 0.0', 'a > 1e-400', 'a = 1 AND', 'a IS 3', 'a NOT IN (1)', 'a IN ()']) {
      assert.throws(() => compileSelector(bad), SelectorParseError, bad);
    }
  });
  it('accepts what it accepts', () => {
    for (const good of ['3 = TRUE', 'a', 'NOT a', 'NOT a = 1', 'TRUE', 'NULL', 'a <= now', 'a > -5', 'a BETWEEN -5 AND 5', 'a NOT BETWEEN 10 AND 2', '(a)', 'a = 1 /* c */ AND b = 2', 'a = 1 -- c\n AND b = 2', 'ANDY = 1', 'a = 1and b = 2']) {
      assert.doesNotThrow(() => compileSelector(good), good);
    }
  });
  it('ignores text after a complete expression, as the 4.8 parser does (no end-of-input rule)', () => {
    const selector = compileSelector('a = 1 b = 2');
    assert.equal(selector.ignoredTail, 'b = 2');
    assert.equal(selector.matches(lookup({ a: '1' })), true);
    assert.throws(() => compileSelector('a = 1 #'), SelectorParseError, 'the next token must still be valid');
    assert.throws(() => compileSelector('a = 1 AND'), SelectorParseError);
    assert.equal(compileSelector('a = 1 -- no line break').ignoredTail, '-- no line break', '"--" without a line break is two minus signs');
  });
  it('a = b with both missing is true; a property alone is never true', () => {
    assert.equal(evaluate('a = b', {}), true);
    assert.equal(evaluate('a <> b', {}), false);
    assert.equal(evaluate('a = b', { a: '1' }), false);
    assert.equal(evaluate('a = b', { b: '1' }), null);
    assert.equal(evaluate('a', { a: 'true' }), false);
    assert.equal(evaluate('NOT a', { a: 'x' }), true);
    assert.equal(evaluate('NOT a', {}), null);
  });
  it('numbers compare as numbers, with Java conversions', () => {
    assert.equal(evaluate('a = 3', { a: '03' }), true);
    assert.equal(evaluate('a = 3', { a: '+3' }), true);
    assert.equal(evaluate('a = 3', { a: '3.0' }), 'error');
    assert.equal(evaluate('a = 3.0', { a: '3' }), true);
    assert.equal(evaluate('a = 3.0', { a: ' 3d ' }), true, 'Double.valueOf trims and takes a type suffix');
    assert.equal(evaluate('a > 1.5', { a: 'NaN' }), true, 'NaN is above everything in Double.compare');
    assert.equal(evaluate('a > b', { a: '10', b: '9' }), true, 'two strings compare as doubles, not text');
    assert.equal(evaluate("a = '10'", { a: '10.0' }), false, 'equality of strings is text');
    assert.equal(evaluate('a > 9223372036854775806', { a: '9223372036854775807' }), true, 'longs compare exactly');
    assert.equal(evaluate('TRUE = a', { a: 'true' }), 'error', "Apache's Boolean-vs-String cast fails");
    assert.equal(evaluate('a = TRUE', { a: 'TRUE' }), true);
    assert.equal(evaluate('3 = TRUE', {}), false);
  });
});

// ---- property-based -----------------------------------------------------------------------

const names = ['a', 'b', 'c'] as const;
const propertyValue = fc.oneof(fc.integer({ min: -1000, max: 1000 }).map(String), fc.constantFrom('x', 'y', 'true', 'false', '1.5', '-0.25', ''));
const propertiesArb = fc.record({ a: propertyValue, b: propertyValue, c: propertyValue }, { requiredKeys: [] });

/** Boolean atoms that never throw, so logic laws can be checked without short-circuit differences. */
const atom = fc.oneof(
  fc.constantFrom(...names).map((p) => `${p} IS NULL`),
  fc.constantFrom(...names).map((p) => `${p} IS NOT NULL`),
  fc.tuple(fc.constantFrom(...names), fc.constantFrom('x', 'y', '1', 'true')).map(([p, v]) => `${p} = '${v}'`),
  fc.tuple(fc.constantFrom(...names), fc.uniqueArray(fc.constantFrom('x', 'y', '1', '2'), { minLength: 1 })).map(([p, vs]) => `${p} IN (${vs.map((v) => `'${v}'`).join(', ')})`),
  fc.constantFrom('TRUE', 'FALSE', 'NULL'),
  fc.constantFrom(...names).map((p) => `${p} = TRUE`),
);
const boolExpr: fc.Arbitrary<string> = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    fc.tuple(tie('expr'), tie('expr')).map(([l, r]) => `(${l}) AND (${r})`),
    fc.tuple(tie('expr'), tie('expr')).map(([l, r]) => `(${l}) OR (${r})`),
    tie('expr').map((e) => `NOT (${e})`),
  ),
})).expr;

/** Kleene's three-valued logic, the reference for AND/OR/NOT. */
const kleeneNot = (v: boolean | null): boolean | null => (v === null ? null : !v);

describe('SQL92 selector: property-based', () => {
  it('AND, OR and NOT follow three-valued (Kleene) logic', () => {
    fc.assert(
      fc.property(boolExpr, boolExpr, propertiesArb, (x, y, properties) => {
        const vx = evaluate(x, properties) as boolean | null;
        const vy = evaluate(y, properties) as boolean | null;
        const and = vx === false || vy === false ? false : vx === null || vy === null ? null : true;
        const or = vx === true || vy === true ? true : vx === null || vy === null ? null : false;
        assert.equal(evaluate(`(${x}) AND (${y})`, properties), and);
        assert.equal(evaluate(`(${x}) OR (${y})`, properties), or);
        assert.equal(evaluate(`NOT (${x})`, properties), kleeneNot(vx));
        assert.equal(evaluate(`NOT ((${x}) AND (${y}))`, properties), evaluate(`NOT (${x}) OR NOT (${y})`, properties), 'De Morgan');
      }),
      { numRuns: 300 },
    );
  });

  it('integers and doubles compare as numbers, whatever their text', () => {
    const op = fc.constantFrom('>', '>=', '<', '<=', '=', '<>');
    const holds = (o: string, a: number, b: number): boolean =>
      ({ '>': a > b, '>=': a >= b, '<': a < b, '<=': a <= b, '=': a === b, '<>': a !== b })[o]!;
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.integer({ min: 0, max: 1_000_000 }), op, (a, b, o) => {
        assert.equal(evaluate(`p ${o} ${b}`, { p: String(a) }), holds(o, a, b));
        assert.equal(evaluate(`p ${o} -${b}`, { p: String(a) }), holds(o, a, -b));
      }),
    );
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }), fc.double({ noNaN: true, min: 1e-6, max: 1e12 }), op, (a, b, o) => {
        fc.pre(!Object.is(a, -0));
        const text = b.toExponential();
        assert.equal(evaluate(`p ${o} ${text}`, { p: String(a) }), holds(o, a, Number(text)));
        assert.equal(evaluate(`p ${o} q`, { p: String(a), q: String(b) }), o === '=' ? String(a) === String(b) : o === '<>' ? String(a) !== String(b) : holds(o, a, b));
      }),
    );
  });

  it('a missing property makes every comparison unknown and IS NULL true', () => {
    fc.assert(
      fc.property(fc.constantFrom('p > 1', 'p = 1', "p = 'x'", 'p <> 2.5', 'p BETWEEN 1 AND 5', 'p NOT BETWEEN 1 AND 5', "p IN ('x')", "p NOT IN ('x')", 'p = TRUE'), propertiesArb, (expression, properties) => {
        assert.equal(evaluate(expression, properties), null);
        assert.equal(evaluate(`(${expression}) IS NULL`, properties), true, 'the unknown result itself IS NULL');
        assert.equal(evaluate('p IS NULL', properties), true);
        assert.equal(matches(expression, properties), false);
      }),
    );
  });

  it('BETWEEN is >= AND <=, NOT BETWEEN its negation for numbers; IN is an OR of string equalities', () => {
    fc.assert(
      fc.property(fc.integer({ min: -50, max: 50 }), fc.integer({ min: -50, max: 50 }), fc.integer({ min: 0, max: 50 }), (v, low, width) => {
        const high = low + width;
        const lo = low < 0 ? `-${-low}` : String(low);
        const hi = high < 0 ? `-${-high}` : String(high);
        const properties = { p: String(v) };
        assert.equal(evaluate(`p BETWEEN ${lo} AND ${hi}`, properties), v >= low && v <= high);
        assert.equal(evaluate(`p NOT BETWEEN ${lo} AND ${hi}`, properties), !(v >= low && v <= high));
      }),
    );
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ maxLength: 3 }), { minLength: 1, maxLength: 6 }), fc.string({ maxLength: 3 }), (list, value) => {
        const quoted = list.map((item) => `'${item.replaceAll("'", "''")}'`);
        const properties = { p: value };
        assert.equal(evaluate(`p IN (${quoted.join(',')})`, properties), list.includes(value));
        assert.equal(evaluate(`p NOT IN (${quoted.join(',')})`, properties), !list.includes(value));
        assert.equal(evaluate(quoted.map((q) => `p = ${q}`).join(' OR '), properties), list.includes(value));
      }),
    );
  });

  it('whitespace, comments, keyword case and redundant parentheses do not change the result', () => {
    const noise = fc.constantFrom(' ', '  ', '\t', '\n', ' /* x */ ', ' -- y\n', '\r\n');
    fc.assert(
      fc.property(boolExpr, noise, noise, fc.boolean(), propertiesArb, (expression, before, after, upper, properties) => {
        const cased = expression.replace(/\b(AND|OR|NOT|IS|NULL|IN|TRUE|FALSE)\b/g, (k) => (upper ? k : k.toLowerCase()));
        const noisy = `${before}((${cased.replaceAll(' ', after)}))${before}`;
        assert.equal(evaluate(noisy, properties), evaluate(expression, properties));
      }),
      { numRuns: 200 },
    );
  });
});
