/**
 * The console's HTTP server (node:http): /api/... JSON, /metrics, and the UI's static files
 * from ../ui. Every request ends within `requestTimeoutMillis` plus a margin: a slow or dead
 * cluster gives 504/503 JSON, never a hang.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { routes } from './api/routes.ts';
import { traceRoutes } from './api/trace-routes.ts';
import { Reply, Router } from './api/router.ts';
import type { ClusterContext } from './context.ts';
import { HttpError, toHttpError } from './errors.ts';
import type { History } from './history.ts';
import { renderMetrics } from './metrics.ts';
import { readJson } from './params.ts';
import { checkCsrf, type LoginService } from './security.ts';

/** The UI sits beside src/ and dist/ in the package, so one relative path fits both. */
const UI_DIR = fileURLToPath(new URL('../ui/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

// Everything is local: no page may load anything from elsewhere.
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'",
  'x-content-type-options': 'nosniff',
};

function send(response: ServerResponse, status: number, data: unknown, download?: string, cookie?: string): void {
  if (response.headersSent) return;
  const body = JSON.stringify(data ?? null);
  response.writeHead(status, {
    ...(cookie ? { 'set-cookie': cookie } : {}),
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...SECURITY_HEADERS,
    ...(download ? { 'content-disposition': `attachment; filename="${download}"` } : {}),
  });
  response.end(body);
}

function withDeadline<T>(promise: Promise<T>, millis: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new HttpError(504, `the cluster did not answer within ${Math.round(millis / 1000)} s; check that the name server and brokers are running`)), millis);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

async function serveStatic(path: string, response: ServerResponse): Promise<void> {
  const file = path === '/' || !extname(path) ? 'index.html' : normalize(path).replace(/^([/\\])+/, '');
  if (file.includes('..')) throw new HttpError(404, 'no such file');
  let content: Buffer;
  try {
    content = await readFile(UI_DIR + file);
  } catch {
    throw new HttpError(404, `no such page: ${path}`);
  }
  response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache', ...SECURITY_HEADERS });
  response.end(content);
}

/** /api/session, /api/login, /api/logout: answered before the login check. */
async function sessionRoutes(method: string, path: string, request: IncomingMessage, response: ServerResponse, login: LoginService): Promise<boolean> {
  if (path === '/api/session' && method === 'GET') {
    const user = login.current(request);
    send(response, 200, { loginRequired: login.required, user: user ? { name: user.name, admin: user.admin } : null });
    return true;
  }
  if (path === '/api/login' && method === 'POST') {
    const body = await readJson(request);
    const { user, cookie } = await login.login(body['username'], body['password']);
    send(response, 200, { user }, undefined, cookie);
    return true;
  }
  if (path === '/api/logout' && method === 'POST') {
    send(response, 200, { user: null }, undefined, login.logout(request));
    return true;
  }
  return false;
}

export function createDashboardServer(context: ClusterContext, history: History, requestTimeoutMillis: number, login: LoginService): Server {
  const router = new Router([...routes, ...traceRoutes]);
  const deadlineMillis = requestTimeoutMillis * 3 + 2000;
  return createServer((request: IncomingMessage, response: ServerResponse) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const method = request.method ?? 'GET';
      try {
        // Before anything else: a cross-site page must not change anything, log in included.
        checkCsrf(request);
        if (await sessionRoutes(method, url.pathname, request, response, login)) return;
        if (url.pathname === '/metrics') {
          if (method !== 'GET') throw new HttpError(405, 'use GET /metrics');
          const text = await withDeadline(renderMetrics(context.admin), deadlineMillis);
          response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
          response.end(text);
          return;
        }
        if (url.pathname.startsWith('/api/')) {
          login.authorize(request);
          const { route, params, allowed } = router.match(method, url.pathname);
          if (!route) {
            if (allowed.length > 0) throw new HttpError(405, `${method} is not allowed on ${url.pathname}; use ${allowed.join(' or ')}`);
            throw new HttpError(404, `no API endpoint ${url.pathname}; see the README's list under /api`);
          }
          const result = await withDeadline(route.handler({ params, query: url.searchParams, body: () => readJson(request), context, history, raw: request }), deadlineMillis);
          if (result instanceof Reply) send(response, result.status, result.data, result.download);
          else send(response, 200, result);
          return;
        }
        if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'pages are read with GET');
        await serveStatic(url.pathname, response);
      } catch (error) {
        const httpError = toHttpError(error);
        send(response, httpError.status, { error: httpError.message });
      }
    })();
  });
}
