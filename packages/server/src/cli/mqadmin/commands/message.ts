/**
 * Message commands: queryMsgById, queryMsgByKey, queryMsgByUniqueKey, queryMsgByOffset,
 * QueryMsgTraceById, printMsg, sendMessage, consumeMessage, and resumeCheckHalfMessage
 * (DefaultMQAdminExt.resumeCheckHalfMessage, RESUME_CHECK_HALF_MESSAGE 323, which Apache's
 * tool has no command for).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Admin, DEFAULT_TRACE_TOPIC, type MessageExt, Producer, type SubAfterTrace, type PubTrace } from '@rocketmq-ts/client';
import { javaStringMapOrder } from '@rocketmq-ts/protocol';
import { type CommandContext, type CommandSpec, CommandFailed, option, UsageError } from '../command.ts';
import { dateTime, humanTime2, javaFormat } from '../printf.ts';

/** Java's HashMap<String,String>.toString(): `{k=v, k=v}` in the map's iteration order. */
export function javaMapText(map: Readonly<Record<string, string>>): string {
  return `{${javaStringMapOrder(Object.keys(map))
    .map((k) => `${k}=${map[k]}`)
    .join(', ')}}`;
}

/** What Message.getKeys() returns: the KEYS property as stored, or null. */
function keysOf(m: MessageExt): string | null {
  return m.properties.KEYS ?? null;
}

/** MessageExt.toString() (4.8), which printMsg and consumeMessage print whole. */
export function messageExtText(m: MessageExt): string {
  const bytes = [...m.body].map((b) => (b > 127 ? b - 256 : b)).join(', ');
  const preparedTransactionOffset = m.preparedTransactionOffset ?? 0;
  return (
    `MessageExt [brokerName=${m.queue.brokerName}, queueId=${m.queueId}, storeSize=${m.storeSize}, queueOffset=${m.queueOffset}, sysFlag=${m.sysFlag}, ` +
    `bornTimestamp=${m.bornTimestamp}, bornHost=/${m.bornHost}, storeTimestamp=${m.storeTimestamp}, storeHost=/${m.storeHost}, msgId=${m.offsetMsgId}, ` +
    `commitLogOffset=${m.commitLogOffset}, bodyCRC=${m.bodyCRC}, reconsumeTimes=${m.reconsumeTimes}, preparedTransactionOffset=${preparedTransactionOffset}, ` +
    `toString()=Message{topic='${m.topic}', flag=${m.flag}, properties=${javaMapText(m.properties)}, body=[${bytes}], transactionId='null'}]`
  );
}

/** Writes the body where Apache's tool does (/tmp/rocketmq/msgbodys/<msgId>; under the OS temp dir here). */
async function saveBody(m: MessageExt): Promise<string> {
  const dir = join(tmpdir(), 'rocketmq', 'msgbodys');
  await mkdir(dir, { recursive: true });
  const path = join(dir, m.msgId);
  await writeFile(path, m.body);
  return path;
}

/** QueryMsgByIdSubCommand.printMsg (withOffsetId) / QueryMsgByUniqueKeySubCommand.queryById (without). */
async function messageDetail(client: Admin, m: MessageExt, withOffsetId: boolean): Promise<{ text: string; json: unknown }> {
  const bodyPath = await saveBody(m);
  const line = (label: string, value: string | number) => javaFormat(typeof value === 'number' ? '%-20s %d%n' : '%-20s %s%n', label, value);
  let text = withOffsetId ? line('OffsetID:', m.offsetMsgId) : '';
  text +=
    line('Topic:', m.topic) +
    line('Tags:', `[${m.tags ?? null}]`) +
    line('Keys:', `[${keysOf(m)}]`) +
    line('Queue ID:', m.queueId) +
    line('Queue Offset:', m.queueOffset) +
    line('CommitLog Offset:', m.commitLogOffset) +
    line('Reconsume Times:', m.reconsumeTimes) +
    line('Born Timestamp:', humanTime2(m.bornTimestamp)) +
    line('Store Timestamp:', humanTime2(m.storeTimestamp)) +
    line('Born Host:', m.bornHost) +
    line('Store Host:', m.storeHost) +
    line('System Flag:', m.sysFlag) +
    line('Properties:', javaMapText(m.properties)) +
    line('Message Body Path:', bodyPath);
  const tracks = await client.messageTrackOf(m);
  if (tracks.length === 0) text += javaFormat('%n%nWARN: No Consumer');
  else {
    text += javaFormat('%n%n');
    for (const t of tracks) {
      const desc = t.trackType === 'NOT_ONLINE' || t.trackType === 'UNKNOWN' ? t.detail : 'null';
      text += `MessageTrack [consumerGroup=${t.group}, trackType=${t.trackType}, exceptionDesc=${desc}]`;
    }
  }
  return { text, json: { message: messageJson(m), bodyPath, tracks } };
}

