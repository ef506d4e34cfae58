/** Runtime setting updates over TCP are checked by the same schema as broker.conf and namesrv.conf. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createRequest, RemotingClient, RequestCode, ResponseCode } from '@rocketmq-ts/protocol';
import { startCluster } from '@rocketmq-ts/server/internal';

it('UPDATE_BROKER_CONFIG and UPDATE_NAMESRV_CONFIG refuse bad values and typos with the rule, and apply good ones', async (t) => {
  const cluster = await startCluster(t);
  const client = new RemotingClient();
  t.after(() => client.close());
  const update = (addr: string, code: number, text: string) => client.invoke(addr, createRequest(code, { body: Buffer.from(text) }));

  const bad = await update(cluster.brokerAddr, RequestCode.UPDATE_BROKER_CONFIG, 'deleteWhen=4am\nbrokerPermission=99\n');
  assert.equal(bad.code, ResponseCode.SYSTEM_ERROR);
  assert.match(bad.remark ?? '', /deleteWhen=4am: deleteWhen must be hours of the day/);
  assert.match(bad.remark ?? '', /brokerPermission=99: brokerPermission must be a whole number from 0 to 15/);

  const good = await update(cluster.brokerAddr, RequestCode.UPDATE_BROKER_CONFIG, 'deleteWhen=05\n');
  assert.equal(good.code, ResponseCode.SUCCESS, good.remark);
  const config = await client.invoke(cluster.brokerAddr, createRequest(RequestCode.GET_BROKER_CONFIG));
  assert.match(config.body!.toString('utf8'), /^deleteWhen=05$/m);

  const typo = await update(cluster.namesrvAddr, RequestCode.UPDATE_NAMESRV_CONFIG, 'orderMessageEnabled=true\n');
  assert.equal(typo.code, ResponseCode.SYSTEM_ERROR);
  assert.match(typo.remark ?? '', /orderMessageEnabled is not a name server setting; did you mean orderMessageEnable\?/);
  const ok = await update(cluster.namesrvAddr, RequestCode.UPDATE_NAMESRV_CONFIG, 'orderMessageEnable=true\n');
  assert.equal(ok.code, ResponseCode.SUCCESS, ok.remark);
});
