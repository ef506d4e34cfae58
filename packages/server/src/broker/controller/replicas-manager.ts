/**
 * The broker as a client of Apache RocketMQ 5.x controllers (Java ReplicasManager, 5.2+ flow):
 *
 * 1. find the controller leader (CONTROLLER_GET_METADATA_INFO on each controllerAddr);
 * 2. register: GET_NEXT_BROKER_ID → APPLY_BROKER_ID (brokerIdentity file in the store root,
 *    so a restart keeps its id) → CONTROLLER_REGISTER_BROKER, whose answer names the master;
 * 3. heartbeat every brokerHeartbeatInterval to every controller (BROKER_HEARTBEAT, oneway,
 *    with epoch and log end: the controller elects the in-sync replica with the most data);
 * 4. with no master, ask for an election (CONTROLLER_ELECT_MASTER);
 * 5. follow role changes: pushed by the controller (NOTIFY_BROKER_ROLE_CHANGED) and polled
 *    every syncBrokerMetadataPeriod (CONTROLLER_GET_REPLICA_INFO); a higher master epoch makes
 *    this broker the master or a slave of the named master;
 * 6. as master, report in-sync set changes (CONTROLLER_ALTER_SYNC_STATE_SET).
 *
 * Role changes run one at a time; a failed one is retried by the next poll (the epoch is only
 * taken once the change is done).
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRequest, decodeHeader, encodeHeader, type RemotingClient, type RemotingCommand, ResponseCode } from '@rocketmq-ts/protocol';
import type { ServerLogger } from '../../common/logger.ts';
import type { BrokerConfig } from '../broker-config.ts';
import {
  AlterSyncStateSetRequestHeader,
  ApplyBrokerIdRequestHeader,
  BrokerHeartbeatRequestHeader,
  ControllerCode,
  ControllerResponse,
  decodeSyncStateSet,
  ElectMasterRequestHeader,
  encodeSyncStateSet,
  GetMetaDataResponseHeader,
  GetNextBrokerIdRequestHeader,
  GetNextBrokerIdResponseHeader,
  GetReplicaInfoRequestHeader,
  type MasterInfo,
  MasterInfoHeader,
  RegisterBrokerToControllerRequestHeader,
  type SyncStateSet,
} from './controller-protocol.ts';

/** What the manager drives: the broker's replication role. */
export interface RoleTarget {
  becomeMaster(epoch: number, brokerControllerId: number, syncStateSet: readonly number[]): Promise<void>;
  becomeSlave(masterAddr: string, epoch: number, brokerControllerId: number): Promise<void>;
  /** The controller confirmed a new in-sync set (master only). */
  syncStateSetChanged(syncStateSet: readonly number[]): void;
  readonly lastEpoch: number;
  readonly maxPhyOffset: number;
  /** What consumers may read up to (sent in heartbeats, as Apache's broker does). */
  readonly confirmOffset: number;
}

export interface ControllerStatus {
  controllerAddr: string[];
  controllerLeader?: string | undefined;
  brokerControllerId?: number | undefined;
  masterBrokerId?: number | undefined;
  masterAddress?: string | undefined;
  masterEpoch: number;
  syncStateSet: number[];
  syncStateSetEpoch: number;
  registered: boolean;
}

const REQUEST_TIMEOUT = 3_000;

export class ControllerError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'ControllerError';
  }
}

export class ReplicasManager {
  private readonly controllers: string[];
  private leader: string | undefined;
  private brokerControllerId: number | undefined;
  private masterBrokerId: number | undefined;
  private masterAddress: string | undefined;
  private masterEpoch = 0;
  private syncState: SyncStateSet = { syncStateSet: [], syncStateSetEpoch: 0 };
  private registered = false;
  private chain: Promise<void> = Promise.resolve();
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private altering = false;

  constructor(
    private readonly config: BrokerConfig,
    private readonly brokerAddr: string,
    private readonly client: RemotingClient,
    private readonly target: RoleTarget,
    private readonly logger: ServerLogger,
  ) {
    this.controllers = config.controllerAddr.split(';').map((a) => a.trim()).filter(Boolean);
  }