function messageJson(m: MessageExt) {
  return { ...m, body: m.body.toString('utf8') };
}

function notFound(error: unknown): boolean {
  return error instanceof Error && /not found|no message|NO_MESSAGE|QUERY_NOT_FOUND|can not find/i.test(error.message);
}

const queryMsgById: CommandSpec = {
  name: 'queryMsgById',
  description: 'Query Message by Id',
  options: [
    option('i', 'msgId', 'Message Id', { required: true }),
    option('g', 'consumerGroup', 'consumer group name'),
    option('d', 'clientId', "The consumer's client id"),
    option('s', 'sendMessage', 'resend message'),
    option('u', 'unitName', 'unit name'),
  ],
  async run({ options, admin }) {
    const client = await admin();
    const ids = options.need('i').split(',').map((s) => s.trim()).filter(Boolean);
    if (options.has('g') && options.has('d')) throw new CommandFailed('-g/-d (consume the message directly on a client) needs the topic: use consumeMessage or the console; rocketmq-ts mqadmin does not push by offsetMsgId alone');
    if (options.has('s')) throw new CommandFailed('-s (resend by id) is not supported by rocketmq-ts mqadmin; use the console\'s resend or sendMessage');
    let text = '';
    const found = [];
    for (const id of ids) {
      let m: MessageExt;
      try {
        m = await client.viewMessageById(id);
      } catch (error) {
        if (!notFound(error)) throw error;
        text += javaFormat('%nMessage not found!');
        continue;
      }
      const detail = await messageDetail(client, m, true);
      text += detail.text;
      found.push(detail.json);
    }
    return { text, json: found };
  },
};

const queryMsgByUniqueKey: CommandSpec = {
  name: 'queryMsgByUniqueKey',
  description: 'Query Message by Unique key',
  options: [
    option('i', 'msgId', 'Message Id', { required: true }),
    option('g', 'consumerGroup', 'consumer group name'),
    option('d', 'clientId', "The consumer's client id"),
    option('t', 'topic', 'The topic of msg', { required: true }),
  ],
  async run({ options, admin }) {
    const client = await admin();
    const topic = options.need('t');
    const msgId = options.need('i');
    const group = options.get('g');
    const clientId = options.get('d');
    if (group && clientId) {
      const result = await client.consumeMessageDirectly(group, clientId, topic, msgId);
      return { text: `${JSON.stringify(result)}\n`, json: result };
    }
    const m = await client.findMessage(topic, msgId);
    return messageDetail(client, m, false);
  },
};

const queryMsgByKey: CommandSpec = {
  name: 'queryMsgByKey',
  description: 'Query Message by Key',
  options: [option('t', 'topic', 'topic name', { required: true }), option('k', 'msgKey', 'Message Key', { required: true })],
  async run({ options, admin }) {
    const messages = await (await admin()).queryMessagesByKey(options.need('t'), options.need('k'), { maxNum: 64 });
    let text = javaFormat('%-50s %4s %40s%n', '#Message ID', '#QID', '#Offset');
    for (const m of messages) text += javaFormat('%-50s %4d %40d%n', m.msgId, m.queueId, m.queueOffset);
    return { text, json: messages.map(messageJson) };
  },
};

