/**
 * The broker's replication role (Java HAService + SlaveSynchronize wiring in BrokerController):
 *
 * - ASYNC_MASTER / SYNC_MASTER: the HA server on listenPort + 1 streams the commit log to
 *   slaves; SYNC_MASTER sends wait in GroupTransfer.
 * - SLAVE: the store follows the master's log through the HA client (haMasterAddress, else the
 *   HA address the name server returns on registration), and metadata is copied from the
 *   master's listen port every 10 s (first after 3 s).
 */
import type { RemotingClient } from '@rocketmq-ts/protocol';
import type { MessageStore } from '@rocketmq-ts/store';
import type { ServerLogger } from '../../common/logger.ts';
import type { BrokerConfig } from '../broker-config.ts';
import type { RegisterResult } from '../out/broker-outer-api.ts';
import { GroupTransfer, type ReplicaStatus } from './group-transfer.ts';
import { HaClient, type HaClientState } from './ha-client.ts';
import type { HaTimings } from './ha-options.ts';
import { HaServer, type HaSlaveInfo } from './ha-server.ts';
import { SlaveSynchronize, type SyncReport, type SyncTargets } from './slave-synchronize.ts';

export type BrokerRole = 'ASYNC_MASTER' | 'SYNC_MASTER' | 'SLAVE';

export const BROKER_ROLES: readonly BrokerRole[] = ['ASYNC_MASTER', 'SYNC_MASTER', 'SLAVE'];

/** What the console, the admin client and /metrics show about replication. */
export interface ReplicationStatus {
  role: BrokerRole;
  haListenPort: number;
  /** This broker's commit-log end. */
  maxPhyOffset: number;
  /** Master: the slaves connected and what they acknowledged. */
  slaves: HaSlaveInfo[];
  /** Master: highest offset any slave acknowledged (push2SlaveMaxOffset). */
  push2SlaveMaxOffset: number;
  /** Master: maxPhyOffset − push2SlaveMaxOffset with a slave connected, else −1. */
  slaveFallBehindBytes: number;
  /** Slave: the master's addresses in use. */
  masterAddr?: string;
  haMasterAddress?: string;
  /** Slave: IDLE (no master known), CONNECTING, TRANSFER, PAUSED or STOPPED. */
  haClientState?: HaClientState;
  /** Slave: the master's commit-log end as last seen − this slave's end. */
  masterFallBehindBytes?: number;
  lastSync?: SyncReport;
}

export interface ReplicationOptions {
  /** HA client reconnect wait. @defaultValue 5000 */
  reconnectDelayMillis?: number;
  /** Metadata sync period on a slave. @defaultValue 10000 */
  syncIntervalMillis?: number;
}

export function validateRole(config: Pick<BrokerConfig, 'brokerRole' | 'brokerId'>): BrokerRole {
  const role = config.brokerRole as BrokerRole;
  if (!BROKER_ROLES.includes(role)) {
    throw new Error(`brokerRole=${config.brokerRole} is not a broker role; use ASYNC_MASTER, SYNC_MASTER or SLAVE in broker.conf`);
  }
  if (role === 'SLAVE' && config.brokerId <= 0) {
    throw new Error(`Slave's brokerId must be > 0 (brokerRole=SLAVE, brokerId=${config.brokerId}); set brokerId=1 (2, 3 … for more slaves) in broker.conf`);
  }
  return role;
}

export class Replication {
  private server: HaServer | undefined;
  private client: HaClient | undefined;
  private sync: SlaveSynchronize | undefined;
  private transfer: GroupTransfer | undefined;
  private masterAddr: string | undefined;
  private timers: NodeJS.Timeout[] = [];
  readonly role: BrokerRole;

  constructor(
    private readonly config: BrokerConfig,
    private readonly store: MessageStore,
    private readonly remoting: RemotingClient,
    private readonly targets: SyncTargets,
    private readonly logger: ServerLogger,
    private readonly options: ReplicationOptions = {},
  ) {
    this.role = validateRole(config);
  }

  private get timings(): HaTimings {
    return {
      heartbeatIntervalMillis: this.config.haSendHeartbeatInterval,
      housekeepingIntervalMillis: this.config.haHousekeepingInterval,
      transferBatchSize: this.config.haTransferBatchSize,
    };
  }

