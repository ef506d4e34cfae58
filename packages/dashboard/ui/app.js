// The console's browser side: plain ES modules, no build step, nothing loaded from elsewhere.
// Each page is a function that draws into <main>; live pages refresh themselves on a timer.
import { lineChart } from './chart.js';

const main = document.getElementById('main');
const errorBox = document.getElementById('error');
let refreshTimer;

/** Thrown when the console asks for a login; route() then shows the login form. */
class LoginNeeded extends Error {}

export async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    // The server refuses state-changing calls without this header (CSRF protection).
    headers: { 'x-rocketmq-console': '1', ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    credentials: 'same-origin',
  });
  const data = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (response.status === 401 && path !== '/api/login') throw new LoginNeeded(data.error ?? 'log in first');
  if (!response.ok) throw new Error(data && data.error ? data.error : `HTTP ${response.status}`);
  return data;
}

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'text') el.textContent = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) if (child !== undefined && child !== null && child !== false) el.append(child instanceof Node ? child : String(child));
  return el;
}

function showError(error) {
  errorBox.textContent = error instanceof Error ? error.message : String(error);
  errorBox.hidden = false;
}
function clearError() {
  errorBox.hidden = true;
  errorBox.textContent = '';
}

/** Runs an action, showing its error in the banner instead of throwing. */
async function guard(action) {
  try {
    clearError();
    return await action();
  } catch (error) {
    if (error instanceof LoginNeeded) {
      loginPage();
      return undefined;
    }
    showError(error);
    return undefined;
  }
}

function table(columns, rows, testid) {
  return h('table', { 'data-testid': testid },
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', {}, c.title)))),
    h('tbody', {}, rows.length === 0
      ? h('tr', {}, h('td', { colspan: columns.length, class: 'muted' }, 'nothing to show'))
      : rows.map((row) => h('tr', {}, columns.map((c) => {
        const value = c.render ? c.render(row) : row[c.key];
        return h('td', { class: c.wrap ? 'wrap' : undefined }, value instanceof Node ? value : value ?? '');
      })))));
}

const fmtTime = (ms) => (ms > 0 ? new Date(ms).toLocaleString() : '—');
const fmtNum = (n) => (typeof n === 'number' ? n.toLocaleString() : n ?? '—');
const card = (...children) => h('section', { class: 'card' }, ...children);
const field = (label, input) => h('label', {}, label, input);
const toLocalInput = (ms) => new Date(ms - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16);

function formValues(form) {
  return Object.fromEntries(new FormData(form).entries());
}

function liveRefresh(fn, millis = 5000) {
  refreshTimer = setInterval(() => void fn(), millis);
}

function chartCard(title, seriesMap, testid) {
  return h('div', { class: 'chart', 'data-testid': testid }, h('h3', {}, title), lineChart(seriesMap));
}

// pages -------------------------------------------------------------------------------------

/** Role and replication lag as rocketmq-ts brokers report them (Apache's runtime info has neither). */
function replicationText(runtime) {
  if (!runtime || runtime.brokerRole === undefined) return '';
  const lag = runtime.replicationLagBytes;
  const role = runtime.brokerRole === 'SLAVE' ? `SLAVE ${runtime.haClientState ?? ''}, ${fmtNum(lag ?? 0)} B behind` : lag === undefined || lag < 0 ? `${runtime.brokerRole}, no slave` : `${runtime.brokerRole}, slave ${fmtNum(lag)} B behind`;
  return runtime.controller ? `${role}; ${controllerText(runtime.controller, runtime.brokerRole)}` : role;
}

/** Controller mode (docs/failover.md): controller id, master epoch, in-sync set (master), controller leader. */
function controllerText(c, role) {
  const inSync = role === 'SLAVE' ? '' : `, in-sync {${c.inSyncReplicas.join(', ')}}`;
  return `controller id ${c.brokerControllerId}, epoch ${c.masterEpoch}${inSync}, controller ${c.leader || 'unknown'}`;
}

