/**
 * The console's guards: an optional login with users from a file (rocketmq-dashboard's
 * `loginRequired` + users.properties: `name=password[,1]`, 1 = admin), sessions in an
 * HttpOnly SameSite=Strict cookie, and CSRF protection on every state-changing call — it must
 * carry the X-RocketMQ-Console header (a cross-site page cannot set it without a CORS
 * preflight, which this server never grants) and, when the browser says where it came from
 * (Origin / Sec-Fetch-Site), come from this same site.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { parse } from 'dot-properties';
import { HttpError } from './errors.ts';

export const CSRF_HEADER = 'x-rocketmq-console';
export const SESSION_COOKIE = 'rmq_console_session';

export interface ConsoleUser {
  name: string;
  admin: boolean;
}

interface StoredUser extends ConsoleUser {
  passwordHash: Buffer;
}

interface Session extends ConsoleUser {
  expires: number;
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** users.properties: `name=password` (normal user) or `name=password,1` (admin); # comments. */
export function parseUsers(text: string): Map<string, StoredUser> {
  const users = new Map<string, StoredUser>();
  for (const [name, value] of Object.entries(parse(text) as Record<string, string>)) {
    const comma = value.lastIndexOf(',');
    const role = comma >= 0 ? value.slice(comma + 1).trim() : '';
    const hasRole = role === '0' || role === '1';
    const password = hasRole ? value.slice(0, comma) : value;
    if (name.trim() === '' || password === '') continue;
    users.set(name.trim(), { name: name.trim(), admin: role === '1', passwordHash: digest(password) });
  }
  return users;
}

function isSafeMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
}

/**
 * Refuses a state-changing request that may come from another site. Same-origin requests from
 * the console's own page pass (it sends the header); curl and scripts pass by sending it too.
 */
export function checkCsrf(request: IncomingMessage): void {
  const method = request.method ?? 'GET';
  if (isSafeMethod(method)) return;
  const fetchSite = request.headers['sec-fetch-site'];
  if (fetchSite === 'cross-site' || fetchSite === 'same-site') throw new HttpError(403, 'cross-site request refused');
  const origin = request.headers.origin;
  if (origin !== undefined) {
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      throw new HttpError(403, 'cross-site request refused (unreadable Origin)');
    }
    if (originHost !== request.headers.host) throw new HttpError(403, `cross-site request refused (Origin ${origin})`);
  }
  if (request.headers[CSRF_HEADER] === undefined) {
    throw new HttpError(403, `state-changing calls need the ${CSRF_HEADER} header (the console's page sends it; scripts: add "-H '${CSRF_HEADER}: 1'")`);
  }
}

function cookieValue(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export interface LoginOptions {
  /** Require a login for the API (rocketmq-dashboard's rocketmq.config.loginRequired). @defaultValue false */
  loginRequired?: boolean;
  /** users.properties; read at each login, so edits apply without a restart. Required with loginRequired. */
  usersFile?: string;
  /** @defaultValue 30 minutes (rocketmq-dashboard's session timeout) */
  sessionTimeoutMillis?: number;
}

export class LoginService {
  private readonly sessions = new Map<string, Session>();
  readonly required: boolean;
  private readonly timeout: number;

  constructor(private readonly options: LoginOptions) {
    this.required = options.loginRequired ?? false;
    this.timeout = options.sessionTimeoutMillis ?? 30 * 60_000;
    if (this.required && !options.usersFile) throw new Error('loginRequired needs a users file (--users-file users.properties: name=password[,1 for admin])');
  }

  /** Checks the file now so a missing or empty one fails the start, not the first login. */
  async check(): Promise<void> {
    if (!this.required) return;
    const users = await this.users();
    if (users.size === 0) throw new Error(`the users file ${this.options.usersFile} lists no users (name=password[,1 for admin])`);
  }

  private async users(): Promise<Map<string, StoredUser>> {
    try {
      return parseUsers(await readFile(this.options.usersFile!, 'utf8'));
    } catch (error) {
      throw new Error(`cannot read the users file ${this.options.usersFile}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** The signed-in user, or undefined. Sessions slide: each use extends them. */
  current(request: IncomingMessage): ConsoleUser | undefined {
    const token = cookieValue(request, SESSION_COOKIE);
    if (!token) return undefined;
    const session = this.sessions.get(token);
    if (!session) return undefined;
    if (session.expires < Date.now()) {
      this.sessions.delete(token);
      return undefined;
    }
    session.expires = Date.now() + this.timeout;
    return { name: session.name, admin: session.admin };
  }

  /** Who may do this request: anyone when login is off; else a signed-in user, and an admin for changes. */
  authorize(request: IncomingMessage): ConsoleUser | undefined {
    if (!this.required) return undefined;
    const user = this.current(request);
    if (!user) throw new HttpError(401, 'log in first');
    if (!isSafeMethod(request.method ?? 'GET') && !user.admin) throw new HttpError(403, `user ${user.name} is not an admin; changes need an admin account`);
    return user;
  }

  /** Returns the Set-Cookie value of a new session, or throws 401 (same message for unknown user and wrong password). */
  async login(name: unknown, password: unknown): Promise<{ user: ConsoleUser; cookie: string }> {
    if (!this.required) throw new HttpError(400, 'login is not required on this console');
    if (typeof name !== 'string' || typeof password !== 'string') throw new HttpError(400, 'username and password are required');
    const stored = (await this.users()).get(name);
    const given = digest(password);
    const ok = stored !== undefined && timingSafeEqual(stored.passwordHash, given);
    if (!ok) throw new HttpError(401, 'wrong username or password');
    this.sweep();
    const token = randomBytes(32).toString('base64url');
    this.sessions.set(token, { name: stored.name, admin: stored.admin, expires: Date.now() + this.timeout });
    return { user: { name: stored.name, admin: stored.admin }, cookie: `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.round(this.timeout / 1000)}` };
  }

  logout(request: IncomingMessage): string {
    const token = cookieValue(request, SESSION_COOKIE);
    if (token) this.sessions.delete(token);
    return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [token, session] of this.sessions) if (session.expires < now) this.sessions.delete(token);
  }
}
