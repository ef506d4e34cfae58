/**
 * Message trace with the official Java client 4.8.0 (interop/java TraceFlow.java:
 * enableMsgTrace on a producer and a push consumer), read back with our Admin client's
 * messageTrace(msgId) — against our broker (traceTopicEnable=true) and, the same way, against
 * Apache RocketMQ 4.8.0, with the default trace topic and with a custom one; on ours also by
 * Apache's queryMsgTraceById, our console's /api/trace, and the admin calls of the official
 * rocketmq-dashboard's trace view (on both servers).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startCluster } from '@rocketmq-ts/server/internal';
import { startDashboard } from '@rocketmq-ts/dashboard';
import { Admin, type MessageTrace } from '../../packages/client/src/index.ts';
import { runJavaProgram } from '../lib/java-client.ts';
import { maskOutput, ourMqadmin } from '../lib/mqadmin-run.ts';
import { queryMsgTraceById } from '../lib/trace-tools.ts';
import { startApacheTarget, uniqueName } from '../lib/targets.ts';

interface Line {
  event: 'sent' | 'consumed' | 'done';
  i?: number;
  msgId?: string;
  offsetMsgId?: string;
  keys?: string;
  status?: string;
}

const COUNT = 3;

async function waitForTrace(admin: Admin, msgId: string, traceTopic: string | undefined): Promise<MessageTrace> {
  const deadline = Date.now() + 15_000;
  let last: MessageTrace | undefined;
  while (Date.now() < deadline) {
    last = await admin.messageTrace(msgId, traceTopic ? { traceTopic } : {}).catch(() => undefined);
    if (last && last.sent.length > 0 && last.consumed.length > 0 && last.consumed.every((c) => c.success !== null)) return last;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`no complete trace for ${msgId} in ${traceTopic ?? 'RMQ_SYS_TRACE_TOPIC'}: ${JSON.stringify(last)}`);
}

const lastMsgIds = new Map<string, { msgId: string; topic: string }>();

interface DashboardLine {
  event: 'message' | 'record';
  msgId?: string;
  topic?: string;
  storeHost?: string;
  type?: 'Pub' | 'SubBefore' | 'SubAfter';
  groupName?: string | null;
  requestId?: string | null;
  timestamp?: number;
  costTime?: number;
  success?: boolean;
  retryTimes?: number;
  offsetMsgId?: string | null;
}

/**
 * The official rocketmq-dashboard is not on Maven Central (nor any registry), so its trace view
 * is checked through the admin calls it makes (DashboardTraceCalls, rocketmq-tools 4.8.0):
 * viewMessage, then queryMessage on the trace topic by msgId, decoded and paired by requestId as
 * MessageTraceServiceImpl builds its graph: one producer node and each group's consume nodes.
 */
async function dashboardTraceView(namesrvAddr: string, brokerAddr: string, msgId: string, topic: string): Promise<string[]> {
  const lines = await runJavaProgram<DashboardLine>('DashboardTraceCalls', ['--namesrv', namesrvAddr, '--topic', topic, '--msg-id', msgId], 60_000);
  const message = lines.find((l) => l.event === 'message');
  assert.ok(message, 'viewMessage answered');
  assert.equal(message.msgId, msgId);
  assert.equal(message.storeHost, brokerAddr);
  const records = lines.filter((l) => l.event === 'record');
  const pubs = records.filter((r) => r.type === 'Pub');
  assert.equal(pubs.length, 1, 'the producer node');
  assert.equal(pubs[0]!.success, true);
  assert.equal(pubs[0]!.storeHost, brokerAddr);
  const byRequest = new Map<string, DashboardLine[]>();
  for (const r of records.filter((r) => r.type !== 'Pub')) byRequest.set(r.requestId!, [...(byRequest.get(r.requestId!) ?? []), r]);
  assert.equal(byRequest.size, 1, 'one consumption');
  const [pair] = [...byRequest.values()];
  const before = pair!.find((r) => r.type === 'SubBefore');
  const after = pair!.find((r) => r.type === 'SubAfter');
  assert.ok(before && after, 'SubBefore and SubAfter paired by requestId');
  assert.match(before.groupName ?? '', /_c$/);
  assert.equal(after.success, true);
  assert.ok((after.costTime ?? -1) >= 0);
  return records.map((r) => r.type!).sort();
}