  /** Masters listen on haListenPort; slaves start following (once a master address is known). */
  async start(): Promise<void> {
    const config = this.config;
    if (this.role === 'SLAVE') {
      const client = new HaClient(this.store.replicaSink(), { ...this.timings, reconnectDelayMillis: this.options.reconnectDelayMillis }, this.logger);
      this.client = client;
      client.start();
      // Java takes haMasterAddress only when it looks like an address (length ≥ 6).
      if (config.haMasterAddress.length >= 6) client.updateMasterAddress(config.haMasterAddress);
      this.sync = new SlaveSynchronize(this.remoting, this.targets, this.logger);
      const first = setTimeout(() => void this.syncNow(), Math.min(3_000, this.options.syncIntervalMillis ?? 3_000));
      first.unref();
      const every = setInterval(() => void this.syncNow(), this.options.syncIntervalMillis ?? 10_000);
      every.unref();
      this.timers.push(first, every);
      return;
    }
    this.transfer = new GroupTransfer({ timeoutMillis: config.syncFlushTimeout, fallBehindMax: config.haSlaveFallbehindMax });
    this.server = new HaServer(this.store.replicationSource(), this.transfer, this.timings, this.logger);
    try {
      await this.server.listen(config.haListenPort, config.bindAddress);
    } catch (error) {
      throw new Error(
        `the broker cannot listen on ${config.bindAddress}:${config.haListenPort} (the HA port, listenPort + 1): ${(error as Error).message}; ` +
          'another broker may be running there — choose a listenPort whose next port is free',
        { cause: error },
      );
    }
  }

  /** Slave: learns the master's addresses from a registration answer. */
  onRegistered(results: readonly RegisterResult[]): void {
    if (this.role !== 'SLAVE') return;
    const answer = results.find((result) => result.masterAddr);
    if (answer?.masterAddr && answer.masterAddr !== this.masterAddr) {
      this.logger.info({ masterAddr: answer.masterAddr }, 'slave learnt its master from the name server');
      this.masterAddr = answer.masterAddr;
    }
    if (this.config.haMasterAddress.length < 6 && answer?.haServerAddr) this.client?.updateMasterAddress(answer.haServerAddr);
  }

  /** Slave: one metadata round now (tests; the timer calls it every 10 s). */
  async syncNow(): Promise<SyncReport | undefined> {
    const master = this.masterAddr;
    const self = `${this.config.brokerIP1}:${this.config.listenPort}`;
    if (!this.sync || !master || master === self) return undefined;
    return this.sync.syncAll(master);
  }

  /** SYNC_MASTER: waits until a slave has everything before `recordEnd` (GroupTransfer rules). */
  awaitReplica(recordEnd: number): Promise<ReplicaStatus> {
    if (!this.transfer) return Promise.resolve('PUT_OK');
    return this.transfer.await(recordEnd);
  }

  /** The HA client (slave only), e.g. to pause it in tests. */
  get haClient(): HaClient | undefined {
    return this.client;
  }

  status(): ReplicationStatus {
    const maxPhyOffset = this.store.commitLog.maxOffset;
    const slaves = this.server?.slaves() ?? [];
    const acked = this.transfer?.push2SlaveMaxOffset ?? 0;
    const status: ReplicationStatus = {
      role: this.role,
      haListenPort: this.config.haListenPort,
      maxPhyOffset,
      slaves,
      push2SlaveMaxOffset: acked,
      slaveFallBehindBytes: slaves.length > 0 ? Math.max(0, maxPhyOffset - Math.max(...slaves.map((s) => s.ackOffset))) : -1,
    };
    if (this.client) {
      status.masterAddr = this.masterAddr;
      status.haMasterAddress = this.client.masterAddress;
      status.haClientState = this.client.state;
      status.masterFallBehindBytes = Math.max(0, this.client.masterOffset - maxPhyOffset);
      status.lastSync = this.sync?.lastReport;
    }
    return status;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
    this.transfer?.close();
    await this.server?.close();
    await this.client?.stop();
  }
}