  status(): ControllerStatus {
    return {
      controllerAddr: this.controllers,
      controllerLeader: this.leader,
      brokerControllerId: this.brokerControllerId,
      masterBrokerId: this.masterBrokerId,
      masterAddress: this.masterAddress,
      masterEpoch: this.masterEpoch,
      syncStateSet: [...this.syncState.syncStateSet],
      syncStateSetEpoch: this.syncState.syncStateSetEpoch,
      registered: this.registered,
    };
  }

  get isMaster(): boolean {
    return this.brokerControllerId !== undefined && this.masterBrokerId === this.brokerControllerId;
  }

  /** Starts the register/elect loop and the periodic tasks; returns at once (the broker serves reads meanwhile). */
  start(): void {
    this.every(this.config.brokerHeartbeatInterval, () => this.heartbeat());
    this.every(this.config.syncControllerMetadataPeriod, () => void this.findLeader().catch(() => undefined));
    this.every(this.config.syncBrokerMetadataPeriod, () => void this.poll());
    void this.poll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.chain.catch(() => undefined);
  }

  /** NOTIFY_BROKER_ROLE_CHANGED from a controller (oneway). */
  onRoleChangeNotified(request: RemotingCommand): void {
    const info = decodeHeader(MasterInfoHeader, request.extFields);
    const set = decodeSyncStateSet(request.body, info.syncStateSetEpoch ?? 0);
    this.logger.info({ ...info, syncStateSet: set.syncStateSet }, 'the controller announced a role change');
    const notifiedAt = Date.now();
    void this.enqueue(() => {
      const waited = Date.now() - notifiedAt;
      // A step before it in the chain (a poll, an earlier change) held this one up.
      if (waited > 1_000) this.logger.warn({ masterEpoch: info.masterEpoch, waitedMillis: waited }, 'the announced role change waited behind another controller step');
      return this.apply(info, set);
    });
  }

  /** Master: proposes a new in-sync set; the controller's answer becomes the set. */
  async alterSyncStateSet(ids: readonly number[]): Promise<void> {
    const self = this.brokerControllerId;
    if (!this.isMaster || self === undefined || this.altering) return;
    this.altering = true;
    try {
      const request = createRequest(ControllerCode.CONTROLLER_ALTER_SYNC_STATE_SET, {
        extFields: encodeHeader(AlterSyncStateSetRequestHeader, { brokerName: this.config.brokerName, masterBrokerId: self, masterEpoch: this.masterEpoch, invokeTime: Date.now() }),
      });
      request.body = encodeSyncStateSet({ syncStateSet: [...ids], syncStateSetEpoch: this.syncState.syncStateSetEpoch });
      const response = await this.toLeader(request);
      const set = decodeSyncStateSet(response.body);
      this.logger.info({ from: this.syncState.syncStateSet, to: set.syncStateSet, epoch: set.syncStateSetEpoch }, 'in-sync set changed');
      this.changeSyncStateSet(set);
    } catch (error) {
      this.logger.warn({ proposed: ids, err: (error as Error).message }, 'the controller refused the in-sync set change; retrying on the next check');
    } finally {
      this.altering = false;
    }
  }

  private every(millis: number, task: () => void): void {
    const timer = setInterval(task, millis);
    timer.unref();
    this.timers.push(timer);
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.chain.then(task, task);
    this.chain = next.catch((error: unknown) => this.logger.warn({ err: (error as Error).message }, 'controller mode: a step failed; retrying on the next poll'));
    return this.chain;
  }

  /** One round: register if needed, then replica info (or an election when there is no master). */
  private poll(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return this.enqueue(async () => {
      if (this.stopped) return;
      const started = Date.now();
      try {
        if (!this.leader) await this.findLeader();
        if (!this.registered) {
          await this.register();
          this.heartbeat();
        }
        if (this.masterBrokerId === undefined) await this.elect();
        else await this.syncReplicaInfo();
      } finally {
        const took = Date.now() - started;
        // Role changes queue behind a poll: a slow one delays a take-over.
        if (took > 2_000) this.logger.warn({ tookMillis: took, leader: this.leader, registered: this.registered }, 'a controller poll was slow');
      }
    });
  }