async function clusterPage() {
  const container = h('div');
  main.replaceChildren(h('h2', {}, 'Cluster'), container);
  const draw = async () => {
    const [cluster, history] = await Promise.all([api('GET', '/api/cluster'), api('GET', '/api/history')]);
    container.replaceChildren(
      card(table([
        { title: 'Cluster', key: 'cluster' },
        { title: 'Broker', key: 'brokerName' },
        { title: 'Id', key: 'brokerId' },
        { title: 'Role', key: 'role' },
        { title: 'Address', key: 'addr' },
        { title: 'Version', render: (b) => b.runtime ? b.runtime.version : b.error },
        { title: 'In TPS', render: (b) => b.runtime && b.runtime.putTps.toFixed(2) },
        { title: 'Out TPS', render: (b) => b.runtime && b.runtime.getTps.toFixed(2) },
        { title: 'Put today', render: (b) => b.runtime && fmtNum(b.runtime.msgPutTotalTodayNow) },
        { title: 'Get today', render: (b) => b.runtime && fmtNum(b.runtime.msgGetTotalTodayNow) },
        { title: 'Replication', render: (b) => replicationText(b.runtime) },
        { title: 'Disk used', render: (b) => b.runtime && (b.runtime.commitLogDiskRatio < 0 ? 'unknown' : `${(b.runtime.commitLogDiskRatio * 100).toFixed(1)} %`) },
        { title: 'Up since', render: (b) => b.runtime && fmtTime(b.runtime.bootTimestamp) },
      ], cluster.brokers, 'brokers')),
      h('div', { class: 'grid' },
        card(chartCard('In TPS per broker', history.brokerPutTps, 'chart-put')),
        card(chartCard('Out TPS per broker', history.brokerGetTps, 'chart-get')),
        card(chartCard('Messages/s per topic', history.topicTps, 'chart-topic'))),
      ...cluster.brokers.filter((b) => b.runtime).map((b) => h('details', { class: 'card' },
        h('summary', {}, `Runtime info of ${b.brokerName} (${b.addr})`),
        h('div', { class: 'kv' }, Object.entries(b.runtime.raw).sort().flatMap(([k, v]) => [h('div', {}, k), h('div', {}, v)])))),
    );
  };
  await guard(draw);
  liveRefresh(() => guard(draw));
}

async function topicsPage() {
  const list = h('div');
  const detail = h('div');
  const search = h('input', { name: 'search', placeholder: 'search topics', 'data-testid': 'topic-search', oninput: () => void guard(drawList) });
  const system = h('input', { type: 'checkbox', onchange: () => void guard(drawList) });
  const createForm = h('form', { 'data-testid': 'topic-create', onsubmit: (e) => {
    e.preventDefault();
    void guard(async () => {
      const v = formValues(createForm);
      await api('POST', '/api/topics', { topic: v.topic, readQueueNums: Number(v.readQueueNums), writeQueueNums: Number(v.writeQueueNums), perm: Number(v.perm), cluster: v.cluster });
      createForm.append(h('span', { class: 'notice', 'data-testid': 'topic-created' }, `saved ${v.topic}`));
      await drawList();
    });
  } },
  field('Topic', h('input', { name: 'topic', required: true, 'data-testid': 'topic-name' })),
  field('Read queues', h('input', { name: 'readQueueNums', type: 'number', min: 1, value: 4 })),
  field('Write queues', h('input', { name: 'writeQueueNums', type: 'number', min: 1, value: 4 })),
  field('Permission', h('select', { name: 'perm' }, h('option', { value: 6 }, 'read + write'), h('option', { value: 4 }, 'read only'), h('option', { value: 2 }, 'write only'))),
  field('Cluster', h('input', { name: 'cluster', value: 'DefaultCluster' })),
  h('button', { type: 'submit' }, 'Create / update'));

  const drawList = async () => {
    const topics = await api('GET', `/api/topics?search=${encodeURIComponent(search.value)}&system=${system.checked}`);
    list.replaceChildren(table([
      { title: 'Topic', key: 'topic' },
      { title: 'Kind', key: 'kind' },
      { title: '', render: (t) => h('span', {},
        h('button', { class: 'secondary', 'data-testid': `topic-open-${t.topic}`, onclick: () => void guard(() => drawDetail(t.topic)) }, 'Details'), ' ',
        h('button', { class: 'danger', onclick: () => { if (confirm(`Delete topic ${t.topic}?`)) void guard(async () => { await api('DELETE', `/api/topics/${encodeURIComponent(t.topic)}`); detail.replaceChildren(); await drawList(); }); } }, 'Delete')) },
    ], topics, 'topic-list'));
  };

  const drawDetail = async (topic) => {
    const t = encodeURIComponent(topic);
    const [route, stats, consumers] = await Promise.all([api('GET', `/api/topics/${t}/route`), api('GET', `/api/topics/${t}/stats`), api('GET', `/api/topics/${t}/consumers`)]);
    const sendForm = h('form', { 'data-testid': 'send-form', onsubmit: (e) => {
      e.preventDefault();
      void guard(async () => {
        const v = formValues(sendForm);
        const result = await api('POST', `/api/topics/${t}/messages`, { body: v.body, keys: v.keys, tags: v.tags });
        sendForm.append(h('div', { class: 'notice', 'data-testid': 'send-result' }, `sent: msgId ${result.msgId} to queue ${result.messageQueue.queueId}`));
      });
    } },
    field('Body', h('input', { name: 'body', required: true, 'data-testid': 'send-body' })),
    field('Keys', h('input', { name: 'keys', 'data-testid': 'send-keys' })),
    field('Tag', h('input', { name: 'tags', 'data-testid': 'send-tags' })),
    h('button', { type: 'submit', 'data-testid': 'send-button' }, 'Send test message'));
    detail.replaceChildren(card(
      h('h3', {}, `Topic ${topic}`),
      table([{ title: 'Broker', key: 'brokerName' }, { title: 'Read queues', key: 'readQueueNums' }, { title: 'Write queues', key: 'writeQueueNums' }, { title: 'Perm', key: 'permText' }], route.queues, 'topic-route'),
      h('h3', {}, `Queues (${fmtNum(stats.totalMessages)} messages)`),
      table([{ title: 'Broker', key: 'brokerName' }, { title: 'Queue', key: 'queueId' }, { title: 'Min offset', key: 'minOffset' }, { title: 'Max offset', key: 'maxOffset' }, { title: 'Last update', render: (q) => fmtTime(q.lastUpdateTimestamp) }], stats.queues, 'topic-stats'),
      h('h3', {}, 'Consumed by'),
      table([{ title: 'Group', key: 'group' }, { title: 'Total lag', render: (c) => fmtNum(c.totalLag) }], consumers, 'topic-consumers'),
      h('h3', {}, 'Send a test message'), sendForm));
  };

  main.replaceChildren(h('h2', {}, 'Topics'), card(h('h3', {}, 'Create or update'), createForm), card(h('form', { onsubmit: (e) => e.preventDefault() }, field('Search', search), field('System topics', system)), list), detail);
  await guard(drawList);
}

