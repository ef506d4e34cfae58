/**
 * End to end in Debian's chromium (playwright-core, headless): create a topic in the UI, send a
 * test message, find it by key, watch a consumer group's lag reach zero while the client's
 * PushConsumer runs, reset its offset, and resend a dead-letter message. Screenshots of every
 * page (wide and phone-sized) go to packages/dashboard/test-artifacts/ (gitignored);
 * RMQTS_UPDATE_DOCS=1 also refreshes docs/console-*.png for the README. The console runs with
 * loginRequired: the test logs in first, and a page on another origin that POSTs to the API
 * (text/plain, no-cors, with the session cookie) creates nothing.
 * Skipped when /usr/bin/chromium is missing (.ci/run installs it).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Admin, type MessageExt, PushConsumer } from '@rocketmq-ts/client';
import { startCluster } from '@rocketmq-ts/server/internal';
import { chromium } from 'playwright-core';
import { startDashboard } from '../src/index.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = new URL('../test-artifacts/', import.meta.url).pathname;
const DOCS = new URL('../../../docs/', import.meta.url).pathname;
const id = () => randomUUID().replace(/-/g, '').slice(0, 8);

test('console in a browser', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium)` }, async (t) => {
  const cluster = await startCluster(t);
  const profile = await mkdtemp(join(tmpdir(), 'rmqts-chromium-'));
  const usersFile = join(profile, 'users.properties');
  await writeFile(usersFile, 'admin=console-test-pass,1\n');
  const dashboard = await startDashboard({ namesrvAddr: cluster.namesrvAddr, port: 0, host: '127.0.0.1', sampleIntervalMillis: 1000, login: { loginRequired: true, usersFile } });
  t.after(() => dashboard.close());
  await mkdir(ARTIFACTS, { recursive: true });
  // A fresh profile directory per run (playwright's persistent context is how it takes --user-data-dir).
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // One hook, browser first: after() hooks run in the order added, and removing the profile while
  // Chromium still wrote its cache failed (ENOTEMPTY), so the browser was never closed.
  t.after(async () => {
    await browser.close();
    await rm(profile, { recursive: true, force: true, maxRetries: 5 });
  });
  const page = await browser.newPage();
  const external: string[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(dashboard.url) && !request.url().startsWith('data:')) external.push(request.url());
  });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const topic = `ui_${id()}`;
  const group = `uig_${id()}`;
  const dlqGroup = `uidlq_${id()}`;

  // log in
  await page.goto(`${dashboard.url}/#/cluster`);
  await page.getByTestId('login-user').fill('admin');
  await page.getByTestId('login-password').fill('wrong');
  await page.getByTestId('login-button').click();
  await page.getByRole('alert').getByText('wrong username or password').waitFor();
  await page.getByTestId('login-password').fill('console-test-pass');
  await page.getByTestId('login-button').click();
  await page.getByTestId('session').getByText('admin (admin)').waitFor();

  // cluster page
  await page.goto(`${dashboard.url}/#/cluster`);
  await page.getByTestId('brokers').getByText(cluster.brokerAddr).waitFor();
  await page.getByTestId('brokers').getByText('V4_8_0').waitFor();

  // create a topic
  await page.goto(`${dashboard.url}/#/topics`);
  await page.getByTestId('topic-name').fill(topic);
  await page.getByTestId('topic-create').getByRole('button').click();
  await page.getByTestId('topic-created').waitFor();
  await page.getByTestId(`topic-open-${topic}`).click();
  await page.getByTestId('topic-route').getByText('RW-').waitFor();
  // send a test message
  await page.getByTestId('send-body').fill('hello from the console');
  await page.getByTestId('send-keys').fill('order-42');
  await page.getByTestId('send-tags').fill('TagUI');
  await page.getByTestId('send-button').click();
  await page.getByTestId('send-result').waitFor();
  await shot('topics');

  // find it by key
  await page.goto(`${dashboard.url}/#/messages`);
  await page.getByTestId('key-topic').fill(topic);
  await page.getByTestId('key-key').fill('order-42');
  await page.getByTestId('key-search').click();
  await page.getByTestId('message-list').getByText('hello from the console').waitFor();
  await page.getByTestId('message-list').getByRole('link').first().click();
  await page.getByTestId('message-body').getByText('hello from the console').waitFor();
  await shot('messages');

  // a consumer group: lag goes to zero while the PushConsumer runs
  const admin = new Admin({ namesrvAddr: cluster.namesrvAddr });
  await admin.start();
  t.after(() => admin.shutdown());
  await admin.createOrUpdateGroup({ groupName: group }, { cluster: 'DefaultCluster' });
  await admin.createOrUpdateGroup({ groupName: dlqGroup, retryMaxTimes: 0 }, { cluster: 'DefaultCluster' });
  const received: MessageExt[] = [];
  const consumer = new PushConsumer({ namesrvAddr: cluster.namesrvAddr, groupName: group, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', persistConsumerOffsetInterval: 200 });
  consumer.subscribe(topic, '*');
  consumer.onMessage((m) => void received.push(m));
  await consumer.start();
  t.after(() => consumer.shutdown());
  await page.goto(`${dashboard.url}/#/consumers/${group}`);
  await page.getByTestId('members').getByText(consumer.clientId).waitFor({ timeout: 20_000 });
  await page.getByTestId('queue-lag').getByText(topic).first().waitFor({ timeout: 20_000 });
  // Expressions run in the page (strings: this file is compiled without the DOM types).
  await page.waitForFunction(`document.querySelector('[data-testid="total-lag"]')?.textContent === '0'`, undefined, { timeout: 20_000 });
  await page.waitForTimeout(2500); // a few lag samples for the chart
  await shot('consumers');
  // reset the offset to an hour ago: the consumer gets the message again
  const before = received.length;
  await page.getByTestId('reset-topic').selectOption(topic);
  await page.getByTestId('reset-button').click();
  await page.getByTestId('reset-result').waitFor();
  for (let i = 0; i < 100 && received.length <= before; i++) await new Promise((resolve) => setTimeout(resolve, 200));
  assert.ok(received.length > before, 'the reset made the consumer receive the message again');

  // a dead letter: a consumer that always fails with maxReconsumeTimes 0, then resend in the UI
  let accept = false;
  const revived: MessageExt[] = [];
  const failing = new PushConsumer({ namesrvAddr: cluster.namesrvAddr, groupName: dlqGroup, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', maxReconsumeTimes: 0, pollNameServerInterval: 1000, rebalanceInterval: 1000 });
  failing.subscribe(topic, '*');
  failing.onMessage((m) => {
    if (!accept) return 'RECONSUME_LATER';
    revived.push(m);
    return 'CONSUME_SUCCESS';
  });
  await failing.start();
  t.after(() => failing.shutdown());
  const dead = await (async () => {
    for (let i = 0; i < 100; i++) {
      const list = await admin.dlqMessages(dlqGroup);
      if (list.length > 0) return list[0]!;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error('no dead letter appeared');
  })();
  accept = true;
  await page.goto(`${dashboard.url}/#/dlq`);
  await page.getByTestId('dlq-group').fill(dlqGroup);
  await page.getByTestId('dlq-browse').click();
  await page.getByTestId('dlq-list').getByText('hello from the console').waitFor();
  await shot('dlq');
  await page.getByTestId(`dlq-resend-${dead.msgId}`).click();
  await page.getByTestId('dlq-resent').waitFor();
  for (let i = 0; i < 100 && revived.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(revived[0]?.topic, topic, 'the resent message reached the group under its original topic');
  assert.equal(revived[0]?.body.toString(), 'hello from the console');

  // the other pages, wide and phone-sized
  for (const name of ['cluster', 'producers', 'namesrv']) {
    await page.goto(`${dashboard.url}/#/${name}`);
    await page.locator('main h2').waitFor();
    await page.waitForTimeout(300);
    await shot(name);
  }
  await page.goto(`${dashboard.url}/#/cluster`);
  await page.getByTestId('brokers').getByText('V4_8_0').waitFor();
  await page.waitForTimeout(1500);
  await shot('cluster');
  await page.setViewportSize({ width: 390, height: 844 });
  for (const name of ['cluster', 'topics', `consumers/${group}`]) {
    await page.goto(`${dashboard.url}/#/${name}`);
    await page.locator('main h2').waitFor();
    await page.waitForTimeout(500);
    const width = Number(await page.evaluate('document.documentElement.scrollWidth'));
    assert.ok(width <= 390 + 1, `${name} fits a phone's width (scrollWidth ${width})`);
    await shot(`phone-${name.split('/')[0]}`);
  }
  assert.deepEqual(external, [], 'no request leaves the console');
  assert.deepEqual(pageErrors, [], 'no script errors');

  // A page on another origin posts to the API as a CSRF attack would: refused, nothing created.
  const csrfTopic = `csrf_${id()}`;
  const evilSite = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end('<!doctype html><title>elsewhere</title>');
  });
  await new Promise<void>((resolve) => evilSite.listen(0, '127.0.0.1', () => resolve()));
  t.after(() => new Promise<void>((resolve) => evilSite.close(() => resolve())));
  const evil = await browser.newPage();
  await evil.goto(`http://127.0.0.1:${(evilSite.address() as AddressInfo).port}/`);
  await evil.evaluate(
    async ([url, topicName]) => {
      await fetch(`${url}/api/topics`, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ topic: topicName }) });
    },
    [dashboard.url, csrfTopic] as const,
  );
  await evil.close();
  const topicsNow = (await page.evaluate(async (url) => (await fetch(`${url}/api/topics`)).json(), dashboard.url)) as { topic: string }[];
  assert.ok(topicsNow.length > 0, 'the logged-in page still reads topics');
  assert.equal(topicsNow.some((row) => row.topic === csrfTopic), false, 'the cross-site POST created nothing');
  if (process.env['RMQTS_UPDATE_DOCS'] === '1') {
    await copyFile(join(ARTIFACTS, 'cluster.png'), join(DOCS, 'console-cluster.png'));
    await copyFile(join(ARTIFACTS, 'consumers.png'), join(DOCS, 'console-consumers.png'));
  }
});
