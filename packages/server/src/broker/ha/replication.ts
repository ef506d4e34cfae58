/**
 * The broker's replication role (Java HAService + SlaveSynchronize wiring in BrokerController):
 *
 * - ASYNC_MASTER / SYNC_MASTER: the HA server on listenPort + 1 streams the commit log to
 *   slaves; SYNC_MASTER sends wait in GroupTransfer.
 * - SLAVE: the store follows the master's log through the HA client (haMasterAddress, else the
 *   HA address the name server returns on registration), and metadata is copied from the
 *   master's listen port every 10 s (first after 3 s).
 */
import { createRequest, type RemotingClient, ResponseCode } from '@rocketmq-ts/protocol';
import type { MessageStore } from '@rocketmq-ts/store';
import { ControllerCode } from '../controller/controller-protocol.ts';
import { consistentPoint, type EpochEntry, EpochFile, epochFilePath } from '../controller/epoch-file.ts';
import type { ServerLogger } from '../../common/logger.ts';
import type { BrokerConfig } from '../broker-config.ts';
import type { RegisterResult } from '../out/broker-outer-api.ts';
import { GroupTransfer, type ReplicaStatus } from './group-transfer.ts';
import { HaClient, type HaClientState } from './ha-client.ts';
import type { HaTimings } from './ha-options.ts';
import { HaPort, HaServer, type HaSlaveInfo } from './ha-server.ts';
import { InSyncSet } from './in-sync-set.ts';
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
  /** Controller mode: epochs of this log and the in-sync set this master acknowledges with. */
  controller?: { epochs: EpochEntry[]; inSyncSet?: number[]; wantedInSyncSet?: number[]; confirmOffset: number };
}

/** What a broker under a controller serves to a new slave (GET_BROKER_EPOCH_CACHE). */
export interface EpochCache {
  clusterName: string;
  brokerName: string;
  brokerId: number;
  epochList: EpochEntry[];
  maxOffset: number;
}

/** Controller mode: what the broker does besides replication when its role changes. */
export interface RoleHooks {
  /** Start (true) or stop (false) the master-only services; the role is already switched. */
  masterServices(on: boolean): Promise<void>;
  /** Propose an in-sync set to the controller. */
  proposeInSyncSet(ids: number[]): void;
  /** Register with every name server now (new role, new brokerId). */
  registerNow(): void;
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
  private currentRole: BrokerRole;
  private epochs: EpochFile | undefined;
  private inSync: InSyncSet | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private hooks: RoleHooks | undefined;
  private server: HaServer | undefined;
  /** The HA port, bound at start by a master, and under a controller by every broker whatever its role. */
  private haPort: HaPort | undefined;
  private client: HaClient | undefined;
  private sync: SlaveSynchronize | undefined;
  private transfer: GroupTransfer | undefined;
  private masterAddr: string | undefined;
  private timers: NodeJS.Timeout[] = [];
  private roleEpoch = 0;

  constructor(
    private readonly config: BrokerConfig,
    private readonly store: MessageStore,
    private readonly remoting: RemotingClient,
    private readonly targets: SyncTargets,
    private readonly logger: ServerLogger,
    private readonly options: ReplicationOptions = {},
  ) {
    // Under a controller a broker starts refusing writes until it is told its role.
    this.currentRole = config.enableControllerMode ? 'SLAVE' : validateRole(config);
  }

  get role(): BrokerRole {
    return this.currentRole;
  }

  private get timings(): HaTimings {
    return {
      heartbeatIntervalMillis: this.config.haSendHeartbeatInterval,
      housekeepingIntervalMillis: this.config.haHousekeepingInterval,
      transferBatchSize: this.config.haTransferBatchSize,
    };
  }

  /** Masters listen on haListenPort; slaves start following (once a master address is known). */
  async start(hooks?: RoleHooks): Promise<void> {
    const config = this.config;
    if (config.enableControllerMode) {
      this.hooks = hooks;
      this.epochs = await EpochFile.load(epochFilePath(config.storePathRootDir));
      this.store.replicaSink();
      await this.bindHaPort();
      return;
    }
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
    this.server.serveOn(await this.bindHaPort());
  }

  private async bindHaPort(): Promise<HaPort> {
    const { bindAddress, haListenPort } = this.config;
    const haPort = new HaPort(this.logger);
    try {
      await haPort.listen(haListenPort, bindAddress);
      this.haPort = haPort;
      return haPort;
    } catch (error) {
      throw new Error(
        `the broker cannot listen on ${bindAddress}:${haListenPort} (the HA port, listenPort + 1): ${(error as Error).message}; ` +
          'another broker may be running there — choose a listenPort whose next port is free',
        { cause: error },
      );
    }
  }