async function consumersPage(param) {
  const list = h('div');
  const detail = h('div');
  const createForm = h('form', { 'data-testid': 'group-create', onsubmit: (e) => {
    e.preventDefault();
    void guard(async () => {
      const v = formValues(createForm);
      await api('POST', '/api/groups', { groupName: v.groupName, retryMaxTimes: Number(v.retryMaxTimes), consumeEnable: v.consumeEnable === 'true', consumeBroadcastEnable: v.consumeBroadcastEnable === 'true', cluster: v.cluster });
      await drawList();
    });
  } },
  field('Group', h('input', { name: 'groupName', required: true, 'data-testid': 'group-name' })),
  field('Max retries', h('input', { name: 'retryMaxTimes', type: 'number', value: 16, min: -1 })),
  field('Consume enabled', h('select', { name: 'consumeEnable' }, h('option', { value: 'true' }, 'yes'), h('option', { value: 'false' }, 'no'))),
  field('Broadcast allowed', h('select', { name: 'consumeBroadcastEnable' }, h('option', { value: 'true' }, 'yes'), h('option', { value: 'false' }, 'no'))),
  field('Cluster', h('input', { name: 'cluster', value: 'DefaultCluster' })),
  h('button', { type: 'submit' }, 'Create / update'));

  const drawList = async () => {
    const groups = await api('GET', '/api/groups?details=true');
    list.replaceChildren(table([
      { title: 'Group', key: 'groupName' },
      { title: 'Members', key: 'members' },
      { title: 'Model', key: 'messageModel' },
      { title: 'Total lag', render: (g) => fmtNum(g.totalLag) },
      { title: 'Consume TPS', render: (g) => (g.consumeTps ?? 0).toFixed(2) },
      { title: 'Max retries', key: 'retryMaxTimes' },
      { title: '', render: (g) => h('span', {},
        h('button', { class: 'secondary', 'data-testid': `group-open-${g.groupName}`, onclick: () => { location.hash = `#/consumers/${encodeURIComponent(g.groupName)}`; } }, 'Details'), ' ',
        h('button', { class: 'danger', onclick: () => { if (confirm(`Delete group ${g.groupName}?`)) void guard(async () => { await api('DELETE', `/api/groups/${encodeURIComponent(g.groupName)}`); await drawList(); }); } }, 'Delete')) },
    ], groups, 'group-list'));
  };

  const drawDetail = async (group) => {
    const g = encodeURIComponent(group);
    const [connection, stats, history] = await Promise.all([api('GET', `/api/groups/${g}/connection`), api('GET', `/api/groups/${g}/stats`), api('GET', '/api/history')]);
    const topics = [...new Set(stats.queues.map((q) => q.topic).filter((t) => !t.startsWith('%RETRY%')))];
    const resetForm = h('form', { 'data-testid': 'reset-form', onsubmit: (e) => {
      e.preventDefault();
      void guard(async () => {
        const v = formValues(resetForm);
        const result = await api('POST', `/api/groups/${g}/reset-offset`, { topic: v.topic, timestamp: new Date(v.time).getTime() });
        resetForm.append(h('div', { class: 'notice', 'data-testid': 'reset-result' }, `offsets reset (${result.mode}): ${result.queues.map((q) => `${q.brokerName}/${q.queueId}→${q.offset}`).join(', ')}`));
      });
    } },
    field('Topic', h('select', { name: 'topic', 'data-testid': 'reset-topic' }, topics.map((t) => h('option', { value: t }, t)))),
    field('To time', h('input', { name: 'time', type: 'datetime-local', step: 1, value: toLocalInput(Date.now() - 3600000), 'data-testid': 'reset-time' })),
    h('button', { type: 'submit', 'data-testid': 'reset-button' }, 'Reset offset'));
    const lagSeries = history.groupLag[group] ? { [group]: history.groupLag[group] } : {};
    if (!detail.contains(document.activeElement)) {
      detail.replaceChildren(card(
        h('h3', {}, `Group ${group}`),
        h('p', {}, 'Total lag: ', h('strong', { 'data-testid': 'total-lag' }, String(stats.totalLag)), `  ·  consume TPS ${stats.consumeTps.toFixed(2)}  ·  model ${connection.messageModel ?? '—'}  ·  ${connection.consumeType ?? ''}`),
        h('h3', {}, 'Members'),
        table([{ title: 'Client id', key: 'clientId' }, { title: 'Address', key: 'clientAddr' }, { title: 'Language', key: 'language' }, { title: 'Version', key: 'versionDesc' }], connection.connections, 'members'),
        h('h3', {}, 'Subscriptions'),
        table([{ title: 'Topic', key: 'topic' }, { title: 'Expression', key: 'subString' }, { title: 'Type', key: 'expressionType' }], connection.subscriptions, 'subscriptions'),
        h('h3', {}, 'Lag per queue'),
        table([{ title: 'Topic', key: 'topic' }, { title: 'Broker', key: 'brokerName' }, { title: 'Queue', key: 'queueId' }, { title: 'Broker offset', key: 'brokerOffset' }, { title: 'Consumer offset', key: 'consumerOffset' }, { title: 'Lag', key: 'lag' }, { title: 'Last consumed', render: (q) => fmtTime(q.lastTimestamp) }], stats.queues, 'queue-lag'),
        chartCard('Lag over time', lagSeries, 'chart-lag'),
        h('h3', {}, 'Reset offset to a time'), resetForm));
    }
  };

  main.replaceChildren(h('h2', {}, 'Consumer groups'), card(h('h3', {}, 'Create or update'), createForm), card(list), detail);
  await guard(drawList);
  if (param) {
    await guard(() => drawDetail(param));
    liveRefresh(() => guard(() => drawDetail(param)), 3000);
  } else {
    liveRefresh(() => guard(drawList), 5000);
  }
}

