/**
 * The console's guards over real HTTP: it listens on 127.0.0.1 unless told otherwise; a
 * cross-site POST (a text/plain "simple request" a web page can send without CORS) never
 * changes anything; with loginRequired, users.properties accounts log in with a cookie
 * session, a normal user may only read, and an admin may change things. With an ACL account
 * the console's own calls are signed and work against an aclEnable broker.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startCluster } from '@rocketmq-ts/server/internal';
import { startDashboard } from '../src/index.ts';

const id = () => randomUUID().replace(/-/g, '').slice(0, 8);

test('console security', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'rmqts-console-sec-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const aclFile = join(dir, 'plain_acl.yml');
  await writeFile(aclFile, 'accounts:\n  - accessKey: consoleAdmin\n    secretKey: consoleSecret1\n    admin: true\n');
  const usersFile = join(dir, 'users.properties');
  await writeFile(usersFile, '# name=password[,1 = admin]\nadmin=adminPass1,1\nviewer=viewerPass1\n');
  const cluster = await startCluster(t, { aclEnable: true, 'rocketmq.acl.plain.file': aclFile });

  await t.test('without a host it binds 127.0.0.1 only', async () => {
    const dashboard = await startDashboard({ namesrvAddr: cluster.namesrvAddr, port: 0, credentials: { accessKey: 'consoleAdmin', secretKey: 'consoleSecret1' } });
    try {
      assert.match(dashboard.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await dashboard.close();
    }
  });

  const dashboard = await startDashboard({
    namesrvAddr: cluster.namesrvAddr,
    port: 0,
    login: { loginRequired: true, usersFile },
    credentials: { accessKey: 'consoleAdmin', secretKey: 'consoleSecret1' },
  });
  t.after(() => dashboard.close());
  const call = (method: string, path: string, init: { body?: string; headers?: Record<string, string>; cookie?: string } = {}) =>
    fetch(dashboard.url + path, { method, body: init.body, headers: { ...(init.cookie ? { cookie: init.cookie } : {}), ...init.headers } });
  const json = { 'content-type': 'application/json', 'x-rocketmq-console': '1' };
  const login = async (username: string, password: string): Promise<string> => {
    const response = await call('POST', '/api/login', { body: JSON.stringify({ username, password }), headers: json });
    assert.equal(response.status, 200, await response.clone().text());
    const cookie = response.headers.get('set-cookie') ?? '';
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    return cookie.split(';')[0]!;
  };

  await t.test('the API needs a login; the page itself loads', async () => {
    assert.equal((await call('GET', '/')).status, 200);
    assert.equal((await call('GET', '/api/topics')).status, 401);
    assert.deepEqual(await (await call('GET', '/api/session')).json(), { loginRequired: true, user: null });
    const wrong = await call('POST', '/api/login', { body: JSON.stringify({ username: 'admin', password: 'nope' }), headers: json });
    assert.equal(wrong.status, 401);
    const unknown = await call('POST', '/api/login', { body: JSON.stringify({ username: 'ghost', password: 'nope' }), headers: json });
    assert.deepEqual(await unknown.json(), await wrong.json(), 'the same answer for an unknown user and a wrong password');
  });

  const adminCookie = await login('admin', 'adminPass1');
  const viewerCookie = await login('viewer', 'viewerPass1');

  await t.test('a cross-site POST is refused and creates nothing, even with a session cookie', async () => {
    const topic = `csrf_${id()}`;
    // What a form or fetch(no-cors) on another site can send: text/plain, no custom header.
    const plain = await call('POST', '/api/topics', { body: JSON.stringify({ topic }), headers: { 'content-type': 'text/plain', origin: 'http://evil.example' }, cookie: adminCookie });
    assert.equal(plain.status, 403);
    const noOrigin = await call('POST', '/api/topics', { body: JSON.stringify({ topic }), headers: { 'content-type': 'text/plain' }, cookie: adminCookie });
    assert.equal(noOrigin.status, 403, 'without the console header');
    const fetchSite = await call('POST', '/api/topics', { body: JSON.stringify({ topic }), headers: { ...json, 'sec-fetch-site': 'cross-site' }, cookie: adminCookie });
    assert.equal(fetchSite.status, 403);
    const otherOrigin = await call('POST', '/api/topics', { body: JSON.stringify({ topic }), headers: { ...json, origin: 'http://evil.example' }, cookie: adminCookie });
    assert.equal(otherOrigin.status, 403);
    const loginCsrf = await call('POST', '/api/login', { body: JSON.stringify({ username: 'admin', password: 'adminPass1' }), headers: { 'content-type': 'text/plain' } });
    assert.equal(loginCsrf.status, 403, 'login CSRF');
    const topics = (await (await call('GET', '/api/topics', { cookie: adminCookie })).json()) as { topic: string }[];
    assert.equal(topics.some((row) => row.topic === topic), false);
  });

  await t.test('a normal user reads; an admin changes, signed with the console ACL account', async () => {
    const topic = `sec_${id()}`;
    assert.equal((await call('GET', '/api/cluster', { cookie: viewerCookie })).status, 200);
    const refused = await call('POST', '/api/topics', { body: JSON.stringify({ topic }), headers: { ...json, origin: dashboard.url }, cookie: viewerCookie });
    assert.equal(refused.status, 403);
    assert.match(((await refused.json()) as { error: string }).error, /not an admin/);
    const created = await call('POST', '/api/topics', { body: JSON.stringify({ topic, readQueueNums: 2, writeQueueNums: 2 }), headers: { ...json, origin: dashboard.url }, cookie: adminCookie });
    assert.equal(created.status, 201, await created.clone().text());
    const sent = await call('POST', `/api/topics/${topic}/messages`, { body: JSON.stringify({ body: 'signed by the console' }), headers: json, cookie: adminCookie });
    assert.equal(sent.status, 201, await sent.clone().text());
  });

  await t.test('log out ends the session', async () => {
    assert.equal((await call('POST', '/api/logout', { headers: json, cookie: viewerCookie })).status, 200);
    assert.equal((await call('GET', '/api/cluster', { cookie: viewerCookie })).status, 401);
  });
});

test('loginRequired without a usable users file refuses to start', async () => {
  await assert.rejects(startDashboard({ namesrvAddr: '127.0.0.1:1', port: 0, login: { loginRequired: true } }), /users file/);
  await assert.rejects(startDashboard({ namesrvAddr: '127.0.0.1:1', port: 0, login: { loginRequired: true, usersFile: join(tmpdir(), `none-${id()}`) } }), /cannot read the users file/);
});
