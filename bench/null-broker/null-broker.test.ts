import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  createRequest,
  decodeHeader,
  decodeTopicRouteData,
  encodeHeader,
  GetRouteInfoRequestHeader,
  RemotingClient,
  RequestCode,
  ResponseCode,
  SendMessageRequestHeaderV2,
  SendMessageResponseHeader,
} from '@rocketmq-ts/protocol';
import { NameServer } from '@rocketmq-ts/server';
import { startNullBroker } from './null-broker.ts';

test('the null broker registers its topics and answers every send with SEND_OK', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'null-broker-test-'));
  const namesrv = new NameServer({ config: { listenPort: 0, bindAddress: '127.0.0.1', kvConfigPath: join(dir, 'kv.json') } });
  const { port } = await namesrv.start();
  const namesrvAddr = `127.0.0.1:${port}`;
  const broker = await startNullBroker({ namesrvAddr, topics: ['BenchNull'], queueNums: 4 });
  const client = new RemotingClient();
  t.after(async () => {
    await client.close();
    await broker.stop();
    await namesrv.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const route = await client.invoke(
    namesrvAddr,
    createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: encodeHeader(GetRouteInfoRequestHeader, { topic: 'BenchNull' }) }),
  );
  assert.equal(route.code, ResponseCode.SUCCESS);
  const data = decodeTopicRouteData(route.body);
  assert.equal(data.queueDatas[0]?.writeQueueNums, 4);
  assert.deepEqual([...(data.brokerDatas[0]?.brokerAddrs.values() ?? [])], [broker.brokerAddr]);

  const send = () =>
    client.invoke(
      broker.brokerAddr,
      createRequest(RequestCode.SEND_MESSAGE_V2, {
        extFields: encodeHeader(SendMessageRequestHeaderV2, {
          producerGroup: 'g',
          topic: 'BenchNull',
          defaultTopic: 'TBW102',
          defaultTopicQueueNums: 4,
          queueId: 2,
          sysFlag: 0,
          bornTimestamp: Date.now(),
          flag: 0,
          reconsumeTimes: 0,
          unitMode: false,
          batch: false,
        }),
        body: Buffer.from('x'),
      }),
    );
  const first = await send();
  const second = await send();
  assert.equal(first.code, ResponseCode.SUCCESS);
  assert.equal(decodeHeader(SendMessageResponseHeader, first.extFields).queueId, 2);
  assert.equal(Number(decodeHeader(SendMessageResponseHeader, second.extFields).queueOffset), 1);
  assert.equal(broker.sends, 2);
  const heartbeat = await client.invoke(broker.brokerAddr, createRequest(RequestCode.HEART_BEAT, { body: Buffer.from('{}') }));
  assert.equal(heartbeat.code, ResponseCode.SUCCESS);
});
