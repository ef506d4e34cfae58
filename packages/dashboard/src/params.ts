/** Reading and checking request input: query strings and JSON bodies. */
import type { IncomingMessage } from 'node:http';
import { badRequest } from './errors.ts';

const NAME = /^[%|a-zA-Z0-9_-]{1,255}$/;

export function name(value: unknown, what: string): string {
  if (typeof value !== 'string' || !NAME.test(value)) throw badRequest(`${what} must be 1–255 of letters, digits, %, |, _ and -; got ${JSON.stringify(value ?? null)}`);
  return value;
}

export function optionalInt(value: unknown, what: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw badRequest(`${what} must be an integer from ${min} to ${max}; got ${JSON.stringify(value)}`);
  return n;
}

/** Epoch milliseconds, or any date Date.parse reads ("2024-05-01T10:00:00Z"). */
export function time(value: unknown, what: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number' || /^-?\d+$/.test(String(value))) {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 0) throw badRequest(`${what} must be epoch milliseconds ≥ 0 or an ISO date; got ${JSON.stringify(value)}`);
    return n;
  }
  const parsed = Date.parse(String(value));
  if (Number.isNaN(parsed)) throw badRequest(`${what} must be epoch milliseconds or an ISO date like 2024-05-01T10:00:00Z; got ${JSON.stringify(value)}`);
  return parsed;
}

export function timeRange(query: URLSearchParams, defaultSpanMillis: number): { begin: number; end: number } {
  const end = time(query.get('end'), 'end') ?? Date.now();
  const begin = time(query.get('begin'), 'begin') ?? end - defaultSpanMillis;
  if (begin > end) throw badRequest(`bad time range: begin (${new Date(begin).toISOString()}) is after end (${new Date(end).toISOString()})`);
  return { begin, end };
}

const MAX_BODY = 1024 * 1024;

export async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw badRequest('the request body is over 1 MiB');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw badRequest('the request body is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badRequest('the request body must be a JSON object');
  return value as Record<string, unknown>;
}
