/**
 * Every request code of RocketMQ 4.8 (RequestCode.java) is handled by the broker, the name
 * server or the client side — or listed here as not supported, with the reason. Unknown codes
 * get REQUEST_CODE_NOT_SUPPORTED naming the code, never silence.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { RequestCode, requestCodeName } from '@rocketmq-ts/protocol';
import { brokerHandlerTable, namesrvHandlerTable } from '@rocketmq-ts/server/internal';

/** Requests the broker sends to clients; clients answer them. */
const BROKER_TO_CLIENT = [
  RequestCode.CHECK_TRANSACTION_STATE,
  RequestCode.NOTIFY_CONSUMER_IDS_CHANGED,
  RequestCode.RESET_CONSUMER_CLIENT_OFFSET,
  RequestCode.GET_CONSUMER_STATUS_FROM_CLIENT,
  RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT,
];

const NOT_SUPPORTED: Record<number, string> = {
  [RequestCode.QUERY_BROKER_OFFSET]: 'declared but never handled by the 4.8 broker',
  [RequestCode.GET_TOPIC_CONFIG_LIST]: 'declared but never handled by the 4.8 broker',
  [RequestCode.GET_TOPIC_NAME_LIST]: 'declared but never handled by the 4.8 broker',
  [RequestCode.TRIGGER_DELETE_FILES]: 'declared but never handled by the 4.8 broker',
  [RequestCode.SUSPEND_CONSUMER]: 'declared but never handled by the 4.8 broker',
  [RequestCode.RESUME_CONSUMER]: 'declared but never handled by the 4.8 broker',
  [RequestCode.RESET_CONSUMER_OFFSET_IN_CONSUMER]: 'declared but never handled by the 4.8 broker',
  [RequestCode.RESET_CONSUMER_OFFSET_IN_BROKER]: 'declared but never handled by the 4.8 broker',
  [RequestCode.ADJUST_CONSUMER_THREAD_POOL]: 'declared but never handled by the 4.8 broker',
  [RequestCode.WHO_CONSUME_THE_MESSAGE]: 'declared but never handled by the 4.8 broker',
  [RequestCode.REGISTER_FILTER_SERVER]: 'the filter-server feature is obsolete',
  [RequestCode.REGISTER_MESSAGE_FILTER_CLASS]: 'the filter-server feature is obsolete',
  [RequestCode.INVOKE_BROKER_TO_GET_CONSUMER_STATUS]: 'deprecated in 4.x; offsets come from GET_CONSUME_STATS',
  [RequestCode.SEND_REPLY_MESSAGE]: 'request/reply is not built yet',
  [RequestCode.SEND_REPLY_MESSAGE_V2]: 'request/reply is not built yet',
  [RequestCode.CLEAN_EXPIRED_CONSUMEQUEUE]: 'consume-queue cleanup runs with retention on its own schedule',
  [RequestCode.QUERY_CONSUME_QUEUE]: 'consume-queue dumps are not built yet',
};

it('every 4.8 request code is handled somewhere or listed as not supported, with a reason', () => {
  const services = {} as never;
  const broker = brokerHandlerTable(services);
  const namesrv = namesrvHandlerTable(services);
  const unaccounted: string[] = [];
  for (const code of Object.values(RequestCode)) {
    const places = [broker.has(code), namesrv.has(code), BROKER_TO_CLIENT.includes(code as never), code in NOT_SUPPORTED].filter(Boolean).length;
    if (places === 0) unaccounted.push(`${requestCodeName(code)} (${code})`);
    if (code in NOT_SUPPORTED) assert.equal(broker.has(code) || namesrv.has(code), false, `${requestCodeName(code)} is handled but listed as not supported`);
  }
  assert.deepEqual(unaccounted, []);
});
