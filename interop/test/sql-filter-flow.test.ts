/**
 * SQL92 filtering with the official Java client 4.8.0 (interop/java SqlFilterFlow.java), as a
 * differential run: the same messages and the same expressions against our broker and against
 * Apache RocketMQ 4.8.0, both with enablePropertyFilter=true. Each expression is used twice per
 * target: by DefaultMQPullConsumer.pull(mq, MessageSelector.bySql(…)) (the expression in the
 * pull header) and by a DefaultMQPushConsumer (CHECK_CLIENT_CONFIG at start, the filter from its
 * heartbeat). Our broker must deliver exactly what Apache delivers, bad expressions must fail the
 * push consumer's start with Apache's code, and our in-process evaluator must agree too.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { startCluster } from '@rocketmq-ts/server/internal';
import { compileSelector } from '../../packages/server/src/broker/filter/expression.ts';
import { runJavaProgram } from '../lib/java-client.ts';
import { startApacheTarget, uniqueName } from '../lib/targets.ts';

const COUNT = 60;

/** Message i's properties: numbers, non-numbers, missing values, booleans, doubles, longs, tags. */
function propertiesOf(i: number): Record<string, string> {
  const p: Record<string, string> = {};
  if (i % 7 !== 0) p['a'] = i % 11 === 0 ? '3.5' : i % 13 === 0 ? 'abc' : String(i - 20);
  const b = ['x', 'y', 'z', undefined][i % 4];
  if (b) p['b'] = b;
  const c = ['true', 'false', 'TRUE', undefined, 'yes'][i % 5];
  if (c) p['c'] = c;
  const d = ['1.5e3', '-0.5', 'NaN', '42', undefined, '7'][i % 6];
  if (d) p['d'] = d;
  p['e'] = String(i * 1_000_000_000);
  p['s'] = `name${i % 5}`;
  const tag = ['TagA', 'TagB', undefined][i % 3];
  if (tag) p['TAGS'] = tag;
  return p;
}

const VALID = [
  'a > 5',
  'a >= -3 AND a < 10',
  'a BETWEEN 0 AND 20',
  'a NOT BETWEEN 0 AND 20',
  "a IN ('1', '2', '3', 'abc')",
  "a NOT IN ('1', '2')",
  'a IS NULL',
  'a IS NOT NULL',
  "b = 'x' OR b = 'y'",
  "b <> 'x'",
  "b IN ('x', 'z') AND a > 0",
  'c = TRUE',
  'c = FALSE',
  'NOT (c = TRUE)',
  'd > 10.0',
  'd < 0.5',
  'd = 42',
  'e > 5000000000',
  'e < 3000000000',
  'a > 5.5',
  'a = 3.5',
  "TAGS = 'TagA'",
  'TAGS IS NULL',
  "TAGS IN ('TagA', 'TagB') AND b IS NOT NULL",
  'a > b',
  "s = 'name1' OR a < -10",
  "(a > 0 OR b = 'x') AND NOT (c = TRUE)",
  'a IS NULL OR a > 15',
  "KEYS IN ('k1', 'k2', 'k3', 'k50')",
  'a = b',
  'NOT a',
  'a <> 5',
  'zz IS NULL',
  '-a < -5',
  'a > 5 xyz',
  "a > 5 /* comment */ AND b = 'x'",
  'd > 1e2',
  "a between -5 and 5 or s in ('name4')",
  'TRUE = c',
  'c',
  'a = 3 OR a = -3',
  'NOT a = 1',
  'd <> 7.0 AND d IS NOT NULL',
];
const BAD = ['a > > 5', 'a between 10 and 0', "a > 'x'", 'a = 1 AND', 'a > 100000000000000000000000', 'a > 0.0', 'NOT a > 1', '3', 'a = NULL'];
const EXPRESSIONS = [...VALID, ...BAD];

interface Line {
  event: 'pulled' | 'started' | 'start-failed' | 'pushed' | 'phase' | 'done';
  expr?: number;
  keys?: string[] | null;
  error?: number | null;
  name?: string;
  ms?: number;
}

interface Outcome {
  pulled: Map<number, string[] | number>;
  pushed: Map<number, string[]>;
  startError: Map<number, number>;
  ms: number;
}

