/**
 * END_TRANSACTION (37): the producer's commit or rollback of a half message; RESUME_CHECK_HALF_MESSAGE
 * (323): an operator's "check this one again" (transaction/transaction-service.ts).
 */
import { createResponse, decodeHeader, EndTransactionRequestHeader, RequestCode, type RequestHandler, ResumeCheckHalfMessageRequestHeader, ResponseCode } from '@rocketmq-ts/protocol';
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
    [
      RequestCode.RESUME_CHECK_HALF_MESSAGE,
      async (_ctx, request) => {
        const { msgId } = decodeHeader(ResumeCheckHalfMessageRequestHeader, request.extFields);
        if (!msgId) return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: 'RESUME_CHECK_HALF_MESSAGE needs msgId (the offsetMsgId of the half message)' });
        const answer = await services.transactions.resumeCheck(msgId);
        return createResponse(request, answer.code, { remark: answer.remark });
      },
    ],
  ]);
}