async function traceRun(namesrvAddr: string, brokerAddr: string, traceTopic?: string): Promise<Record<string, unknown>[]> {
  const topic = uniqueName('traced');
  const group = uniqueName('traceg');
  const args = ['--namesrv', namesrvAddr, '--topic', topic, '--group', group, '--count', String(COUNT), ...(traceTopic ? ['--trace-topic', traceTopic] : [])];
  const lines = await runJavaProgram<Line>('TraceFlow', args, 90_000);
  const sent = lines.filter((l) => l.event === 'sent');
  assert.equal(sent.length, COUNT);
  lastMsgIds.set(`${namesrvAddr} ${traceTopic ?? ''}`, { msgId: sent[0]!.msgId!, topic });
  const admin = new Admin({ namesrvAddr });
  await admin.start();
  const shapes: Record<string, unknown>[] = [];
  try {
    for (const s of sent) {
      const trace = await waitForTrace(admin, s.msgId!, traceTopic);
      assert.equal(trace.sent.length, 1, 'one Pub record');
      const pub = trace.sent[0]!;
      assert.equal(pub.groupName, `${group}_p`);
      assert.equal(pub.topic, topic);
      assert.equal(pub.tags, 'TagA');
      assert.equal(pub.keys, s.keys);
      assert.equal(pub.success, true);
      assert.equal(pub.msgType, 'Normal_Msg');
      assert.equal(pub.offsetMsgId, s.offsetMsgId);
      assert.equal(pub.storeHost, brokerAddr);
      assert.equal(pub.bodyLength, `traced-${s.i}`.length);
      assert.ok(pub.costTime >= 0 && pub.timestamp > 0);
      assert.ok(pub.clientHost, '4.8 writes the producer host');
      assert.equal(trace.consumed.length, 1, 'consumed once');
      const consumed = trace.consumed[0]!;
      assert.equal(consumed.groupName, `${group}_c`);
      assert.equal(consumed.success, true);
      assert.equal(consumed.retryTimes, 0);
      assert.ok(consumed.costTime !== null && consumed.costTime >= 0);
      assert.ok(consumed.clientHost);
      shapes.push(...trace.records.map((r) => ({ type: r.type, fields: Object.keys(r).sort() })));
    }
  } finally {
    await admin.shutdown();
  }
  return shapes;
}

describe('message trace: Java 4.8 enableMsgTrace, read by our Admin client', { timeout: 400_000 }, () => {
  const shapes = new Map<string, Record<string, unknown>[]>();
  const dashboardTypes = new Map<string, string[]>();

  test('rocketmq-ts, traceTopicEnable=true: default and custom trace topics', { timeout: 180_000 }, async (t) => {
    const cluster = await startCluster(undefined, { traceTopicEnable: true });
    try {
      shapes.set('ours', [...(await traceRun(cluster.namesrvAddr, cluster.brokerAddr)), ...(await traceRun(cluster.namesrvAddr, cluster.brokerAddr, 'MyTraceTopic'))]);
      // Apache's queryMsgTraceById tool against our cluster (4.8 reads RMQ_SYS_TRACE_TOPIC only).
      const last = lastMsgIds.get(`${cluster.namesrvAddr} `)!;
      const out = await queryMsgTraceById(cluster.namesrvAddr, last.msgId);
      t.diagnostic(`queryMsgTraceById on rocketmq-ts: ${out.trim().split('\n').join(' | ')}`);
      assert.match(out, /^Pub\s+\S+_p\s.*success/m, out);
      assert.match(out, /^Sub\s+\S+_c\s.*success/m, out);
      // Our mqadmin prints the same (times masked).
      const ours = await ourMqadmin('QueryMsgTraceById', '-i', last.msgId, '-n', cluster.namesrvAddr);
      assert.equal(ours.code, 0, ours.stderr);
      assert.equal(maskOutput(ours.stdout), maskOutput(out), 'mqadmin QueryMsgTraceById: ours (actual) vs Apache\'s tool (expected)');
      dashboardTypes.set('ours', await dashboardTraceView(cluster.namesrvAddr, cluster.brokerAddr, last.msgId, last.topic));
      // Our console reads the same Java-written records.
      const web = await startDashboard({ namesrvAddr: cluster.namesrvAddr, port: 0, host: '127.0.0.1' });
      try {
        const response = await fetch(`${web.url}/api/trace/${last.msgId}`);
        assert.equal(response.status, 200);
        const view = (await response.json()) as { sent: { producerGroup: string; status: string; clientHost: string | null }[]; stored: { topic: string; storeHost: string | null }[]; consumed: { consumerGroup: string; status: string; retryTimes: number; clientHost: string | null }[] };
        assert.equal(view.sent.length, 1);
        assert.match(view.sent[0]!.producerGroup, /_p$/);
        assert.equal(view.sent[0]!.status, 'success');
        assert.ok(view.sent[0]!.clientHost, 'the 4.8 client writes its host');
        assert.deepEqual(view.stored.map((s) => [s.topic, s.storeHost]), [[last.topic, cluster.brokerAddr]]);
        assert.deepEqual(view.consumed.map((c) => [c.status, c.retryTimes]), [['success', 0]]);
        assert.match(view.consumed[0]!.consumerGroup, /_c$/);
      } finally {
        await web.close();
      }
    } finally {
      await cluster.stop();
    }
  });

  test('Apache RocketMQ 4.8.0, the same runs and the same reading', { timeout: 200_000 }, async () => {
    const apache = await startApacheTarget('trace', { traceTopicEnable: 'true' });
    try {
      shapes.set('apache', [...(await traceRun(apache.namesrvAddr, apache.brokerAddr)), ...(await traceRun(apache.namesrvAddr, apache.brokerAddr, 'MyTraceTopic'))]);
      const last = lastMsgIds.get(`${apache.namesrvAddr} `)!;
      dashboardTypes.set('apache', await dashboardTraceView(apache.namesrvAddr, apache.brokerAddr, last.msgId, last.topic));
    } finally {
      await apache.stop();
    }
  });

  test('the records have the same types and fields on both servers', (t) => {
    const ours = shapes.get('ours');
    const apache = shapes.get('apache');
    if (!ours || !apache) return t.skip('a target run failed (see above)');
    const key = (list: Record<string, unknown>[]) => [...new Set(list.map((s) => JSON.stringify(s)))].sort();
    assert.deepEqual(key(ours), key(apache));
    assert.deepEqual(dashboardTypes.get('ours'), dashboardTypes.get('apache'), "the dashboard's admin calls find the same records");
  });
});
