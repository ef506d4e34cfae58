/** END_TRANSACTION (37): the producer's commit or rollback of a half message (transaction/transaction-service.ts). */
import { createResponse, decodeHeader, EndTransactionRequestHeader, RequestCode, type RequestHandler } from '@rocketmq-ts/protocol';
import type { BrokerServices } from './services.ts';

export function transactionHandlers(services: BrokerServices): Map<number, RequestHandler> {
  return new Map<number, RequestHandler>([
    [
      RequestCode.END_TRANSACTION,
      async (ctx, request) => {
        const header = decodeHeader(EndTransactionRequestHeader, request.extFields);
        const answer = await services.transactions.endTransaction(header, request.remark, ctx.remoteAddress);
        if (!answer) return undefined;
        return createResponse(request, answer.code, { remark: answer.remark });
      },
    ],
  ]);
}