  private async findLeader(): Promise<void> {
    for (const addr of this.controllers) {
      try {
        const response = await this.client.invoke(addr, createRequest(ControllerCode.CONTROLLER_GET_METADATA_INFO), REQUEST_TIMEOUT);
        if (response.code !== ResponseCode.SUCCESS) continue;
        const meta = decodeHeader(GetMetaDataResponseHeader, response.extFields);
        if (meta.controllerLeaderAddress) {
          if (meta.controllerLeaderAddress !== this.leader) this.logger.info({ leader: meta.controllerLeaderAddress }, 'controller leader found');
          this.leader = meta.controllerLeaderAddress;
          return;
        }
      } catch {
        // Try the next controller.
      }
    }
    this.leader = undefined;
    throw new Error(`no controller leader among controllerAddr=${this.config.controllerAddr}: are the controllers running and do they have a quorum?`);
  }

  private async toLeader(request: RemotingCommand): Promise<RemotingCommand> {
    if (!this.leader) await this.findLeader();
    let response: RemotingCommand;
    try {
      response = await this.client.invoke(this.leader!, request, REQUEST_TIMEOUT);
    } catch (error) {
      this.leader = undefined;
      throw error;
    }
    if (response.code === ControllerResponse.CONTROLLER_NOT_LEADER) this.leader = undefined;
    if (response.code !== ResponseCode.SUCCESS && response.code !== ControllerResponse.CONTROLLER_MASTER_STILL_EXIST) {
      throw new ControllerError(response.code, `controller answered ${response.code}: ${response.remark ?? ''}`);
    }
    return response;
  }

  private identityFile(): string {
    return join(this.config.storePathRootDir, 'brokerIdentity');
  }

  /** GET_NEXT_BROKER_ID → APPLY_BROKER_ID (once, persisted) → REGISTER_BROKER. */
  private async register(): Promise<void> {
    const { brokerClusterName: clusterName, brokerName } = this.config;
    let id = await this.readIdentity();
    if (id === undefined) {
      const next = await this.toLeader(createRequest(ControllerCode.CONTROLLER_GET_NEXT_BROKER_ID, { extFields: encodeHeader(GetNextBrokerIdRequestHeader, { clusterName, brokerName }) }));
      const candidate = decodeHeader(GetNextBrokerIdResponseHeader, next.extFields).nextBrokerId;
      const checkCode = `${this.brokerAddr};${Date.now()}`;
      await this.toLeader(
        createRequest(ControllerCode.CONTROLLER_APPLY_BROKER_ID, {
          extFields: encodeHeader(ApplyBrokerIdRequestHeader, { clusterName, brokerName, appliedBrokerId: candidate, registerCheckCode: checkCode }),
        }),
      );
      await this.writeIdentity(candidate);
      id = candidate;
      this.logger.info({ brokerControllerId: id }, 'the controller assigned this broker its id');
    }
    this.brokerControllerId = id;
    const response = await this.toLeader(
      createRequest(ControllerCode.CONTROLLER_REGISTER_BROKER, {
        extFields: encodeHeader(RegisterBrokerToControllerRequestHeader, { clusterName, brokerName, brokerId: id, brokerAddress: this.brokerAddr, invokeTime: Date.now() }),
      }),
    );
    this.registered = true;
    const info = decodeHeader(MasterInfoHeader, response.extFields);
    this.logger.info({ brokerControllerId: id, ...info }, 'registered with the controller');
    if (info.masterBrokerId !== undefined && info.masterAddress) await this.apply(info, decodeSyncStateSet(response.body, info.syncStateSetEpoch ?? 0));
  }