const queryMsgByOffset: CommandSpec = {
  name: 'queryMsgByOffset',
  description: 'Query Message by offset',
  options: [
    option('t', 'topic', 'topic name', { required: true }),
    option('b', 'brokerName', 'Broker Name', { required: true }),
    option('i', 'queueId', 'Queue Id', { required: true }),
    option('o', 'offset', 'Queue Offset', { required: true }),
  ],
  async run({ options, admin }) {
    const client = await admin();
    const mq = { topic: options.need('t'), brokerName: options.need('b'), queueId: options.int('i', 0) };
    const pulled = await client.pullQueue(mq, options.int('o', 0), 1);
    const m = pulled.status === 'FOUND' ? pulled.messages[0] : undefined;
    if (!m) return { text: '', json: null };
    return messageDetail(client, m, true);
  },
};

/** Apache's timestampFormat: epoch milliseconds, or yyyy-MM-dd#HH:mm:ss:SSS in local time. */
function timestampOf(text: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  const m = /^(\d{4})-(\d{2})-(\d{2})#(\d{2}):(\d{2}):(\d{2}):(\d{3})$/.exec(text);
  if (!m) throw new UsageError(`a timestamp is epoch milliseconds or yyyy-MM-dd#HH:mm:ss:SSS, got "${text}"`);
  const [, y, mo, d, h, mi, s, ms] = m.map(Number) as [number, number, number, number, number, number, number, number];
  return new Date(y, mo - 1, d, h, mi, s, ms).getTime();
}

const mqText = (mq: { topic: string; brokerName: string; queueId: number }) => `MessageQueue [topic=${mq.topic}, brokerName=${mq.brokerName}, queueId=${mq.queueId}]`;

async function queuesOf(client: Admin, topic: string) {
  const route = await client.topicRoute(topic);
  const queues = [];
  for (const q of route.queues) for (let queueId = 0; queueId < q.readQueueNums; queueId++) queues.push({ topic, brokerName: q.brokerName, queueId });
  return queues;
}

const printMsg: CommandSpec = {
  name: 'printMsg',
  description: 'Print Message Detail',
  options: [
    option('t', 'topic', 'topic name', { required: true }),
    option('c', 'charsetName', 'CharsetName(eg: UTF-8,GBK)'),
    option('s', 'subExpression', 'Subscribe Expression(eg: TagA || TagB)'),
    option('b', 'beginTimestamp', 'Begin timestamp[currentTimeMillis|yyyy-MM-dd#HH:mm:ss:SSS]'),
    option('e', 'endTimestamp', 'End timestamp[currentTimeMillis|yyyy-MM-dd#HH:mm:ss:SSS]'),
    option('d', 'printBody', 'print body'),
  ],
  async run({ options, admin }) {
    const client = await admin();
    const charset = options.get('c') ?? 'UTF-8';
    if (!/^utf-?8$/i.test(charset)) throw new CommandFailed(`-c ${charset}: rocketmq-ts mqadmin prints bodies as UTF-8 only`);
    const sub = options.get('s') ?? '*';
    const printBody = options.bool('d', true);
    let text = '';
    const json = [];
    for (const mq of await queuesOf(client, options.need('t'))) {
      const begin = options.get('b');
      const end = options.get('e');
      let { minOffset, maxOffset } = await client.queueOffsets(mq);
      if (begin !== undefined) minOffset = (await client.queueOffsets(mq, timestampOf(begin))).timeOffset ?? minOffset;
      if (end !== undefined) maxOffset = (await client.queueOffsets(mq, timestampOf(end))).timeOffset ?? maxOffset;
      text += `minOffset=${minOffset}, maxOffset=${maxOffset}, ${mqText(mq)}`;
      for (let offset = minOffset; offset < maxOffset; ) {
        const pulled = await client.pullQueue(mq, offset, 32, sub);
        offset = pulled.nextBeginOffset;
        if (pulled.status === 'FOUND') {
          for (const m of pulled.messages) {
            text += javaFormat('MSGID: %s %s BODY: %s%n', m.msgId, messageExtText(m), printBody ? m.body.toString('utf8') : 'NOT PRINT BODY');
            json.push(messageJson(m));
          }
        } else if (pulled.status === 'NO_MATCHED_MSG') {
          text += `${mqText(mq)} no matched msg. status=${pulled.status}, offset=${offset}`;
        } else {
          text += `${mqText(mq)} print msg finished. status=${pulled.status}, offset=${offset}`;
          break;
        }
      }
    }
    return { text, json };
  },
};

