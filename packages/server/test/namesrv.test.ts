/** The name server over TCP, driven the way brokers and clients drive it. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import {
  createRequest,
  decodeClusterInfo,
  decodeHeader,
  decodeKVTable,
  decodeTopicList,
  decodeTopicRouteData,
  encodeHeader,
  encodeRegisterBrokerBody,
  GetKVConfigResponseHeader,
  RegisterBrokerRequestHeader,
  RegisterBrokerResponseHeader,
  RemotingClient,
  RequestCode,
  ResponseCode,
  type TopicConfig,
} from '@rocketmq-ts/protocol';
import { NameServer } from '@rocketmq-ts/server';

async function start(t: TestContext, kvPath?: string) {
  const namesrv = new NameServer({
    config: { listenPort: 0, bindAddress: '127.0.0.1' },
    kvPersistence: kvPath
      ? { load: () => readFile(kvPath, 'utf8').catch(() => undefined), save: async (text) => (await import('node:fs/promises')).writeFile(kvPath, text) }
      : undefined,
  });
  const { port } = await namesrv.start();
  const client = new RemotingClient();
  t.after(async () => {
    await client.close();
    await namesrv.stop();
  });
  return { namesrv, client, addr: `127.0.0.1:${port}` };
}

function registerRequest(brokerName: string, brokerId: number, brokerAddr: string, topics: string[], counter = 1) {
  const topicConfigTable = new Map<string, TopicConfig>(
    topics.map((topicName) => [topicName, { topicName, readQueueNums: 4, writeQueueNums: 4, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false }]),
  );
  return createRequest(RequestCode.REGISTER_BROKER, {
    extFields: encodeHeader(RegisterBrokerRequestHeader, {
      brokerName,
      brokerAddr,
      clusterName: 'DefaultCluster',
      haServerAddr: brokerAddr.replace(/\d+$/, '10912'),
      brokerId,
      compressed: false,
      bodyCrc32: 0,
    }),
    body: encodeRegisterBrokerBody({ topicConfigSerializeWrapper: { dataVersion: { counter, timestamp: 1 }, topicConfigTable }, filterServerList: [] }),
  });
}

describe('name server', () => {
  it('registers brokers and serves routes, cluster info and topic lists', async (t) => {
    const { client, addr } = await start(t);
    const master = await client.invoke(addr, registerRequest('broker-a', 0, '127.0.0.1:10911', ['PayTopic', 'TBW102']));
    assert.equal(master.code, ResponseCode.SUCCESS);
    const slave = await client.invoke(addr, registerRequest('broker-a', 1, '127.0.0.2:10911', []));
    assert.deepEqual(decodeHeader(RegisterBrokerResponseHeader, slave.extFields), { masterAddr: '127.0.0.1:10911', haServerAddr: '127.0.0.1:10912' });

    const route = await client.invoke(addr, createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: { topic: 'PayTopic' } }));
    assert.equal(route.code, ResponseCode.SUCCESS);
    assert.equal(
      route.body!.toString(),
      '{"brokerDatas":[{"brokerAddrs":{0:"127.0.0.1:10911",1:"127.0.0.2:10911"},"brokerName":"broker-a","cluster":"DefaultCluster"}],' +
        '"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSynFlag":0,"writeQueueNums":4}]}',
    );
    assert.equal(decodeTopicRouteData(route.body).brokerDatas[0]!.brokerAddrs.get(1), '127.0.0.2:10911');

    const missing = await client.invoke(addr, createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: { topic: 'Nope' } }));
    assert.equal(missing.code, ResponseCode.TOPIC_NOT_EXIST);
    assert.match(missing.remark!, /No topic route info in name server for the topic: Nope.*mqadmin updateTopic/);

    const cluster = decodeClusterInfo((await client.invoke(addr, createRequest(RequestCode.GET_BROKER_CLUSTER_INFO))).body);
    assert.deepEqual([...cluster.clusterAddrTable.get('DefaultCluster')!], ['broker-a']);
    const topics = decodeTopicList((await client.invoke(addr, createRequest(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER))).body);
    assert.deepEqual(topics.topicList.sort(), ['PayTopic', 'TBW102']);
    const byCluster = decodeTopicList((await client.invoke(addr, createRequest(RequestCode.GET_TOPICS_BY_CLUSTER, { extFields: { cluster: 'DefaultCluster' } }))).body);
    assert.equal(byCluster.topicList.length, 2);

    await client.invoke(addr, createRequest(RequestCode.DELETE_TOPIC_IN_NAMESRV, { extFields: { topic: 'PayTopic' } }));
    const deleted = await client.invoke(addr, createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: { topic: 'PayTopic' } }));
    assert.equal(deleted.code, ResponseCode.TOPIC_NOT_EXIST);

    const unregister = await client.invoke(
      addr,
      createRequest(RequestCode.UNREGISTER_BROKER, { extFields: { brokerName: 'broker-a', brokerAddr: '127.0.0.2:10911', clusterName: 'DefaultCluster', brokerId: '1' } }),
    );
    assert.equal(unregister.code, ResponseCode.SUCCESS);
    const after = decodeClusterInfo((await client.invoke(addr, createRequest(RequestCode.GET_BROKER_CLUSTER_INFO))).body);
    assert.deepEqual([...after.brokerAddrTable.get('broker-a')!.brokerAddrs.keys()], [0]);
  });

  it('drops a broker whose connection closes, and one that stops registering', async (t) => {
    const { client, addr, namesrv } = await start(t);
    const broker = new RemotingClient();
    await broker.invoke(addr, registerRequest('broker-a', 0, '127.0.0.1:10911', ['T']));
    await broker.close();
    for (let i = 0; i < 100 && namesrv.routes.liveBrokerCount > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(namesrv.routes.liveBrokerCount, 0);

    await client.invoke(addr, registerRequest('broker-b', 0, '127.0.0.1:10921', ['T']));
    namesrv.scanNotActiveBroker(Date.now() + 121_000);
    const route = await client.invoke(addr, createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: { topic: 'T' } }));
    assert.equal(route.code, ResponseCode.TOPIC_NOT_EXIST);
  });

  it('keeps KV config, persisted, and answers QUERY_NOT_FOUND for absent keys', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'namesrv-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const kvPath = join(dir, 'kvConfig.json');
    const { client, addr } = await start(t, kvPath);
    const put = (key: string, value: string) =>
      client.invoke(addr, createRequest(RequestCode.PUT_KV_CONFIG, { extFields: { namespace: 'ORDER_TOPIC_CONFIG', key, value } }));
    await put('PayTopic', 'broker-a:4');
    await put('Other', 'broker-a:8');
    const got = await client.invoke(addr, createRequest(RequestCode.GET_KV_CONFIG, { extFields: { namespace: 'ORDER_TOPIC_CONFIG', key: 'PayTopic' } }));
    assert.equal(decodeHeader(GetKVConfigResponseHeader, got.extFields).value, 'broker-a:4');
    const list = await client.invoke(addr, createRequest(RequestCode.GET_KVLIST_BY_NAMESPACE, { extFields: { namespace: 'ORDER_TOPIC_CONFIG' } }));
    assert.deepEqual(Object.fromEntries(decodeKVTable(list.body)), { PayTopic: 'broker-a:4', Other: 'broker-a:8' });
    await client.invoke(addr, createRequest(RequestCode.DELETE_KV_CONFIG, { extFields: { namespace: 'ORDER_TOPIC_CONFIG', key: 'Other' } }));
    const absent = await client.invoke(addr, createRequest(RequestCode.GET_KV_CONFIG, { extFields: { namespace: 'ORDER_TOPIC_CONFIG', key: 'Other' } }));
    assert.equal(absent.code, ResponseCode.QUERY_NOT_FOUND);
    assert.equal(await readFile(kvPath, 'utf8'), '{\n\t"configTable":{\n\t\t"ORDER_TOPIC_CONFIG":{\n\t\t\t"PayTopic":"broker-a:4"\n\t\t}\n\t}\n}');
  });

  it('reports and updates its settings as properties text', async (t) => {
    const { client, addr, namesrv } = await start(t);
    const got = await client.invoke(addr, createRequest(RequestCode.GET_NAMESRV_CONFIG));
    assert.match(got.body!.toString(), /orderMessageEnable=false/);
    const ok = await client.invoke(addr, createRequest(RequestCode.UPDATE_NAMESRV_CONFIG, { body: Buffer.from('orderMessageEnable=true\n') }));
    assert.equal(ok.code, ResponseCode.SUCCESS);
    assert.equal(namesrv.config.orderMessageEnable, true);
    const bad = await client.invoke(addr, createRequest(RequestCode.UPDATE_NAMESRV_CONFIG, { body: Buffer.from('noSuchKey=1\n') }));
    assert.equal(bad.code, ResponseCode.SYSTEM_ERROR);
    assert.match(bad.remark!, /noSuchKey/);
  });

  it('answers a request with missing header fields with SYSTEM_ERROR naming them', async (t) => {
    const { client, addr } = await start(t);
    const response = await client.invoke(addr, createRequest(RequestCode.REGISTER_BROKER, { extFields: { brokerName: 'x' } }));
    assert.equal(response.code, ResponseCode.SYSTEM_ERROR);
    assert.match(response.remark!, /missing "brokerAddr".*missing "clusterName"/);
  });
});