  private async readIdentity(): Promise<number | undefined> {
    let text: string;
    try {
      text = await readFile(this.identityFile(), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const props = new Map(text.split('\n').map((line) => line.split('=', 2).map((s) => s.trim()) as [string, string]));
    if (props.get('brokerName') !== this.config.brokerName || props.get('clusterName') !== this.config.brokerClusterName) {
      throw new Error(
        `${this.identityFile()} belongs to ${props.get('clusterName')}/${props.get('brokerName')}, not ${this.config.brokerClusterName}/${this.config.brokerName}: ` +
          'fix brokerName/brokerClusterName or use another storePathRootDir',
      );
    }
    const id = Number(props.get('brokerId'));
    return Number.isSafeInteger(id) && id > 0 ? id : undefined;
  }

  private async writeIdentity(id: number): Promise<void> {
    const file = this.identityFile();
    const temp = `${file}.tmp`;
    await writeFile(temp, `clusterName=${this.config.brokerClusterName}\nbrokerName=${this.config.brokerName}\nbrokerId=${id}\n`, { flush: true });
    await rename(temp, file).catch(async (error: unknown) => {
      await rm(temp, { force: true });
      throw error;
    });
  }

  private async elect(): Promise<void> {
    const id = this.brokerControllerId;
    if (id === undefined) return;
    const response = await this.toLeader(
      createRequest(ControllerCode.CONTROLLER_ELECT_MASTER, {
        extFields: encodeHeader(ElectMasterRequestHeader, { clusterName: this.config.brokerClusterName, brokerName: this.config.brokerName, brokerId: id, designateElect: false, invokeTime: Date.now() }),
      }),
    );
    const info = decodeHeader(MasterInfoHeader, response.extFields);
    if (info.masterBrokerId === undefined || !info.masterAddress) {
      this.logger.warn({ brokerName: this.config.brokerName }, 'no master in this broker set yet');
      return;
    }
    await this.apply(info, decodeSyncStateSet(response.body, info.syncStateSetEpoch ?? 0));
  }

  private async syncReplicaInfo(): Promise<void> {
    const response = await this.toLeader(
      createRequest(ControllerCode.CONTROLLER_GET_REPLICA_INFO, { extFields: encodeHeader(GetReplicaInfoRequestHeader, { brokerName: this.config.brokerName }) }),
    ).catch(async (error: unknown) => {
      if (error instanceof ControllerError && error.code === ControllerResponse.CONTROLLER_BROKER_METADATA_NOT_EXIST) this.registered = false;
      throw error;
    });
    const info = decodeHeader(MasterInfoHeader, response.extFields);
    const set = decodeSyncStateSet(response.body);
    if ((info.masterEpoch ?? 0) > this.masterEpoch) {
      if (info.masterBrokerId !== undefined && info.masterAddress) await this.apply(info, set);
      else await this.elect();
    } else if (info.masterEpoch === this.masterEpoch && this.isMaster) {
      this.changeSyncStateSet(set);
    }
  }

  /** Applies a master announcement with a newer epoch (Java changeBrokerRole). */
  private async apply(info: MasterInfo, set: SyncStateSet): Promise<void> {
    const epoch = info.masterEpoch ?? 0;
    const id = this.brokerControllerId;
    if (this.stopped || id === undefined || info.masterBrokerId === undefined || !info.masterAddress || epoch <= this.masterEpoch) return;
    if (info.masterBrokerId === id) {
      await this.target.becomeMaster(epoch, id, set.syncStateSet);
    } else {
      await this.target.becomeSlave(info.masterAddress, epoch, id);
    }
    this.masterEpoch = epoch;
    this.masterBrokerId = info.masterBrokerId;
    this.masterAddress = info.masterAddress;
    this.syncState = { syncStateSet: [...set.syncStateSet], syncStateSetEpoch: info.syncStateSetEpoch ?? set.syncStateSetEpoch };
    if (this.isMaster) this.target.syncStateSetChanged(this.syncState.syncStateSet);
  }

  private changeSyncStateSet(set: SyncStateSet): void {
    if (set.syncStateSetEpoch <= this.syncState.syncStateSetEpoch) return;
    this.syncState = { syncStateSet: [...set.syncStateSet], syncStateSetEpoch: set.syncStateSetEpoch };
    this.target.syncStateSetChanged(this.syncState.syncStateSet);
  }

  private heartbeat(): void {
    const id = this.brokerControllerId;
    if (this.stopped || id === undefined) return;
    const extFields = encodeHeader(BrokerHeartbeatRequestHeader, {
      clusterName: this.config.brokerClusterName,
      brokerAddr: this.brokerAddr,
      brokerName: this.config.brokerName,
      brokerId: id,
      epoch: this.target.lastEpoch,
      maxOffset: this.target.maxPhyOffset,
      confirmOffset: this.target.confirmOffset,
      heartbeatTimeoutMills: this.config.controllerHeartBeatTimeoutMills,
      electionPriority: 0,
    });
    for (const addr of this.controllers) {
      this.client.invokeOneway(addr, createRequest(ControllerCode.BROKER_HEARTBEAT, { extFields }), REQUEST_TIMEOUT).catch(() => undefined);
    }
  }
}
