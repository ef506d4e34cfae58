/**
 * Every /api endpoint, in one table. Handlers validate input (params.ts), call the Admin client
 * and return plain data; http.ts turns values into JSON and errors into `{ error }`.
 */
import type { Admin, MessageView } from '@rocketmq-ts/client';
import { badRequest, notFound } from '../errors.ts';
import { isSystemGroup, isSystemTopic } from '../history.ts';
import { name, optionalInt, time, timeRange } from '../params.ts';
import { unlessUnavailable } from '../partial.ts';
import { Reply, type Route } from './router.ts';

const HOUR = 3_600_000;

function topicKind(topic: string): string {
  if (topic.startsWith('%RETRY%')) return 'RETRY';
  if (topic.startsWith('%DLQ%')) return 'DLQ';
  return isSystemTopic(topic) ? 'SYSTEM' : 'NORMAL';
}

function target(body: Record<string, unknown>): { cluster: string } | { brokerAddr: string } {
  if (typeof body['brokerAddr'] === 'string' && body['brokerAddr'] !== '') return { brokerAddr: body['brokerAddr'] };
  return { cluster: typeof body['cluster'] === 'string' && body['cluster'] !== '' ? body['cluster'] : 'DefaultCluster' };
}

function perm(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const map: Record<string, number> = { R: 4, W: 2, RW: 6 };
  const n = typeof value === 'string' && value in map ? map[value] : optionalInt(value, 'perm', 2, 6);
  if (n !== 2 && n !== 4 && n !== 6) throw badRequest(`perm must be 2 (write), 4 (read), 6 (read+write), or "W", "R", "RW"; got ${JSON.stringify(value)}`);
  return n;
}

function bool(value: unknown, what: string): boolean | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw badRequest(`${what} must be true or false; got ${JSON.stringify(value)}`);
}

async function ensureTopic(admin: Admin, topic: string): Promise<void> {
  // A clear 404 for an unknown topic before anything else is asked.
  await admin.topicRoute(topic);
}