const sendMessage: CommandSpec = {
  name: 'sendMessage',
  description: 'Send a message',
  options: [
    option('t', 'topic', 'Topic name', { required: true }),
    option('p', 'body', 'UTF-8 string format of the message body', { required: true }),
    option('k', 'key', 'Message keys'),
    option('c', 'tags', 'Message tags'),
    option('b', 'broker', 'Send message to target broker'),
    option('i', 'qid', 'Send message to target queue'),
  ],
  async run({ options, clientOptions }) {
    const topic = options.need('t');
    const brokerName = options.get('b');
    if (options.has('i') && !brokerName) throw new UsageError('Broker name must be set if the queue is chosen!');
    const producer = new Producer({ ...(await clientOptions()), groupName: String(Date.now()), instanceName: `mqadmin-${process.pid}-${Date.now()}` });
    await producer.start();
    try {
      const message = { topic, body: options.need('p'), ...(options.has('c') ? { tags: options.need('c') } : {}), ...(options.has('k') ? { keys: options.need('k') } : {}) };
      const queueId = options.int('i', -1);
      const result = brokerName && queueId > -1 ? await producer.send(message, { queue: { topic, brokerName, queueId } }) : await producer.send(message);
      const format = '%-32s  %-4s  %-20s    %s%n';
      const text =
        javaFormat(format, '#Broker Name', '#QID', '#Send Result', '#MsgId') + javaFormat(format, result.messageQueue.brokerName, result.messageQueue.queueId, result.sendStatus, result.msgId);
      return { text, json: result };
    } finally {
      await producer.shutdown();
    }
  },
};

const consumeMessage: CommandSpec = {
  name: 'consumeMessage',
  description: 'Consume message',
  options: [
    option('t', 'topic', 'Topic name', { required: true }),
    option('b', 'brokerName', 'Broker name'),
    option('i', 'queueId', 'Queue Id'),
    option('o', 'offset', 'Queue offset'),
    option('g', 'consumerGroup', 'Consumer group name'),
    option('s', 'beginTimestamp', 'Begin timestamp[currentTimeMillis|yyyy-MM-dd#HH:mm:ss:SSS]'),
    option('e', 'endTimestamp', 'End timestamp[currentTimeMillis|yyyy-MM-dd#HH:mm:ss:SSS]'),
    option('c', 'MessageNumber', 'Number of message to be consumed'),
  ],
  async run({ options, admin }) {
    const client = await admin();
    const topic = options.need('t');
    const count = options.int('c', 128);
    if (count <= 0) throw new UsageError('Please input a positive messageNumber!');
    if (options.has('i') && !options.has('b')) throw new UsageError('Please set the brokerName before queueId!');
    if (options.has('o') && !options.has('i')) throw new UsageError('Please set queueId before offset!');
    const now = Date.now();
    const begin = options.has('s') ? timestampOf(options.need('s')) : 0;
    const end = options.has('e') ? timestampOf(options.need('e')) : 0;
    if (begin > now) throw new UsageError('Please set the beginTimestamp before now!');
    if (end > now) throw new UsageError('Please set the endTimestamp before now!');
    if (options.has('e') && begin > end) throw new UsageError('Please make sure that the beginTimestamp is less than or equal to the endTimestamp');
    let text = '';
    const json: unknown[] = [];
    const pullRange = async (mq: { topic: string; brokerName: string; queueId: number }, from: number, to: number) => {
      for (let offset = from; offset <= to; ) {
        const pulled = await client.pullQueue(mq, offset, to - offset + 1);
        offset = pulled.nextBeginOffset;
        if (pulled.status === 'FOUND') {
          text += 'Consume ok\n';
          for (const m of pulled.messages) {
            text += javaFormat('MSGID: %s %s BODY: %s%n', m.msgId, messageExtText(m), m.body.toString('utf8'));
            json.push(messageJson(m));
          }
        } else if (pulled.status === 'NO_MATCHED_MSG') {
          text += `${mqText(mq)} no matched msg. status=${pulled.status}, offset=${offset}\n`;
        } else {
          text += `${mqText(mq)} print msg finished. status=${pulled.status}, offset=${offset}\n`;
          break;
        }
      }
    };
    const bounds = async (mq: { topic: string; brokerName: string; queueId: number }) => {
      let { minOffset, maxOffset } = await client.queueOffsets(mq);
      if (begin > 0) minOffset = (await client.queueOffsets(mq, begin)).timeOffset ?? minOffset;
      if (end > 0) maxOffset = (await client.queueOffsets(mq, end)).timeOffset ?? maxOffset;
      return { minOffset, maxOffset };
    };
    if (options.has('i')) {
      const mq = { topic, brokerName: options.need('b'), queueId: options.int('i', 0) };
      let { minOffset, maxOffset } = await bounds(mq);
      if (options.has('o')) minOffset = Math.max(minOffset, options.int('o', 0));
      if (maxOffset - minOffset > count) {
        text += javaFormat('The oldler %d message will be provided\n', count);
        maxOffset = minOffset + count - 1;
      }
      await pullRange(mq, minOffset, maxOffset);
    } else {
      let left = count;
      for (const mq of await queuesOf(client, topic)) {
        if (left === 0) break;
        const range = await bounds(mq);
        const minOffset = range.minOffset;
        let maxOffset = range.maxOffset;
        if (maxOffset - minOffset > left) {
          text += javaFormat('The older %d message of the %d queue will be provided\n', left, mq.queueId);
          maxOffset = minOffset + left - 1;
          left = 0;
        } else {
          left = left - (maxOffset - minOffset) - 1;
        }
        await pullRange(mq, minOffset, maxOffset);
      }
    }
    return { text, json };
  },
};