async function producersPage() {
  const result = h('div');
  const form = h('form', { onsubmit: (e) => {
    e.preventDefault();
    void guard(async () => {
      const v = formValues(form);
      const data = await api('GET', `/api/producers/${encodeURIComponent(v.group)}${v.topic ? `?topic=${encodeURIComponent(v.topic)}` : ''}`);
      result.replaceChildren(table([{ title: 'Client id', key: 'clientId' }, { title: 'Address', key: 'clientAddr' }, { title: 'Language', key: 'language' }, { title: 'Version', key: 'versionDesc' }], data.connections, 'producer-list'));
    });
  } },
  field('Producer group', h('input', { name: 'group', required: true })),
  field('Topic (optional)', h('input', { name: 'topic' })),
  h('button', { type: 'submit' }, 'Show connections'));
  main.replaceChildren(h('h2', {}, 'Producers'), card(form, result));
}

function messageTable(messages, topicOf, onOpen) {
  return table([
    { title: 'Message id', render: (m) => h('a', { href: '#', 'data-testid': `msg-${m.msgId}`, onclick: (e) => { e.preventDefault(); onOpen(m); } }, m.msgId) },
    { title: 'Tag', key: 'tags' },
    { title: 'Keys', render: (m) => m.keys.join(' ') },
    { title: 'Stored', render: (m) => fmtTime(m.storeTimestamp) },
    { title: 'Body', render: (m) => m.bodyText.slice(0, 80), wrap: true },
  ], messages, 'message-list');
}