  /** Slave: learns the master's addresses from a registration answer. */
  onRegistered(results: readonly RegisterResult[]): void {
    // Under a controller the master is the controller's word, not the name server's.
    if (this.role !== 'SLAVE' || this.config.enableControllerMode) return;
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

  // ---- controller mode (docs/failover.md) ------------------------------------------------

  get lastEpoch(): number {
    return this.epochs?.lastEpoch ?? 0;
  }

  /** End of what consumers may read: the confirm offset, or the log end when nothing is held back. */
  get confirmOffset(): number {
    return Math.min(this.store.confirmOffset, this.store.commitLog.maxOffset);
  }

  /**
   * The master epoch of the controller's last role change this broker carried out (0 before
   * any): sent to name servers as the registration's stateVersion, so a newer master's
   * registration wins over a stale one's (Apache 5.x ReplicasManager: dataVersion.nextVersion(epoch)).
   */
  get masterEpoch(): number {
    return this.roleEpoch;
  }

  /** GET_BROKER_EPOCH_CACHE: this log's epochs, for a slave to find where it agrees with us. */
  epochCache(): EpochCache {
    const maxOffset = this.store.commitLog.maxOffset;
    return { clusterName: this.config.brokerClusterName, brokerName: this.config.brokerName, brokerId: this.config.brokerId, epochList: this.epochs?.list(maxOffset) ?? [], maxOffset };
  }

  /** Elected: stop following, cut a half-received record, open the log for writes in `epoch`. */
  async becomeMaster(epoch: number, selfId: number, syncStateSet: readonly number[]): Promise<void> {
    const config = this.config;
    const wasMaster = this.currentRole !== 'SLAVE';
    const steps = new StepClock();
    await this.stopFollowing();
    steps.mark('haClientStopped');
    const start = await this.store.stopFollowing();
    steps.mark('logCut');
    await this.epochs?.append(epoch, start);
    steps.mark('epochWritten');
    if (!wasMaster) {
      this.inSync = new InSyncSet(selfId, {
        haMaxTimeSlaveNotCatchup: config.haMaxTimeSlaveNotCatchup,
        allAckInSyncStateSet: config.allAckInSyncStateSet,
        minInSyncReplicas: config.minInSyncReplicas,
      });
      this.transfer = new GroupTransfer({ timeoutMillis: config.syncFlushTimeout, fallBehindMax: Number.MAX_SAFE_INTEGER });
      const inSync = this.inSync;
      this.server = new HaServer(this.store.replicationSource(), this.transfer, this.timings, this.logger, {
        onSlaveAck: (id, offset) => {
          inSync.onAck(id, offset, this.store.commitLog.maxOffset);
          this.updateFloor();
          if (!inSync.confirmed.includes(id) && offset >= this.store.commitLog.maxOffset) this.checkInSync();
        },
        onSlaveGone: (id) => {
          inSync.onGone(id);
          this.updateFloor();
          this.checkInSync();
        },
        confirmOffset: () => this.confirmOffset,
      });
      if (!this.haPort) throw new Error('becomeMaster is for controller mode (enableControllerMode=true), whose HA port is bound at start');
      this.server.serveOn(this.haPort);
      steps.mark('haServerServing');
      this.checkTimer = setInterval(() => this.checkInSync(), config.checkSyncStateSetPeriod);
      this.checkTimer.unref();
    }
    this.inSync?.setConfirmed(syncStateSet);
    this.updateFloor();
    this.currentRole = 'SYNC_MASTER';
    config.brokerRole = 'SYNC_MASTER';
    config.brokerId = 0;
    this.masterAddr = undefined;
    this.logger.warn({ epoch, brokerControllerId: selfId, startOffset: start, syncStateSet, stepsMillis: steps.millis }, 'this broker is now the master of its broker name');
    if (!wasMaster) await this.hooks?.masterServices(true);
    steps.mark('masterServicesStarted');
    if (steps.total > SLOW_ROLE_CHANGE_MILLIS) this.logger.warn({ epoch, stepsMillis: steps.millis }, 'becoming master was slow');
    this.roleEpoch = epoch;
    this.hooks?.registerNow();
  }

  /** Told to follow `masterAddr`: cut this log where it stops agreeing with the master's, then copy. */
  async becomeSlave(masterAddr: string, epoch: number, selfId: number): Promise<void> {
    const config = this.config;
    const steps = new StepClock();
    if (this.currentRole !== 'SLAVE') {
      this.currentRole = 'SLAVE';
      config.brokerRole = 'SLAVE';
      clearInterval(this.checkTimer);
      this.transfer?.close();
      await this.server?.close();
      this.server = undefined;
      this.transfer = undefined;
      this.inSync = undefined;
      await this.hooks?.masterServices(false);
      steps.mark('masterServicesStopped');
    }
    config.brokerId = selfId;
    await this.stopFollowing();
    steps.mark('haClientStopped');
    const cache = await this.fetchEpochCache(masterAddr);
    steps.mark('epochsFetched');
    const local = this.epochs?.list(this.store.commitLog.maxOffset) ?? [];
    if (this.store.commitLog.maxOffset > 0) {
      const point = Math.max(0, consistentPoint(local, cache.epochList));
      if (point < this.store.commitLog.maxOffset) await this.store.truncateTo(point);
    }
    steps.mark('logCut');
    // What this log still holds is the new master's too; what arrives from now on is read by
    // consumers of this slave only once the master's confirm offset (in its frames) covers it.
    this.store.setConfirmOffset(this.store.commitLog.maxOffset);
    this.store.replicaSink();
    await this.epochs?.adopt(cache.epochList, this.store.commitLog.maxOffset);
    const colon = masterAddr.lastIndexOf(':');
    const haAddr = `${masterAddr.slice(0, colon)}:${Number(masterAddr.slice(colon + 1)) + 1}`;
    const client: HaClient = new HaClient(
      this.store.replicaSink(),
      {
        ...this.timings,
        reconnectDelayMillis: this.options.reconnectDelayMillis ?? 1_000,
        helloBrokerId: selfId,
        onConfirmOffset: (offset) => {
          if (this.client === client) this.store.setConfirmOffset(offset);
        },
      },
      this.logger,
    );
    this.client = client;
    client.start();
    client.updateMasterAddress(haAddr);
    this.masterAddr = masterAddr;
    this.sync ??= new SlaveSynchronize(this.remoting, this.targets, this.logger);
    const every = setInterval(() => void this.syncNow(), this.options.syncIntervalMillis ?? 10_000);
    every.unref();
    this.timers.push(every);
    setTimeout(() => void this.syncNow(), 1_000).unref();
    steps.mark('following');
    this.logger.warn({ epoch, master: masterAddr, brokerId: selfId, from: this.store.commitLog.maxOffset, stepsMillis: steps.millis }, 'this broker now follows the master of its broker name');
    this.roleEpoch = epoch;
    this.hooks?.registerNow();
  }

  /** The controller confirmed this in-sync set: acknowledgements now wait on it. */
  setInSyncSet(ids: readonly number[]): void {
    this.inSync?.setConfirmed(ids);
    this.updateFloor();
    this.server?.confirmOffsetMoved();
  }

  private async stopFollowing(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
    const client = this.client;
    this.client = undefined;
    await client?.stop();
  }

  private async fetchEpochCache(masterAddr: string): Promise<EpochCache> {
    const response = await this.remoting.invoke(masterAddr, createRequest(ControllerCode.GET_BROKER_EPOCH_CACHE), 3_000);
    if (response.code !== ResponseCode.SUCCESS || !response.body) throw new Error(`the master ${masterAddr} did not send its epochs (code ${response.code}: ${response.remark ?? ''})`);
    return JSON.parse(response.body.toString('utf8')) as EpochCache;
  }

  private updateFloor(): void {
    const inSync = this.inSync;
    if (!inSync || !this.transfer) return;
    const floor = inSync.floor();
    this.transfer.setInSyncFloor(floor.offset, floor.enough);
    this.updateConfirmOffset(inSync, floor.offset);
  }

  /**
   * Apache's confirmOffset (CommitLog.getConfirmOffset): with allAckInSyncStateSet and other
   * members in the confirmed set, consumers see only what every member has, so a failover
   * never cuts a record somebody consumed. It only moves forward; a member that disconnects
   * (ack 0) holds it where it is until the controller shrinks the set.
   */
  private updateConfirmOffset(inSync: InSyncSet, floor: number): void {
    if (!this.config.allAckInSyncStateSet || inSync.size <= 1) {
      this.store.setConfirmOffset(Number.POSITIVE_INFINITY);
      return;
    }
    const maxOffset = this.store.commitLog.maxOffset;
    // Coming from no bound (a set of one, or just elected): what is written now is visible already.
    const current = Math.min(this.store.confirmOffset, maxOffset);
    this.store.setConfirmOffset(Math.max(current, Math.min(floor, maxOffset)));
  }

  private checkInSync(): void {
    const inSync = this.inSync;
    if (!inSync) return;
    const wanted = inSync.wanted(this.store.commitLog.maxOffset);
    if (inSync.differs(wanted)) this.hooks?.proposeInSyncSet(wanted);
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
    if (this.epochs) {
      status.controller = { epochs: this.epochs.list(maxPhyOffset), inSyncSet: this.inSync?.confirmed, wantedInSyncSet: this.inSync?.wanted(maxPhyOffset), confirmOffset: this.confirmOffset };
    }
    return status;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
    clearInterval(this.checkTimer);
    this.transfer?.close();
    await this.server?.close();
    await this.haPort?.close();
    await this.client?.stop();
  }
}

/** A role change slower than this is logged with where its time went. */
const SLOW_ROLE_CHANGE_MILLIS = 2_000;

/** Milliseconds per named step of a role change, for the log. */
class StepClock {
  readonly millis: Record<string, number> = {};
  private readonly started = Date.now();
  private last = this.started;

  mark(step: string): void {
    const now = Date.now();
    this.millis[step] = now - this.last;
    this.last = now;
  }

  get total(): number {
    return this.last - this.started;
  }
}
