/** The broker's request code → handler table: one module per code family, merged once. */
import { mergeHandlerTables, type RequestHandler } from '@rocketmq-ts/protocol';
import { aclHandlers } from './acl.ts';
import { adminHandlers } from './admin.ts';
import { adminStatsHandlers } from './admin-stats.ts';
import { clientHandlers } from './client.ts';
import { controllerHandlers } from './controller.ts';
import { offsetHandlers } from './offset.ts';
import { popHandlers } from './pop.ts';
import { pullHandlers } from './pull.ts';
import { queryHandlers } from './query.ts';
import { recallHandlers } from './recall.ts';
import { sendHandlers } from './send.ts';
import { sendBackHandlers } from './send-back.ts';
import type { BrokerServices } from './services.ts';
import { transactionHandlers } from './transaction.ts';

export function brokerHandlerTable(services: BrokerServices): Map<number, RequestHandler> {
  return mergeHandlerTables(
    sendHandlers(services),
    sendBackHandlers(services),
    pullHandlers(services),
    offsetHandlers(services),
    clientHandlers(services),
    queryHandlers(services),
    adminHandlers(services),
    adminStatsHandlers(services),
    transactionHandlers(services),
    aclHandlers(services),
    controllerHandlers(services),
    popHandlers(services),
    recallHandlers(services),
  );
}