async function messagesPage() {
  const results = h('div');
  const detail = h('div');
  const open = (topic) => (m) => void guard(async () => {
    const data = await api('GET', `/api/messages/${encodeURIComponent(m.msgId)}?topic=${encodeURIComponent(topic)}`);
    const msg = data.message;
    detail.replaceChildren(card(
      h('h3', {}, `Message ${msg.msgId}`),
      h('p', {}, h('a', { href: `#/trace/${encodeURIComponent(msg.msgId)}`, 'data-testid': 'message-trace-link' }, 'Show its trace')),
      h('div', { class: 'kv', 'data-testid': 'message-detail' },
        ['topic', 'msgId', 'offsetMsgId', 'tags', 'brokerName', 'queueId', 'queueOffset', 'reconsumeTimes', 'bornHost', 'storeHost'].flatMap((k) => [h('div', {}, k), h('div', {}, String(msg[k] ?? ''))]),
        h('div', {}, 'stored'), h('div', {}, fmtTime(msg.storeTimestamp))),
      h('h3', {}, 'Body'), h('pre', { 'data-testid': 'message-body' }, msg.bodyText),
      h('h3', {}, 'Properties'), h('div', { class: 'kv' }, Object.entries(msg.properties).flatMap(([k, v]) => [h('div', {}, k), h('div', {}, v)])),
      h('h3', {}, 'Consumption by group'),
      table([{ title: 'Group', key: 'group' }, { title: 'State', key: 'trackType' }, { title: 'Online', render: (t) => (t.online ? 'yes' : 'no') }, { title: 'Detail', key: 'detail', wrap: true }], data.track, 'message-track')));
  });
  const now = Date.now();
  const byTime = h('form', { onsubmit: (e) => {
    e.preventDefault();
    void guard(async () => {
      const v = formValues(byTime);
      const list = await api('GET', `/api/messages?topic=${encodeURIComponent(v.topic)}&begin=${new Date(v.begin).getTime()}&end=${new Date(v.end).getTime()}&max=200`);
      results.replaceChildren(card(h('h3', {}, `${list.length} message(s)`), messageTable(list, v.topic, open(v.topic))));
    });
  } },
  field('Topic', h('input', { name: 'topic', required: true })),
  field('From', h('input', { name: 'begin', type: 'datetime-local', step: 1, value: toLocalInput(now - 3600000) })),
  field('To', h('input', { name: 'end', type: 'datetime-local', step: 1, value: toLocalInput(now + 60000) })),
  h('button', { type: 'submit' }, 'Search by time'));
  const byKey = h('form', { 'data-testid': 'by-key', onsubmit: (e) => {
    e.preventDefault();
    void guard(async () => {
      const v = formValues(byKey);
      const list = await api('GET', `/api/messages?topic=${encodeURIComponent(v.topic)}&key=${encodeURIComponent(v.key)}`);
      results.replaceChildren(card(h('h3', {}, `${list.length} message(s)`), messageTable(list, v.topic, open(v.topic))));
    });
  } },
  field('Topic', h('input', { name: 'topic', required: true, 'data-testid': 'key-topic' })),
  field('Key', h('input', { name: 'key', required: true, 'data-testid': 'key-key' })),
  h('button', { type: 'submit', 'data-testid': 'key-search' }, 'Search by key'));
  const byId = h('form', { onsubmit: (e) => {
    e.preventDefault();
    const v = formValues(byId);
    open(v.topic)({ msgId: v.msgId });
  } },
  field('Topic', h('input', { name: 'topic', required: true })),
  field('Message id', h('input', { name: 'msgId', required: true, size: 34 })),
  h('button', { type: 'submit' }, 'Find by id'));
  main.replaceChildren(h('h2', {}, 'Messages'), card(byTime), card(byKey), card(byId), results, detail);
}