const queryMsgTraceById: CommandSpec = {
  name: 'QueryMsgTraceById',
  description: 'query a message trace',
  options: [option('i', 'msgId', 'Message Id', { required: true })],
  async run(ctx: CommandContext) {
    const msgId = ctx.options.need('i');
    const trace = await (await ctx.admin()).messageTrace(msgId, { traceTopic: DEFAULT_TRACE_TOPIC });
    const row = '%-10s %-20s %-20s %-20s %-10s %-10s%n';
    let text = '';
    const byGroup = new Map<string, SubAfterTrace[]>();
    for (const r of trace.records) {
      if (r.type === 'Pub') {
        const pub = r as PubTrace;
        text += javaFormat(row, '#Type', '#ProducerGroup', '#ClientHost', '#SendTime', '#CostTimes', '#Status');
        text += javaFormat(row, 'Pub', pub.groupName, pub.clientHost, dateTime(pub.timestamp), `${pub.costTime}ms`, pub.success ? 'success' : 'failed');
        text += '\n';
      } else if (r.type === 'SubAfter') {
        const group = String((r as SubAfterTrace).groupName);
        byGroup.set(group, [...(byGroup.get(group) ?? []), r as SubAfterTrace]);
      }
    }
    for (const group of javaStringMapOrder([...byGroup.keys()])) {
      text += javaFormat(row, '#Type', '#ConsumerGroup', '#ClientHost', '#ConsumerTime', '#CostTimes', '#Status');
      for (const r of byGroup.get(group) ?? []) text += javaFormat(row, 'Sub', r.groupName, null, dateTime(r.timestamp ?? 0), `${r.costTime}ms`, r.success ? 'success' : 'failed');
      text += '\n';
    }
    return { text, json: trace };
  },
};

const resumeCheckHalfMessage: CommandSpec = {
  name: 'resumeCheckHalfMessage',
  description: 'Check a transactional half message with its producer again (RESUME_CHECK_HALF_MESSAGE)',
  options: [option('i', 'msgId', "the half message's offsetMsgId", { required: true })],
  async run({ options, admin }) {
    const msgId = options.need('i');
    await (await admin()).resumeCheckHalfMessage(msgId);
    return { text: `resume check half message ${msgId} success.\n`, json: { msgId, resumed: true } };
  },
};

export const messageCommands: CommandSpec[] = [
  queryMsgById,
  queryMsgByKey,
  queryMsgByUniqueKey,
  queryMsgByOffset,
  queryMsgTraceById,
  printMsg,
  sendMessage,
  consumeMessage,
  resumeCheckHalfMessage,
];
