/**
 * @rocketmq-ts/dashboard — a web console for RocketMQ 4.x clusters (rocketmq-ts or Apache):
 * browser UI, JSON API under /api, Prometheus metrics at /metrics. It talks to the cluster only
 * through the Admin client, over the wire.
 */
import type { AddressInfo } from 'node:net';
import { ClusterContext } from './context.ts';
import { History } from './history.ts';
import type { AclCredentials } from '@rocketmq-ts/client';
import { createDashboardServer } from './http.ts';
import { type LoginOptions, LoginService } from './security.ts';

export interface DashboardOptions {
  /** Name server(s), "host:port;host:port". */
  namesrvAddr: string;
  /** @defaultValue 8080; 0 picks a free port */
  port?: number;
  /** Address to listen on; set "0.0.0.0" (and turn on login) to reach it from other machines. @defaultValue "127.0.0.1" */
  host?: string;
  /** Login (rocketmq-dashboard's loginRequired + users.properties). @defaultValue no login */
  login?: LoginOptions;
  /** The console's own ACL account: its admin calls and test messages are signed with it (brokers with aclEnable=true). */
  credentials?: AclCredentials;
  /** Timeout of each request to the cluster. @defaultValue 3000 */
  requestTimeoutMillis?: number;
  /** How often the live charts sample the cluster. @defaultValue 5000 */
  sampleIntervalMillis?: number;
}

export type { LoginOptions } from './security.ts';

export interface RunningDashboard {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startDashboard(options: DashboardOptions): Promise<RunningDashboard> {
  const requestTimeoutMillis = options.requestTimeoutMillis ?? 3000;
  const login = new LoginService(options.login ?? {});
  await login.check();
  const context = await ClusterContext.create(options.namesrvAddr, requestTimeoutMillis, options.credentials);
  const history = new History(context, options.sampleIntervalMillis ?? 5000);
  const server = createDashboardServer(context, history, requestTimeoutMillis, login);
  const host = options.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 8080, host, () => resolve());
    });
  } catch (error) {
    await context.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`port ${options.port ?? 8080} is in use; pick another with --port (or --dashboardPort for npm start)`);
    throw error;
  }
  history.start();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    port,
    close: async () => {
      history.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await context.close();
    },
  };
}