async function dlqPage() {
  const results = h('div');
  let last = [];
  const form = h('form', { 'data-testid': 'dlq-form', onsubmit: (e) => {
    e.preventDefault();
    void guard(draw);
  } },
  field('Consumer group', h('input', { name: 'group', required: true, 'data-testid': 'dlq-group' })),
  field('From', h('input', { name: 'begin', type: 'datetime-local', step: 1, value: toLocalInput(Date.now() - 24 * 3600000) })),
  field('To', h('input', { name: 'end', type: 'datetime-local', step: 1, value: toLocalInput(Date.now() + 3600000) })),
  h('button', { type: 'submit', 'data-testid': 'dlq-browse' }, 'Browse'));
  const draw = async () => {
    const v = formValues(form);
    const g = encodeURIComponent(v.group);
    const query = `begin=${new Date(v.begin).getTime()}&end=${new Date(v.end).getTime()}`;
    last = await api('GET', `/api/dlq/${g}?${query}`);
    results.replaceChildren(card(
      h('h3', {}, `${last.length} dead-letter message(s) of ${v.group} `), h('a', { href: `/api/dlq/${g}?${query}&export=true`, download: true, 'data-testid': 'dlq-export' }, 'Export as JSON'),
      table([
        { title: 'Message id', key: 'msgId' },
        { title: 'Original topic', render: (m) => m.properties.RETRY_TOPIC ?? '' },
        { title: 'Keys', render: (m) => m.keys.join(' ') },
        { title: 'Stored', render: (m) => fmtTime(m.storeTimestamp) },
        { title: 'Body', render: (m) => m.bodyText.slice(0, 80), wrap: true },
        { title: '', render: (m) => h('button', { 'data-testid': `dlq-resend-${m.msgId}`, onclick: () => void guard(async () => {
          const r = await api('POST', `/api/dlq/${g}/${encodeURIComponent(m.msgId)}/resend`);
          results.prepend(h('div', { class: 'notice', 'data-testid': 'dlq-resent' }, `resent ${m.msgId} to %RETRY%${v.group} (original topic ${r.originalTopic}): ${r.sendStatus}`));
        }) }, 'Resend') },
      ], last, 'dlq-list')));
  };
  main.replaceChildren(h('h2', {}, 'Dead-letter messages'), card(form), results);
}

async function namesrvPage() {
  const info = await api('GET', '/api/namesrv');
  const form = h('form', { 'data-testid': 'namesrv-form', onsubmit: (e) => {
    e.preventDefault();
    void guard(async () => {
      await api('PUT', '/api/namesrv', { addr: formValues(form).addr });
      await updateBadge();
      await namesrvPage();
    });
  } },
  field('Name server address', h('input', { name: 'addr', required: true, value: info.current, list: 'known-namesrv', size: 40 })),
  h('datalist', { id: 'known-namesrv' }, info.known.map((a) => h('option', { value: a }))),
  h('button', { type: 'submit' }, 'Switch'));
  main.replaceChildren(h('h2', {}, 'Name server'), card(h('p', {}, 'In use: ', h('strong', { 'data-testid': 'namesrv-current' }, info.current)), form,
    h('h3', {}, 'Known name servers'), table([{ title: 'Address', key: 'addr' }], info.known.map((addr) => ({ addr })), 'namesrv-known')));
}

function loginPage() {
  clearInterval(refreshTimer);
  const form = h('form', { 'data-testid': 'login-form', onsubmit: (e) => {
    e.preventDefault();
    void guard(async () => {
      const v = formValues(form);
      await api('POST', '/api/login', { username: v.username, password: v.password });
      await updateBadge();
      await route();
    });
  } },
  field('User', h('input', { name: 'username', required: true, autocomplete: 'username', 'data-testid': 'login-user' })),
  field('Password', h('input', { name: 'password', type: 'password', required: true, autocomplete: 'current-password', 'data-testid': 'login-password' })),
  h('button', { type: 'submit', 'data-testid': 'login-button' }, 'Log in'));
  main.replaceChildren(h('h2', {}, 'Log in'), card(form));
}

