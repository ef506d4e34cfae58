/** A small method + path-pattern router: "/api/topics/:topic" → params.topic (URL-decoded). */
import type { IncomingMessage } from 'node:http';
import type { ClusterContext } from '../context.ts';
import type { History } from '../history.ts';

export interface ApiRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  body: () => Promise<Record<string, unknown>>;
  context: ClusterContext;
  history: History;
  raw: IncomingMessage;
}

/** A handler answers with JSON data (200), or a Reply for another status or a download. */
export type ApiHandler = (request: ApiRequest) => Promise<unknown>;

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  handler: ApiHandler;
}

export class Reply {
  constructor(
    readonly status: number,
    readonly data: unknown,
    readonly download?: string,
  ) {}
}

interface Compiled extends Route {
  pattern: RegExp;
  names: string[];
}

export class Router {
  private readonly routes: Compiled[];

  constructor(routes: Route[]) {
    this.routes = routes.map((route) => {
      const names: string[] = [];
      const pattern = new RegExp(
        `^${route.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)/g, (_m, name: string) => {
          names.push(name);
          return '([^/]+)';
        })}$`,
      );
      return { ...route, pattern, names };
    });
  }

  /** The matching route and params; `allowed` lists the methods of a path that exists under other methods. */
  match(method: string, path: string): { route?: Compiled; params: Record<string, string>; allowed: string[] } {
    const allowed: string[] = [];
    for (const route of this.routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      if (route.method !== method) {
        allowed.push(route.method);
        continue;
      }
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1]!)));
      return { route, params, allowed };
    }
    return { params: {}, allowed };
  }
}
