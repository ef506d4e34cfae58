/** Admin headers (mqadmin, dashboard). Java: common/.../protocol/header/*.java, one table each. */
import { defineHeader } from './field-table.ts';

export const CreateTopicRequestHeader = defineHeader('CreateTopicRequestHeader', [
  { name: 'topic', type: 'string', required: true },
  { name: 'defaultTopic', type: 'string', required: true },
  { name: 'readQueueNums', type: 'int', required: true },
  { name: 'writeQueueNums', type: 'int', required: true },
  { name: 'perm', type: 'int', required: true },
  { name: 'topicFilterType', type: 'string', required: true },
  { name: 'topicSysFlag', type: 'int', required: false },
  { name: 'order', type: 'bool', required: false, primitive: true },
] as const);

export const DeleteTopicRequestHeader = defineHeader('DeleteTopicRequestHeader', [
  { name: 'topic', type: 'string', required: true },
] as const);

export const DeleteSubscriptionGroupRequestHeader = defineHeader('DeleteSubscriptionGroupRequestHeader', [
  { name: 'groupName', type: 'string', required: true },
] as const);

export const GetConsumeStatsRequestHeader = defineHeader('GetConsumeStatsRequestHeader', [
  { name: 'consumerGroup', type: 'string', required: true },
  { name: 'topic', type: 'string', required: false },
] as const);

export const GetConsumerConnectionListRequestHeader = defineHeader('GetConsumerConnectionListRequestHeader', [
  { name: 'consumerGroup', type: 'string', required: true },
] as const);

export const GetProducerConnectionListRequestHeader = defineHeader('GetProducerConnectionListRequestHeader', [
  { name: 'producerGroup', type: 'string', required: true },
] as const);

export const GetTopicStatsInfoRequestHeader = defineHeader('GetTopicStatsInfoRequestHeader', [
  { name: 'topic', type: 'string', required: true },
] as const);

export const QueryTopicConsumeByWhoRequestHeader = defineHeader('QueryTopicConsumeByWhoRequestHeader', [
  { name: 'topic', type: 'string', required: true },
] as const);

export const QueryConsumeTimeSpanRequestHeader = defineHeader('QueryConsumeTimeSpanRequestHeader', [
  { name: 'topic', type: 'string', required: true },
  { name: 'group', type: 'string', required: true },
] as const);

export const GetConsumerRunningInfoRequestHeader = defineHeader('GetConsumerRunningInfoRequestHeader', [
  { name: 'consumerGroup', type: 'string', required: true },
  { name: 'clientId', type: 'string', required: true },
  { name: 'jstackEnable', type: 'bool', required: false, primitive: true },
] as const);

export const ConsumeMessageDirectlyResultRequestHeader = defineHeader('ConsumeMessageDirectlyResultRequestHeader', [
  { name: 'consumerGroup', type: 'string', required: true },
  { name: 'clientId', type: 'string', required: false },
  { name: 'msgId', type: 'string', required: false },
  { name: 'brokerName', type: 'string', required: false },
] as const);

/** Used by INVOKE_BROKER_TO_RESET_OFFSET (222) and RESET_CONSUMER_CLIENT_OFFSET (220). */
export const ResetOffsetRequestHeader = defineHeader('ResetOffsetRequestHeader', [
  { name: 'topic', type: 'string', required: true },
  { name: 'group', type: 'string', required: true },
  { name: 'timestamp', type: 'long', required: false, primitive: true },
  { name: 'isForce', type: 'bool', required: false, primitive: true },
] as const);

export const GetConsumerStatusRequestHeader = defineHeader('GetConsumerStatusRequestHeader', [
  { name: 'topic', type: 'string', required: true },
  { name: 'group', type: 'string', required: true },
  { name: 'clientAddr', type: 'string', required: false },
] as const);

export const CloneGroupOffsetRequestHeader = defineHeader('CloneGroupOffsetRequestHeader', [
  { name: 'srcGroup', type: 'string', required: true },
  { name: 'destGroup', type: 'string', required: true },
  { name: 'topic', type: 'string', required: false },
  { name: 'offline', type: 'bool', required: false, primitive: true },
] as const);

export const GetBrokerConfigResponseHeader = defineHeader('GetBrokerConfigResponseHeader', [
  { name: 'version', type: 'string', required: true },
] as const);

export const ViewBrokerStatsDataRequestHeader = defineHeader('ViewBrokerStatsDataRequestHeader', [
  { name: 'statsName', type: 'string', required: true },
  { name: 'statsKey', type: 'string', required: true },
] as const);

export const QueryCorrectionOffsetHeader = defineHeader('QueryCorrectionOffsetHeader', [
  { name: 'filterGroups', type: 'string', required: false },
  { name: 'compareGroup', type: 'string', required: true },
  { name: 'topic', type: 'string', required: true },
] as const);

/** 5.x GET_TOPIC_CONFIG (351), sent by the current dashboard. */
export const GetTopicConfigRequestHeader = defineHeader('GetTopicConfigRequestHeader', [
  { name: 'topic', type: 'string', required: true },
] as const);

/** 5.x GET_SUBSCRIPTIONGROUP_CONFIG (352), sent by the current dashboard. */
export const GetSubscriptionGroupConfigRequestHeader = defineHeader('GetSubscriptionGroupConfigRequestHeader', [
  { name: 'group', type: 'string', required: true },
] as const);

export const GetAllTopicConfigResponseHeader = defineHeader('GetAllTopicConfigResponseHeader', [] as const);

/** GET_BROKER_CONSUME_STATS (317). */
export const GetConsumeStatsInBrokerHeader = defineHeader('GetConsumeStatsInBrokerHeader', [
  { name: 'isOrder', type: 'bool', required: false, primitive: true },
] as const);

/** Plain ACL admin (50–54). */
export const CreateAccessConfigRequestHeader = defineHeader('CreateAccessConfigRequestHeader', [
  { name: 'accessKey', type: 'string', required: true },
  { name: 'secretKey', type: 'string', required: false },
  { name: 'whiteRemoteAddress', type: 'string', required: false },
  { name: 'admin', type: 'bool', required: false, primitive: true },
  { name: 'defaultTopicPerm', type: 'string', required: false },
  { name: 'defaultGroupPerm', type: 'string', required: false },
  { name: 'topicPerms', type: 'string', required: false },
  { name: 'groupPerms', type: 'string', required: false },
] as const);

export const DeleteAccessConfigRequestHeader = defineHeader('DeleteAccessConfigRequestHeader', [
  { name: 'accessKey', type: 'string', required: true },
] as const);

export const UpdateGlobalWhiteAddrsConfigRequestHeader = defineHeader('UpdateGlobalWhiteAddrsConfigRequestHeader', [
  { name: 'globalWhiteAddrs', type: 'string', required: true },
] as const);

export const GetBrokerAclConfigResponseHeader = defineHeader('GetBrokerAclConfigResponseHeader', [
  { name: 'version', type: 'string', required: true },
  { name: 'brokerName', type: 'string', required: true },
  { name: 'brokerAddr', type: 'string', required: true },
  { name: 'clusterName', type: 'string', required: true },
] as const);

/** Its one field is a list (plainAccessConfigs) that travels in the body, not in extFields. */
export const GetBrokerClusterAclConfigResponseHeader = defineHeader('GetBrokerClusterAclConfigResponseHeader', [] as const);