export const routes: Route[] = [
  // cluster ---------------------------------------------------------------------------------
  {
    method: 'GET',
    path: '/api/cluster',
    handler: async ({ context }) => {
      const admin = context.admin;
      const view = await admin.clusterInfo();
      const brokers = await Promise.all(
        view.brokers.map(async (broker) => {
          try {
            return { ...broker, runtime: await admin.brokerRuntimeInfo(broker.addr), error: undefined };
          } catch (error) {
            return { ...broker, runtime: undefined, error: error instanceof Error ? error.message : String(error) };
          }
        }),
      );
      return { namesrvAddr: context.namesrvAddr, clusters: view.clusters, brokers };
    },
  },
  {
    method: 'GET',
    path: '/api/brokers/:addr/runtime',
    handler: async ({ context, params }) => {
      const known = (await context.admin.clusterInfo()).brokers.some((b) => b.addr === params['addr']);
      if (!known) throw notFound(`no broker at ${params['addr']} is registered with the name server; see /api/cluster for the addresses`);
      return context.admin.brokerRuntimeInfo(params['addr']!);
    },
  },
  // topics ----------------------------------------------------------------------------------
  {
    method: 'GET',
    path: '/api/topics',
    handler: async ({ context, query }) => {
      const search = (query.get('search') ?? '').toLowerCase();
      const includeSystem = query.get('system') === 'true';
      return (await context.admin.topicList())
        .map((topic) => ({ topic, kind: topicKind(topic) }))
        .filter((t) => (includeSystem || t.kind === 'NORMAL') && t.topic.toLowerCase().includes(search));
    },
  },
  {
    method: 'POST',
    path: '/api/topics',
    handler: async ({ context, body }) => {
      const input = await body();
      const topic = name(input['topic'], 'topic');
      const brokers = await context.admin.createOrUpdateTopic(
        {
          topic,
          readQueueNums: optionalInt(input['readQueueNums'], 'readQueueNums', 1, 1024) ?? 4,
          writeQueueNums: optionalInt(input['writeQueueNums'], 'writeQueueNums', 1, 1024) ?? 4,
          perm: perm(input['perm']) ?? 6,
          order: bool(input['order'], 'order') ?? false,
        },
        target(input),
      );
      return new Reply(201, { topic, brokers });
    },
  },
  {
    method: 'DELETE',
    path: '/api/topics/:topic',
    handler: async ({ context, params, query }) => {
      const topic = name(params['topic'], 'topic');
      await ensureTopic(context.admin, topic);
      await context.admin.deleteTopic(topic, query.get('cluster') ?? undefined);
      return { deleted: topic };
    },
  },
  { method: 'GET', path: '/api/topics/:topic/route', handler: async ({ context, params }) => context.admin.topicRoute(name(params['topic'], 'topic')) },
  { method: 'GET', path: '/api/topics/:topic/stats', handler: async ({ context, params }) => context.admin.topicStats(name(params['topic'], 'topic')) },
  {
    method: 'GET',
    path: '/api/topics/:topic/consumers',
    handler: async ({ context, params }) => {
      const topic = name(params['topic'], 'topic');
      const groups = await context.admin.topicConsumers(topic);
      return Promise.all(
        groups.map(async (group) => {
          const stats = await unlessUnavailable(context.admin.consumeStats(group, topic));
          return { group, totalLag: stats?.totalLag ?? null };
        }),
      );
    },
  },
  {
    method: 'POST',
    path: '/api/topics/:topic/messages',
    handler: async ({ context, params, body }) => {
      const topic = name(params['topic'], 'topic');
      const input = await body();
      if (typeof input['body'] !== 'string' || input['body'] === '') throw badRequest('body must be a non-empty string');
      await ensureTopic(context.admin, topic);
      const tags = typeof input['tags'] === 'string' && input['tags'] !== '' ? input['tags'] : undefined;
      const keys = typeof input['keys'] === 'string' && input['keys'].trim() !== '' ? input['keys'].trim().split(/\s+/) : undefined;
      const producer = await context.testProducer();
      const result = await producer.send({ topic, body: input['body'], ...(tags ? { tags } : {}), ...(keys ? { keys } : {}) });
      return new Reply(201, result);
    },
  },
  // consumer groups -------------------------------------------------------------------------
  {
    method: 'GET',
    path: '/api/groups',
    handler: async ({ context, query }) => {
      const search = (query.get('search') ?? '').toLowerCase();
      const includeSystem = query.get('system') === 'true';
      const configs = (await context.admin.groups()).filter((g) => (includeSystem || !isSystemGroup(g.groupName)) && g.groupName.toLowerCase().includes(search));
      if (query.get('details') !== 'true') return configs;
      return Promise.all(
        configs.map(async (config) => {
          const [connection, stats] = await Promise.all([
            unlessUnavailable(context.admin.consumerConnection(config.groupName)),
            unlessUnavailable(context.admin.consumeStats(config.groupName)),
          ]);
          return { ...config, members: connection?.connections.length ?? 0, messageModel: connection?.messageModel ?? null, totalLag: stats?.totalLag ?? null, consumeTps: stats?.consumeTps ?? null };
        }),
      );
    },
  },
  {
    method: 'POST',
    path: '/api/groups',
    handler: async ({ context, body }) => {
      const input = await body();
      const groupName = name(input['groupName'], 'groupName');
      const config: Parameters<Admin['createOrUpdateGroup']>[0] = { groupName };
      const retryMaxTimes = optionalInt(input['retryMaxTimes'], 'retryMaxTimes', -1, 64);
      const retryQueueNums = optionalInt(input['retryQueueNums'], 'retryQueueNums', 1, 64);
      const brokerId = optionalInt(input['brokerId'], 'brokerId', 0, 64);
      const consumeEnable = bool(input['consumeEnable'], 'consumeEnable');
      const consumeBroadcastEnable = bool(input['consumeBroadcastEnable'], 'consumeBroadcastEnable');
      const consumeFromMinEnable = bool(input['consumeFromMinEnable'], 'consumeFromMinEnable');
      if (retryMaxTimes !== undefined) config.retryMaxTimes = retryMaxTimes;
      if (retryQueueNums !== undefined) config.retryQueueNums = retryQueueNums;
      if (brokerId !== undefined) config.brokerId = brokerId;
      if (consumeEnable !== undefined) config.consumeEnable = consumeEnable;
      if (consumeBroadcastEnable !== undefined) config.consumeBroadcastEnable = consumeBroadcastEnable;
      if (consumeFromMinEnable !== undefined) config.consumeFromMinEnable = consumeFromMinEnable;
      const brokers = await context.admin.createOrUpdateGroup(config, target(input));
      return new Reply(201, { groupName, brokers });
    },
  },
  {
    method: 'DELETE',
    path: '/api/groups/:group',
    handler: async ({ context, params, query }) => {
      const group = name(params['group'], 'group');
      if (!(await context.admin.groups()).some((g) => g.groupName === group)) throw notFound(`no consumer group ${group}; see /api/groups`);
      await context.admin.deleteGroup(group, { cluster: query.get('cluster') ?? 'DefaultCluster' });
      return { deleted: group };
    },
  },
  { method: 'GET', path: '/api/groups/:group/connection', handler: async ({ context, params }) => context.admin.consumerConnection(name(params['group'], 'group')) },
  {
    method: 'GET',
    path: '/api/groups/:group/stats',
    handler: async ({ context, params, query }) => {
      const topic = query.get('topic');
      return context.admin.consumeStats(name(params['group'], 'group'), topic ? name(topic, 'topic') : undefined);
    },
  },
  {
    method: 'GET',
    path: '/api/groups/:group/clients/:clientId',
    handler: async ({ context, params, query }) => context.admin.consumerRunningInfo(name(params['group'], 'group'), params['clientId']!, { jstack: query.get('jstack') === 'true' }),
  },
  {
    method: 'POST',
    path: '/api/groups/:group/reset-offset',
    handler: async ({ context, params, body }) => {
      const group = name(params['group'], 'group');
      const input = await body();
      const topic = name(input['topic'], 'topic');
      const timestamp = input['timestamp'] === -1 || input['timestamp'] === '-1' ? -1 : time(input['timestamp'], 'timestamp');
      if (timestamp === undefined) throw badRequest('timestamp is required: epoch milliseconds, an ISO date, or -1 for the end of the queues');
      return context.admin.resetOffsetByTime(group, topic, timestamp, { force: bool(input['force'], 'force') ?? true });
    },
  },
  // producers -------------------------------------------------------------------------------
  {
    method: 'GET',
    path: '/api/producers/:group',
    handler: async ({ context, params, query }) => {
      const topic = query.get('topic');
      return context.admin.producerConnection(name(params['group'], 'group'), topic ? name(topic, 'topic') : undefined);
    },
  },
  // messages --------------------------------------------------------------------------------
  {
    method: 'GET',
    path: '/api/messages',
    handler: async ({ context, query }) => {
      const topic = name(query.get('topic'), 'topic');
      const maxNum = optionalInt(query.get('max'), 'max', 1, 2000) ?? 64;
      const key = query.get('key');
      if (key !== null) {
        if (key.trim() === '') throw badRequest('key is blank');
        const range = query.get('begin') || query.get('end') ? timeRange(query, 24 * HOUR) : { begin: 0, end: Number.MAX_SAFE_INTEGER };
        return context.admin.queryMessageByKey(topic, key, { ...range, maxNum });
      }
      const { begin, end } = timeRange(query, HOUR);
      return context.admin.queryMessageByTime(topic, { begin, end, maxNum });
    },
  },
  {
    method: 'GET',
    path: '/api/messages/:msgId',
    handler: async ({ context, params, query }) => {
      const topic = name(query.get('topic'), 'topic');
      const message: MessageView = await context.admin.viewMessage(topic, params['msgId']!);
      const track = topic.startsWith('%DLQ%') ? [] : await context.admin.messageTrack(topic, params['msgId']!).catch(() => []);
      return { message, track };
    },
  },
  {
    method: 'POST',
    path: '/api/messages/:msgId/consume',
    handler: async ({ context, params, body }) => {
      const input = await body();
      const topic = name(input['topic'], 'topic');
      const group = name(input['group'], 'group');
      if (typeof input['clientId'] !== 'string' || input['clientId'] === '') throw badRequest('clientId is required (see the group\'s members)');
      return context.admin.consumeMessageDirectly(group, input['clientId'], topic, params['msgId']!);
    },
  },
  // dead letters ----------------------------------------------------------------------------
  {
    method: 'GET',
    path: '/api/dlq/:group',
    handler: async ({ context, params, query }) => {
      const group = name(params['group'], 'group');
      const { begin, end } = timeRange(query, 24 * HOUR);
      const messages = await context.admin.dlqMessages(group, { begin, end, maxNum: optionalInt(query.get('max'), 'max', 1, 2000) ?? 100 });
      if (query.get('export') === 'true') return new Reply(200, messages, `dlq-${group}-${new Date(end).toISOString().replace(/[:.]/g, '-')}.json`);
      return messages;
    },
  },
  {
    method: 'POST',
    path: '/api/dlq/:group/:msgId/resend',
    handler: async ({ context, params }) => context.admin.resendDlqMessage(name(params['group'], 'group'), params['msgId']!),
  },
  // name servers ----------------------------------------------------------------------------
  { method: 'GET', path: '/api/namesrv', handler: async ({ context }) => ({ current: context.namesrvAddr, known: context.known }) },
  {
    method: 'PUT',
    path: '/api/namesrv',
    handler: async ({ context, body, history }) => {
      const input = await body();
      if (typeof input['addr'] !== 'string') throw badRequest('addr is required: "host:port" (several separated by ";")');
      await context.switchTo(input['addr'].trim());
      history.clear();
      return { current: context.namesrvAddr, known: context.known };
    },
  },
  // live figures ----------------------------------------------------------------------------
  { method: 'GET', path: '/api/history', handler: async ({ history }) => history.snapshot() },
];