async function run(namesrvAddr: string): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), 'rmqts-sql-flow-'));
  try {
    const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
    writeFileSync(join(dir, 'exprs'), EXPRESSIONS.map(b64).join('\n'));
    const props = Array.from({ length: COUNT }, (_, i) =>
      Object.entries(propertiesOf(i))
        .map(([k, v]) => `${k}=${v}`)
        .join('\u0001'),
    );
    writeFileSync(join(dir, 'props'), props.map(b64).join('\n'));
    const lines = await runJavaProgram<Line>(
      'SqlFilterFlow',
      ['--namesrv', namesrvAddr, '--topic', uniqueName('sql'), '--group', uniqueName('sqlg'), '--exprs', join(dir, 'exprs'), '--props', join(dir, 'props')],
      150_000,
    );
    const outcome: Outcome = { pulled: new Map(), pushed: new Map(), startError: new Map(), ms: 0 };
    for (const line of lines) {
      if (line.event === 'pulled') outcome.pulled.set(line.expr!, line.keys ?? line.error!);
      if (line.event === 'pushed') outcome.pushed.set(line.expr!, line.keys!);
      if (line.event === 'start-failed') outcome.startError.set(line.expr!, line.error!);
      if (line.event === 'done') outcome.ms = line.ms!;
    }
    return outcome;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The keys our evaluator selects from the same messages. */
function evaluatorKeys(expression: string): string[] {
  const selector = compileSelector(expression);
  const keys: string[] = [];
  for (let i = 0; i < COUNT; i++) {
    const p: Record<string, string> = { ...propertiesOf(i), KEYS: `k${i}` };
    if (selector.matches((name) => (Object.hasOwn(p, name) ? p[name] : undefined))) keys.push(`k${i}`);
  }
  return keys.sort();
}

describe(`SQL92 filters, Java client 4.8.0: rocketmq-ts vs Apache RocketMQ 4.8.0 (${VALID.length} expressions, ${BAD.length} bad ones)`, { timeout: 400_000 }, () => {
  const outcomes = new Map<string, Outcome>();

  test('rocketmq-ts (enablePropertyFilter=true)', { timeout: 180_000 }, async () => {
    const cluster = await startCluster(undefined, { enablePropertyFilter: true });
    try {
      outcomes.set('ours', await run(cluster.namesrvAddr));
    } finally {
      await cluster.stop();
    }
  });

  test('Apache RocketMQ 4.8.0 (enablePropertyFilter=true)', { timeout: 200_000 }, async () => {
    const apache = await startApacheTarget('sql-filter', { enablePropertyFilter: 'true' });
    try {
      outcomes.set('apache', await run(apache.namesrvAddr));
    } finally {
      await apache.stop();
    }
  });

  test('the same messages for every expression, pulled and pushed; the same start errors', (t) => {
    const ours = outcomes.get('ours');
    const apache = outcomes.get('apache');
    if (!ours || !apache) return t.skip('a target run failed (see above)');
    t.diagnostic(`Java run: rocketmq-ts ${ours.ms} ms, Apache ${apache.ms} ms`);
    const mismatches: string[] = [];
    VALID.forEach((expression, e) => {
      const want = apache.pulled.get(e);
      assert.ok(Array.isArray(want), `Apache refused "${expression}": ${String(want)}`);
      const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
      if (!same(ours.pulled.get(e), want)) mismatches.push(`pull "${expression}": ours ${JSON.stringify(ours.pulled.get(e))} Apache ${JSON.stringify(want)}`);
      if (!same(ours.pushed.get(e), apache.pushed.get(e))) mismatches.push(`push "${expression}": ours ${JSON.stringify(ours.pushed.get(e))} Apache ${JSON.stringify(apache.pushed.get(e))}`);
      if (!same(apache.pushed.get(e), want)) mismatches.push(`Apache's push and pull differ for "${expression}"`);
      if (!same(evaluatorKeys(expression), want)) mismatches.push(`evaluator "${expression}": ${JSON.stringify(evaluatorKeys(expression))} Apache ${JSON.stringify(want)}`);
      assert.equal(ours.startError.get(e), undefined, `our broker refused "${expression}"`);
    });
    assert.deepEqual(mismatches, []);
    const delivered = VALID.filter((_, e) => ((apache.pulled.get(e) as string[]) ?? []).length > 0).length;
    assert.ok(delivered >= VALID.length - 5, `most expressions select something (${delivered}/${VALID.length})`);
    BAD.forEach((expression, b) => {
      const e = VALID.length + b;
      assert.equal(apache.startError.get(e), 23, `Apache: "${expression}" fails start with SUBSCRIPTION_PARSE_FAILED`);
      assert.equal(ours.startError.get(e), apache.startError.get(e), `"${expression}": our start error`);
    });
  });
});