async function updateBadge() {
  const info = await api('GET', '/api/namesrv').catch(() => undefined);
  document.getElementById('namesrv-badge').textContent = info ? `name server ${info.current}` : '';
  const session = await api('GET', '/api/session').catch(() => undefined);
  const slot = document.getElementById('session');
  if (!slot) return;
  if (session && session.user) {
    slot.replaceChildren(`${session.user.name}${session.user.admin ? ' (admin)' : ''} `, h('button', { type: 'button', 'data-testid': 'logout', onclick: () => void guard(async () => {
      await api('POST', '/api/logout');
      slot.replaceChildren();
      loginPage();
    }) }, 'Log out'));
  } else {
    slot.replaceChildren();
  }
}

// Message trace: what the clients' enableMsgTrace records tell of one message (#/trace/<msgId>).
async function tracePage(param) {
  const results = h('div');
  const form = h('form', { 'data-testid': 'trace-form', onsubmit: (e) => {
    e.preventDefault();
    const v = formValues(form);
    const topic = v.traceTopic && v.traceTopic !== 'RMQ_SYS_TRACE_TOPIC' ? `?traceTopic=${encodeURIComponent(v.traceTopic)}` : '';
    void guard(async () => {
      results.replaceChildren();
      const trace = await api('GET', `/api/trace/${encodeURIComponent(v.msgId.trim())}${topic}`);
      const cost = (ms) => (ms === null || ms === undefined ? '—' : `${ms} ms`);
      results.replaceChildren(card(
        h('h3', {}, `Trace of ${trace.msgId}`),
        h('h3', {}, 'Sent'),
        table([{ title: 'Producer group', key: 'producerGroup' }, { title: 'Host', render: (r) => r.clientHost ?? '—' }, { title: 'Time', render: (r) => fmtTime(r.timestamp) }, { title: 'Cost', render: (r) => cost(r.costTime) }, { title: 'Status', key: 'status' }, { title: 'Topic', key: 'topic' }, { title: 'Tags', render: (r) => r.tags ?? '' }, { title: 'Keys', render: (r) => r.keys ?? '' }, { title: 'Type', key: 'msgType' }], trace.sent, 'trace-sent'),
        h('h3', {}, 'Stored'),
        table([{ title: 'Topic', key: 'topic' }, { title: 'Store host', render: (r) => r.storeHost ?? '—' }, { title: 'Stored at', render: (r) => fmtTime(r.storeTimestamp ?? 0) }, { title: 'Queue', render: (r) => (r.queueId ?? '—') }, { title: 'Offset', render: (r) => (r.queueOffset ?? '—') }, { title: 'Offset message id', render: (r) => r.offsetMsgId ?? '—' }], trace.stored, 'trace-stored'),
        h('h3', {}, 'Consumed'),
        table([{ title: 'Consumer group', key: 'consumerGroup' }, { title: 'Client', render: (r) => r.clientHost ?? '—' }, { title: 'Time', render: (r) => fmtTime(r.timestamp) }, { title: 'Cost', render: (r) => cost(r.costTime) }, { title: 'Status', key: 'status' }, { title: 'Retries', key: 'retryTimes' }], trace.consumed, 'trace-consumed')));
    });
  } },
  field('Message id', h('input', { name: 'msgId', required: true, size: 34, value: param ?? '', 'data-testid': 'trace-msgid' })),
  field('Trace topic', h('input', { name: 'traceTopic', value: 'RMQ_SYS_TRACE_TOPIC', 'data-testid': 'trace-topic' })),
  h('button', { type: 'submit', 'data-testid': 'trace-search' }, 'Show trace'));
  main.replaceChildren(h('h2', {}, 'Message trace'), card(form), results);
  if (param) form.requestSubmit();
}

const pages = { cluster: clusterPage, topics: topicsPage, consumers: consumersPage, producers: producersPage, messages: messagesPage, dlq: dlqPage, namesrv: namesrvPage, trace: tracePage };

async function route() {
  clearInterval(refreshTimer);
  clearError();
  const [page, param] = location.hash.replace(/^#\/?/, '').split('/');
  const name = pages[page] ? page : 'cluster';
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.page === name);
  main.replaceChildren(h('p', { class: 'muted' }, 'loading…'));
  await guard(() => pages[name](param ? decodeURIComponent(param) : undefined));
}

window.addEventListener('hashchange', () => void route());
void updateBadge();
void route();
