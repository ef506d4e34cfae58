/**
 * What consumers report besides messages. `warning` is for conditions that do not stop a
 * consumer but usually mean a mistake (a misspelt or not yet created topic), so an application
 * can surface them instead of consuming nothing in silence.
 */
export interface ConsumerWarning {
  /** NO_ROUTE: no name server knows the topic yet; the consumer keeps asking at each rebalance. */
  code: 'NO_ROUTE';
  topics: string[];
  message: string;
}

export interface ConsumerEvents {
  warning: [ConsumerWarning];
}

export function noRouteWarning(group: string, topics: string[]): ConsumerWarning {
  return {
    code: 'NO_ROUTE',
    topics,
    message:
      `consumer group ${group}: no route for ${topics.join(', ')} yet (the topic does not exist or no broker has registered it); ` +
      `the consumer keeps asking — create it with \`mqadmin updateTopic -n <namesrv> -c <cluster> -t ${topics[0] ?? '<topic>'}\` or send to it first`,
  };
}
