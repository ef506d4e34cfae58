/**
 * The console's connection to a cluster: one Admin (and, for test messages, one Producer) for
 * the name server in use, replaced as a whole when the user switches name servers.
 */
import { type AclCredentials, Admin, Producer } from '@rocketmq-ts/client';
import { badRequest } from './errors.ts';

const ADDR = /^[^\s:;]+:\d{1,5}(;[^\s:;]+:\d{1,5})*$/;

export class ClusterContext {
  private current: Admin;
  private producer: Promise<Producer> | undefined;
  readonly known: string[];

  private constructor(
    admin: Admin,
    readonly requestTimeoutMillis: number,
    public namesrvAddr: string,
    private readonly credentials: AclCredentials | undefined,
  ) {
    this.current = admin;
    this.known = [namesrvAddr];
  }

  static async create(namesrvAddr: string, requestTimeoutMillis: number, credentials?: AclCredentials): Promise<ClusterContext> {
    const admin = new Admin({ namesrvAddr, requestTimeoutMillis, credentials });
    await admin.start();
    return new ClusterContext(admin, requestTimeoutMillis, namesrvAddr, credentials);
  }

  get admin(): Admin {
    return this.current;
  }

  /** Points the console at another name server (list), keeping it in the known list. */
  async switchTo(namesrvAddr: string): Promise<void> {
    if (!ADDR.test(namesrvAddr)) throw badRequest(`"${namesrvAddr}" is not host:port (several separated by ";")`);
    const next = new Admin({ namesrvAddr, requestTimeoutMillis: this.requestTimeoutMillis, credentials: this.credentials });
    await next.start();
    const [oldAdmin, oldProducer] = [this.current, this.producer];
    this.current = next;
    this.producer = undefined;
    this.namesrvAddr = namesrvAddr;
    if (!this.known.includes(namesrvAddr)) this.known.push(namesrvAddr);
    await oldAdmin.shutdown();
    // A producer that failed to start has nothing to shut down.
    await (await oldProducer?.catch(() => undefined))?.shutdown();
  }

  /** The console's own producer (group DASHBOARD_PRODUCER), for "send a test message". */
  async testProducer(): Promise<Producer> {
    this.producer ??= (async () => {
      const producer = new Producer({ namesrvAddr: this.namesrvAddr, groupName: 'DASHBOARD_PRODUCER', requestTimeoutMillis: this.requestTimeoutMillis, credentials: this.credentials });
      await producer.start();
      return producer;
    })();
    return this.producer;
  }

  async close(): Promise<void> {
    await this.current.shutdown();
    // A producer that failed to start has nothing to shut down.
    await (await this.producer?.catch(() => undefined))?.shutdown();
  }
}
