/**
 * TopicRouteData as Apache's topicRoute prints it: fastjson's pretty format (toJson(true)) —
 * keys sorted, tab indents, `"key":value` — where a map (brokerAddrs, integer keys unquoted)
 * keeps its entries on one line and only its closing brace goes on a new line.
 */
import type { TopicRoute } from '@rocketmq-ts/client';

const tabs = (n: number) => '\t'.repeat(n);

function objectBlock(fields: [string, string][], depth: number): string {
  return `{\n${fields.map(([k, v]) => `${tabs(depth + 1)}"${k}":${v}`).join(',\n')}\n${tabs(depth)}}`;
}

function arrayBlock(items: string[], depth: number): string {
  if (items.length === 0) return '[]';
  return `[\n${items.map((item) => `${tabs(depth + 1)}${item}`).join(',\n')}\n${tabs(depth)}]`;
}

export function topicRouteJson(route: TopicRoute): string {
  const brokers = route.brokers.map((b) => {
    const ids = Object.keys(b.addrs).sort((x, y) => Number(x) - Number(y));
    const addrs = ids.length === 0 ? '{}' : `{${ids.map((id) => `${id}:${JSON.stringify(b.addrs[id])}`).join(',')}\n${tabs(3)}}`;
    return objectBlock(
      [
        ['brokerAddrs', addrs],
        ['brokerName', JSON.stringify(b.brokerName)],
        ['cluster', JSON.stringify(b.cluster)],
      ],
      2,
    );
  });
  const queues = route.queues.map((q) =>
    objectBlock(
      [
        ['brokerName', JSON.stringify(q.brokerName)],
        ['perm', String(q.perm)],
        ['readQueueNums', String(q.readQueueNums)],
        ['topicSynFlag', String(q.topicSysFlag)],
        ['writeQueueNums', String(q.writeQueueNums)],
      ],
      2,
    ),
  );
  return objectBlock(
    [
      ['brokerDatas', arrayBlock(brokers, 1)],
      ['filterServerTable', '{}'],
      ['queueDatas', arrayBlock(queues, 1)],
    ],
    0,
  );
}
