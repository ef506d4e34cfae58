/**
 * Every /api endpoint and /metrics against a real name server + broker (startCluster), with the
 * bad inputs a user or script can send: each error is JSON `{ error }` with a fitting status.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { type MessageExt, PushConsumer } from '@rocketmq-ts/client';
import { startCluster } from '@rocketmq-ts/server/internal';
import { startDashboard } from '../src/index.ts';

// JSON answers are read field by field with asserts; a loose type keeps that short.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const id = () => randomUUID().replace(/-/g, '').slice(0, 10);

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMillis = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMillis;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('dashboard API', async (t) => {
  const cluster = await startCluster(t);
  const dashboard = await startDashboard({ namesrvAddr: cluster.namesrvAddr, port: 0, host: '127.0.0.1', sampleIntervalMillis: 500 });
  t.after(() => dashboard.close());
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; data: Json }> => {
    const response = await fetch(dashboard.url + path, { method, headers: { 'x-rocketmq-console': '1', ...(body ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await response.text();
    let data: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json')) data = JSON.parse(text);
    return { status: response.status, data };
  };
  const expectError = async (method: string, path: string, status: number, pattern: RegExp, body?: unknown) => {
    const { status: got, data } = await call(method, path, body);
    assert.equal(got, status, `${method} ${path}: ${JSON.stringify(data)}`);
    assert.equal(typeof data.error, 'string', `${method} ${path} answers { error }`);
    assert.match(data.error, pattern);
    assert.doesNotMatch(data.error, /\n\s+at /, 'no stack trace');
  };
  const topic = `dash_${id()}`;
  const group = `dashg_${id()}`;

  // pages and assets
  const page = await fetch(dashboard.url + '/');
  assert.equal(page.status, 200);
  assert.match(await page.text(), /RocketMQ console/);
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  for (const asset of ['/app.js', '/chart.js', '/style.css']) assert.equal((await fetch(dashboard.url + asset)).status, 200, asset);
  await expectError('GET', '/nope.js', 404, /no such page/);
  await expectError('GET', '/api/nope', 404, /no API endpoint/);
  await expectError('PATCH', '/api/topics', 405, /use GET or POST/);

  // cluster
  const clusterView = await call('GET', '/api/cluster');
  assert.equal(clusterView.status, 200);
  assert.equal(clusterView.data.brokers[0].addr, cluster.brokerAddr);
  assert.equal(clusterView.data.brokers[0].runtime.version, 'V4_8_0');
  assert.equal((await call('GET', `/api/brokers/${encodeURIComponent(cluster.brokerAddr)}/runtime`)).data.version, 'V4_8_0');
  await expectError('GET', '/api/brokers/10.9.9.9:1/runtime', 404, /no broker at/);

  // topics
  await expectError('POST', '/api/topics', 400, /topic must be/, { topic: 'bad name!' });
  await expectError('POST', '/api/topics', 400, /writeQueueNums/, { topic, writeQueueNums: 0 });
  await expectError('POST', '/api/topics', 400, /perm must be/, { topic, perm: 3 });
  await expectError('POST', '/api/topics', 400, /not valid JSON/, '{nope');
  await expectError('POST', '/api/topics', 400, /NoCluster/, { topic, cluster: 'NoCluster' });
  const created = await call('POST', '/api/topics', { topic, readQueueNums: 2, writeQueueNums: 2, perm: 'RW' });
  assert.equal(created.status, 201);
  assert.deepEqual(created.data.brokers, [cluster.brokerAddr]);
  assert.deepEqual((await call('GET', `/api/topics?search=${topic}`)).data, [{ topic, kind: 'NORMAL' }]);
  assert.ok((await call('GET', '/api/topics?system=true')).data.some((t: { kind: string }) => t.kind === 'SYSTEM'));
  assert.equal((await call('GET', `/api/topics/${topic}/route`)).data.queues[0].writeQueueNums, 2);
  await expectError('GET', '/api/topics/no_such_topic_x/route', 404, /create the topic first/);
  await expectError('GET', '/api/topics/no_such_topic_x/stats', 404, /no_such_topic_x/);
  await expectError('POST', '/api/topics/no_such_topic_x/messages', 404, /no_such_topic_x/, { body: 'x' });
  await expectError('POST', `/api/topics/${topic}/messages`, 400, /body must be/, { body: '' });
  const sent = [];
  for (let i = 0; i < 4; i++) {
    const r = await call('POST', `/api/topics/${topic}/messages`, { body: `hello-${i}`, keys: `key-${i} shared`, tags: 'T' });
    assert.equal(r.status, 201, JSON.stringify(r.data));
    sent.push(r.data);
  }
  assert.equal((await call('GET', `/api/topics/${topic}/stats`)).data.totalMessages, 4);

  // groups + consumer
  await expectError('POST', '/api/groups', 400, /retryMaxTimes/, { groupName: group, retryMaxTimes: 'x' });
  await expectError('POST', '/api/groups', 400, /groupName must be/, {});
  assert.equal((await call('POST', '/api/groups', { groupName: group, retryMaxTimes: 2, consumeBroadcastEnable: false })).status, 201);
  assert.equal((await call('GET', '/api/groups')).data.find((g: { groupName: string }) => g.groupName === group).retryMaxTimes, 2);
  const received: MessageExt[] = [];
  const consumer = new PushConsumer({ namesrvAddr: cluster.namesrvAddr, groupName: group, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', persistConsumerOffsetInterval: 200 });
  consumer.subscribe(topic, '*');
  consumer.onMessage((m) => void received.push(m));
  await consumer.start();
  t.after(() => consumer.shutdown());
  await waitFor('lag 0', async () => {
    const s = (await call('GET', `/api/groups/${group}/stats?topic=${topic}`)).data;
    return s.queues?.length === 2 && s.totalLag === 0;
  });
  const details = (await call('GET', '/api/groups?details=true')).data.find((g: { groupName: string }) => g.groupName === group);
  assert.equal(details.members, 1);
  assert.equal(details.totalLag, 0);
  const connection = (await call('GET', `/api/groups/${group}/connection`)).data;
  assert.equal(connection.connections[0].clientId, consumer.clientId);
  assert.deepEqual((await call('GET', `/api/topics/${topic}/consumers`)).data, [{ group, totalLag: 0 }]);
  const running = await call('GET', `/api/groups/${group}/clients/${encodeURIComponent(consumer.clientId)}`);
  assert.equal(running.status, 200);
  assert.ok(running.data.subscriptions.length > 0);
  await expectError('GET', `/api/groups/${group}/clients/nobody@1`, 409, /not connected/);
  await expectError('POST', `/api/groups/${group}/reset-offset`, 400, /timestamp is required/, { topic });
  await expectError('POST', `/api/groups/${group}/reset-offset`, 400, /timestamp must be/, { topic, timestamp: 'yesterday-ish' });
  const reset = await call('POST', `/api/groups/${group}/reset-offset`, { topic, timestamp: new Date(0).toISOString() });
  assert.equal(reset.status, 200, JSON.stringify(reset.data));
  assert.equal(reset.data.mode, 'broker');
  await waitFor('re-consumed after reset', async () => received.length >= 8);
  // The re-consumed offsets reach the broker with the next offset commit (every 200 ms here).
  await waitFor('lag 0 after reset', async () => (await call('GET', `/api/groups/${group}/stats?topic=${topic}`)).data.totalLag === 0);
  assert.equal((await call('GET', `/api/producers/DASHBOARD_PRODUCER?topic=${topic}`)).status, 200);

  // messages
  const byKey = (await call('GET', `/api/messages?topic=${topic}&key=key-2`)).data;
  assert.deepEqual(byKey.map((m: { bodyText: string }) => m.bodyText), ['hello-2']);
  assert.equal((await call('GET', `/api/messages?topic=${topic}&key=shared`)).data.length, 4);
  assert.equal((await call('GET', `/api/messages?topic=${topic}`)).data.length, 4);
  await expectError('GET', `/api/messages?topic=${topic}&begin=2000&end=1000`, 400, /bad time range/);
  await expectError('GET', `/api/messages?topic=${topic}&begin=notadate`, 400, /begin must be/);
  await expectError('GET', '/api/messages', 400, /topic must be/);
  await expectError('GET', '/api/messages?topic=no_such_topic_x', 404, /no_such_topic_x/);
  const one = (await call('GET', `/api/messages/${sent[1].msgId}?topic=${topic}`)).data;
  assert.equal(one.message.bodyText, 'hello-1');
  assert.deepEqual(one.track.map((x: { group: string; trackType: string }) => [x.group, x.trackType]), [[group, 'CONSUMED']]);
  assert.equal((await call('GET', `/api/messages/${sent[1].offsetMsgId}?topic=${topic}`)).data.message.bodyText, 'hello-1');
  await expectError('GET', `/api/messages/00000000000000000000000000000000?topic=${topic}`, 404, /no message with id/);
  await expectError('GET', `/api/messages/xyz?topic=${topic}`, 400, /not a message id/);
  const direct = await call('POST', `/api/messages/${sent[0].msgId}/consume`, { topic, group, clientId: consumer.clientId });
  assert.equal(direct.data.consumeResult, 'CR_SUCCESS');
  await expectError('POST', `/api/messages/${sent[0].msgId}/consume`, 400, /clientId is required/, { topic, group });

  // dead letters: none yet, then bad input
  assert.deepEqual((await call('GET', `/api/dlq/${group}`)).data, []);
  await expectError('GET', `/api/dlq/${group}?begin=5&end=1`, 400, /bad time range/);
  await expectError('POST', `/api/dlq/${group}/00000000000000000000000000000000/resend`, 404, /no message with id|create the topic/);
  const exported = await fetch(`${dashboard.url}/api/dlq/${group}?export=true`);
  assert.match(exported.headers.get('content-disposition') ?? '', /attachment; filename="dlq-/);

  // history and metrics
  const history = await waitFor('history samples', async () => {
    const h = (await call('GET', '/api/history')).data;
    return h.brokerPutTps[cluster.brokerAddr]?.length > 0 && h.groupLag[group] ? h : undefined;
  });
  assert.ok(Array.isArray(history.topicTps[topic] ?? []));
  const metrics = await fetch(dashboard.url + '/metrics');
  assert.match(metrics.headers.get('content-type') ?? '', /text\/plain; version=0.0.4/);
  const text = await metrics.text();
  for (const name of ['rocketmq_broker_put_tps', 'rocketmq_broker_put_bytes_total', 'rocketmq_broker_store_size_bytes', 'rocketmq_queue_depth', 'rocketmq_group_lag', 'rocketmq_broker_transaction_discards_total']) {
    assert.match(text, new RegExp(`^# TYPE ${name} (gauge|counter)$`, 'm'), name);
  }
  assert.match(text, new RegExp(`^rocketmq_queue_depth\\{topic="${topic}",broker="broker-a",queue="0"\\} \\d+$`, 'm'));
  assert.match(text, new RegExp(`^rocketmq_group_lag\\{group="${group}",topic="${topic}"\\} 0$`, 'm'));
  assert.match(text, /^rocketmq_dashboard_cluster_up 1$/m);
  // The broker's stats items (VIEW_BROKER_STATS_DATA): the topic's puts and the group's pulls over the last minute.
  assert.match(text, new RegExp(`^rocketmq_topic_put_tps\\{topic="${topic}",broker="broker-a"\\} \\d+(\\.\\d+)?(e-?\\d+)?$`, 'm'));
  assert.match(text, new RegExp(`^rocketmq_group_get_tps\\{group="${group}",topic="${topic}",broker="broker-a"\\} \\d+(\\.\\d+)?(e-?\\d+)?$`, 'm'));

  // delete
  await expectError('DELETE', '/api/groups/no_such_group_x', 404, /no consumer group/);
  assert.equal((await call('DELETE', `/api/groups/${group}`)).status, 200);
  assert.equal((await call('DELETE', `/api/topics/${topic}`)).status, 200);
  await expectError('DELETE', `/api/topics/${topic}`, 404, /create the topic first/);

  // name servers: a dead one gives a clear error within seconds, and switching back works
  await expectError('PUT', '/api/namesrv', 400, /not host:port/, { addr: 'nonsense' });
  assert.equal((await call('PUT', '/api/namesrv', { addr: '127.0.0.1:1' })).status, 200);
  const started = Date.now();
  await expectError('GET', '/api/cluster', 503, /unreachable.*Name server page/);
  await expectError('GET', '/api/topics', 503, /unreachable/);
  assert.ok(Date.now() - started < 5000, 'errors come back within seconds');
  assert.match(await (await fetch(dashboard.url + '/metrics')).text(), /^rocketmq_dashboard_cluster_up 0$/m);
  const back = await call('PUT', '/api/namesrv', { addr: cluster.namesrvAddr });
  assert.deepEqual(back.data, { current: cluster.namesrvAddr, known: [cluster.namesrvAddr, '127.0.0.1:1'] });
  assert.equal((await call('GET', '/api/cluster')).status, 200);
});
