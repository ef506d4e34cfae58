/**
 * Response codes: ResponseCode.java + RemotingSysResponseCode.java (4.8.0) as one data table.
 * `retriable` is what the Java 4.8 producer does with a failed sync send
 * (MQClientAPIImpl/DefaultMQProducerImpl); `hint` is the fix we show the user.
 */
export interface ResponseCodeInfo {
  readonly code: number;
  readonly name: string;
  readonly retriable: boolean;
  readonly hint?: string;
}

const table = [
  { code: 0, name: 'SUCCESS', retriable: false },
  { code: 1, name: 'SYSTEM_ERROR', retriable: true },
  { code: 2, name: 'SYSTEM_BUSY', retriable: false, hint: 'the broker is overloaded; send slower or add brokers' },
  { code: 3, name: 'REQUEST_CODE_NOT_SUPPORTED', retriable: false, hint: 'the server does not implement this request code' },
  { code: 4, name: 'TRANSACTION_FAILED', retriable: false },
  { code: 10, name: 'FLUSH_DISK_TIMEOUT', retriable: false, hint: 'the message is stored but not yet flushed; check disk speed or raise syncFlushTimeout' },
  { code: 11, name: 'SLAVE_NOT_AVAILABLE', retriable: false, hint: 'the message is stored on the master only; start the slave' },
  { code: 12, name: 'FLUSH_SLAVE_TIMEOUT', retriable: false, hint: 'the message is stored on the master; the slave did not acknowledge in time' },
  { code: 13, name: 'MESSAGE_ILLEGAL', retriable: false, hint: 'check the message size against maxMessageSize and the properties length (at most 32767 bytes)' },
  { code: 14, name: 'SERVICE_NOT_AVAILABLE', retriable: true, hint: 'the broker is shutting down, is a slave, or its disk is full' },
  { code: 15, name: 'VERSION_NOT_SUPPORTED', retriable: false },
  { code: 16, name: 'NO_PERMISSION', retriable: true, hint: 'the broker or topic is not readable/writable; check perm with mqadmin topicRoute' },
  { code: 17, name: 'TOPIC_NOT_EXIST', retriable: true, hint: 'create the topic with mqadmin updateTopic, or enable autoCreateTopicEnable on the broker' },
  { code: 18, name: 'TOPIC_EXIST_ALREADY', retriable: false },
  { code: 19, name: 'PULL_NOT_FOUND', retriable: false },
  { code: 20, name: 'PULL_RETRY_IMMEDIATELY', retriable: false },
  { code: 21, name: 'PULL_OFFSET_MOVED', retriable: false },
  { code: 22, name: 'QUERY_NOT_FOUND', retriable: false },
  { code: 23, name: 'SUBSCRIPTION_PARSE_FAILED', retriable: false, hint: 'fix the subscription expression' },
  { code: 24, name: 'SUBSCRIPTION_NOT_EXIST', retriable: false, hint: 'the consumer has not sent a heartbeat for this group/topic yet' },
  { code: 25, name: 'SUBSCRIPTION_NOT_LATEST', retriable: false },
  { code: 26, name: 'SUBSCRIPTION_GROUP_NOT_EXIST', retriable: false, hint: 'create the group with mqadmin updateSubGroup, or enable autoCreateSubscriptionGroup' },
  { code: 27, name: 'FILTER_DATA_NOT_EXIST', retriable: false },
  { code: 28, name: 'FILTER_DATA_NOT_LATEST', retriable: false },
  { code: 200, name: 'TRANSACTION_SHOULD_COMMIT', retriable: false },
  { code: 201, name: 'TRANSACTION_SHOULD_ROLLBACK', retriable: false },
  { code: 202, name: 'TRANSACTION_STATE_UNKNOW', retriable: false },
  { code: 203, name: 'TRANSACTION_STATE_GROUP_WRONG', retriable: false },
  { code: 204, name: 'NO_BUYER_ID', retriable: true },
  { code: 205, name: 'NOT_IN_CURRENT_UNIT', retriable: true },
  { code: 206, name: 'CONSUMER_NOT_ONLINE', retriable: false, hint: 'start a consumer of this group first' },
  { code: 207, name: 'CONSUME_MSG_TIMEOUT', retriable: false },
  { code: 208, name: 'NO_MESSAGE', retriable: false },
  { code: 209, name: 'UPDATE_AND_CREATE_ACL_CONFIG_FAILED', retriable: false },
  { code: 210, name: 'DELETE_ACL_CONFIG_FAILED', retriable: false },
  { code: 211, name: 'UPDATE_GLOBAL_WHITE_ADDRS_CONFIG_FAILED', retriable: false },
  // 5.x
  { code: 604, name: 'ILLEGAL_OPERATION', retriable: false },
] as const satisfies readonly ResponseCodeInfo[];

type ResponseCodeTable = typeof table;
export type ResponseCodeName = ResponseCodeTable[number]['name'];

export const ResponseCode = Object.fromEntries(table.map((row) => [row.name, row.code])) as {
  readonly [K in ResponseCodeName]: Extract<ResponseCodeTable[number], { name: K }>['code'];
};

const byCode = new Map<number, ResponseCodeInfo>(table.map((row) => [row.code, row]));

export function responseCodeInfo(code: number): ResponseCodeInfo {
  return byCode.get(code) ?? { code, name: `CODE_${code}`, retriable: false };
}

export function responseCodeName(code: number): string {
  return responseCodeInfo(code).name;
}
