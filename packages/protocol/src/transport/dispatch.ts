/**
 * Runs an incoming request through a handler table and writes the answer: unknown codes get
 * REQUEST_CODE_NOT_SUPPORTED naming the code, a thrown RocketMQError with a code becomes that
 * (code, remark), anything else SYSTEM_ERROR (logged with code and opaque). Oneway requests
 * are never answered. Shared by the server and by the client (broker → client requests).
 */
import { createResponse, isOneway, type RemotingCommand } from '../codec/command.ts';
import { requestCodeName } from '../codes/request-code.ts';
import { ResponseCode } from '../codes/response-code.ts';
import { RocketMQError } from '../errors.ts';
import type { Connection } from './connection.ts';
import type { Logger } from './logger.ts';

/** What a handler sees of the connection: who asked, and a way to ask them back. */
export interface RequestContext {
  readonly connection: Connection;
  readonly remoteAddress: string;
}

/** Returns the response, or nothing for a oneway request. */
export type RequestHandler = (ctx: RequestContext, request: RemotingCommand) => Promise<RemotingCommand | void> | RemotingCommand | void;

export type HandlerTable = ReadonlyMap<number, RequestHandler>;

/**
 * Runs before every request's handler (Java's RPCHook.doBeforeRequest, e.g. the broker's ACL
 * check); throwing refuses the request with the error's (code, remark).
 */
export type RequestHook = (ctx: RequestContext, request: RemotingCommand) => void;

/** Merges handler tables; a code claimed twice is a programming error caught at startup. */
export function mergeHandlerTables(...tables: Iterable<[number, RequestHandler]>[]): Map<number, RequestHandler> {
  const merged = new Map<number, RequestHandler>();
  for (const table of tables) {
    for (const [code, handler] of table) {
      if (merged.has(code)) throw new Error(`request code ${requestCodeName(code)} (${code}) has two handlers`);
      merged.set(code, handler);
    }
  }
  return merged;
}

export async function dispatchRequest(
  handlers: HandlerTable | undefined,
  connection: Connection,
  request: RemotingCommand,
  logger: Logger,
  beforeRequest?: RequestHook,
): Promise<void> {
  const response = await answer(handlers, connection, request, logger, beforeRequest);
  if (response && !isOneway(request)) {
    response.opaque = request.opaque;
    connection.reply(response);
  }
}

async function answer(
  handlers: HandlerTable | undefined,
  connection: Connection,
  request: RemotingCommand,
  logger: Logger,
  beforeRequest: RequestHook | undefined,
): Promise<RemotingCommand | void> {
  const ctx: RequestContext = { connection, remoteAddress: connection.remoteAddress };
  try {
    beforeRequest?.(ctx, request);
  } catch (error) {
    return errorResponse(request, error, logger);
  }
  const handler = handlers?.get(request.code);
  if (!handler) {
    return createResponse(request, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, {
      remark: `request code ${request.code} (${requestCodeName(request.code)}) is not supported here`,
    });
  }
  try {
    return await handler(ctx, request);
  } catch (error) {
    return errorResponse(request, error, logger);
  }
}

function errorResponse(request: RemotingCommand, error: unknown, logger: Logger): RemotingCommand {
  if (error instanceof RocketMQError && error.code !== undefined) {
    return createResponse(request, error.code, { remark: error.message });
  }
  logger.error(
    { code: request.code, opaque: request.opaque, err: error instanceof Error ? error.stack : String(error) },
    'request handler failed',
  );
  const message = error instanceof Error ? error.message : String(error);
  return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: `${requestCodeName(request.code)} failed: ${message}` });
}
