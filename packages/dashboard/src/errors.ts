/**
 * HTTP errors: every failure becomes `{ "error": "...what to do..." }` with a status code that
 * says whose fault it is — 400 bad input, 404 unknown topic/message, 503 name server or broker
 * unreachable, 502 the cluster refused, 504 too slow — never a stack trace.
 */
import { Admin, MQBrokerError, MQClientError, RocketMQError } from '@rocketmq-ts/client';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (message: string): HttpError => new HttpError(400, message);
export const notFound = (message: string): HttpError => new HttpError(404, message);

const TOPIC_NOT_EXIST = 17;
const QUERY_NOT_FOUND = 22;
const SUBSCRIPTION_GROUP_NOT_EXIST = 26;
const CONSUMER_NOT_ONLINE = 206;

export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (Admin.isUnreachable(error)) {
    const detail = error instanceof Error ? error.message : String(error);
    return new HttpError(503, `the cluster is unreachable: ${detail}. Check the name server address on the Name server page`);
  }
  if (error instanceof MQBrokerError) {
    if (error.responseCode === TOPIC_NOT_EXIST) return new HttpError(404, `${error.remark ?? error.message}; create the topic first (Topics page)`);
    if (error.responseCode === SUBSCRIPTION_GROUP_NOT_EXIST) return new HttpError(404, `${error.remark ?? error.message}; create the group first (Consumers page)`);
    if (error.responseCode === CONSUMER_NOT_ONLINE) return new HttpError(409, `${error.remark ?? error.message}; start a consumer of the group first`);
    return new HttpError(502, error.message);
  }
  if (error instanceof MQClientError) {
    if (error.code === QUERY_NOT_FOUND) return new HttpError(404, error.message);
    return new HttpError(400, error.message);
  }
  if (error instanceof RocketMQError) return new HttpError(503, `${error.message}; check that the brokers are running`);
  return new HttpError(500, `internal error: ${error instanceof Error ? error.message : String(error)}`);
}
