/** Topic and group names with a meaning to the broker (TopicValidator, MixAll, 4.8). */
export const SystemTopic = {
  AUTO_CREATE_TOPIC_KEY: 'TBW102',
  SCHEDULE: 'SCHEDULE_TOPIC_XXXX',
  BENCHMARK: 'BenchmarkTest',
  SELF_TEST: 'SELF_TEST_TOPIC',
  OFFSET_MOVED_EVENT: 'OFFSET_MOVED_EVENT',
  TRANS_HALF: 'RMQ_SYS_TRANS_HALF_TOPIC',
  TRANS_OP_HALF: 'RMQ_SYS_TRANS_OP_HALF_TOPIC',
  TRANS_CHECK_MAX_TIME: 'TRANS_CHECK_MAX_TIME_TOPIC',
  TRACE: 'RMQ_SYS_TRACE_TOPIC',
} as const;

export const RETRY_GROUP_TOPIC_PREFIX = '%RETRY%';
export const DLQ_GROUP_TOPIC_PREFIX = '%DLQ%';
export const SYSTEM_TOPIC_PREFIX = 'rmq_sys_';
export const SCHEDULE_TOPIC_QUEUE_NUM = 18;

export function retryTopic(group: string): string {
  return RETRY_GROUP_TOPIC_PREFIX + group;
}

export function dlqTopic(group: string): string {
  return DLQ_GROUP_TOPIC_PREFIX + group;
}

export function replyTopic(cluster: string): string {
  return `${cluster}_REPLY_TOPIC`;
}

const TOPIC_PATTERN = /^[%|a-zA-Z0-9_-]+$/;
export const TOPIC_MAX_LENGTH = 127;

/** Why a topic name is invalid, or undefined when it is fine (TopicValidator). */
export function topicNameProblem(topic: string): string | undefined {
  if (!topic || topic.trim() === '') return 'the topic name is blank';
  if (!TOPIC_PATTERN.test(topic)) return `the topic name "${topic}" may only contain letters, digits, %, |, _ and -`;
  if (topic.length > TOPIC_MAX_LENGTH) return `the topic name "${topic.slice(0, 20)}…" is ${topic.length} characters; at most ${TOPIC_MAX_LENGTH} are allowed`;
  return undefined;
}
