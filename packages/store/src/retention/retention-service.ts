/**
 * Retention and the disk guard (DefaultMessageStore.CleanCommitLogService, spec §10).
 *
 * Every cleanResourceInterval: commit-log segments older than fileReservedTime hours are
 * deleted (oldest first, at most 10 per pass, never the active one) when the hour is one of
 * deleteWhen or disk use is above diskMaxUsedSpaceRatio. Consume-queue files and IndexFiles
 * below the new minimum follow. Above 90 % the store refuses appends (nothing stored is harmed)
 * until use drops below 85 %.
 *
 * Unlike Apache, disk pressure alone never deletes a segment that is still within
 * fileReservedTime or that a subscribed group has not consumed yet: an acknowledged message is
 * not lost to make room; new writes are refused instead. Apache's behaviour (above 85 % the
 * oldest segments go whatever their age) is `cleanFileForciblyEnable`, off by default.
 */
import { stat } from 'node:fs/promises';
import type { Logger } from '@rocketmq-ts/protocol';
import type { CommitLog } from '../commit-log/commit-log.ts';
import type { ConsumeQueueStore } from '../consume-queue/consume-queue-store.ts';
import type { IndexService } from '../index-file/index-service.ts';

export interface DiskStats {
  /** 0..1 */
  usedRatio: number;
  total: number;
  free: number;
}

export interface RetentionOptions {
  fileReservedTime: number;
  deleteWhen: string;
  diskMaxUsedSpaceRatio: number;
  cleanResourceInterval: number;
  now: () => number;
  diskStats: () => Promise<DiskStats>;
  logger: Logger;
  /** Above this use ratio appends are refused. @defaultValue 0.90 (diskSpaceWarningLevelRatio) */
  diskFullRatio?: number;
  /** Above this ratio the oldest segments go even if not expired; below it appends resume. @defaultValue 0.85 */
  forceCleanRatio?: number;
  /**
   * Apache's forced clean: above forceCleanRatio delete the oldest segments even if they are
   * not expired and not consumed. @defaultValue false
   */
  cleanFileForciblyEnable?: boolean;
}

/**
 * The lowest commit-log offset a subscribed group has not consumed yet (Infinity when none
 * lags). Deletions forced by disk pressure stop below it.
 */
export type UnconsumedOffsetProbe = () => Promise<number>;

const MAX_DELETE_PER_PASS = 10;

export class RetentionService {
  diskFull = false;
  lastDiskUsage = 0;
  lastCapacity = { total: 0, free: 0 };
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<string[]> | undefined;
  private unconsumedOffset: UnconsumedOffsetProbe | undefined;

  constructor(
    private readonly commitLog: CommitLog,
    private readonly consumeQueues: ConsumeQueueStore,
    private readonly index: IndexService | undefined,
    private readonly options: RetentionOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.runOnce().catch((error: unknown) => this.options.logger.error({ err: String(error) }, 'retention pass failed')), this.options.cleanResourceInterval);
    this.timer.unref();
  }

  /** The broker tells retention how far its groups have consumed (it owns the offsets). */
  setUnconsumedOffsetProbe(probe: UnconsumedOffsetProbe): void {
    this.unconsumedOffset = probe;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private isTimeToDelete(now: number): boolean {
    const hour = new Date(now).getHours();
    return this.options.deleteWhen.split(';').some((item) => item.trim() !== '' && Number(item) === hour);
  }

  /** One retention pass; `manual` deletes expired files whatever the hour. Returns the files deleted. */
  runOnce(manual = false): Promise<string[]> {
    this.running ??= this.pass(manual).finally(() => (this.running = undefined));
    return this.running;
  }

  /** Reads the disk's size and use now (runtime info shows it). */
  async refreshDiskStats(): Promise<DiskStats> {
    const disk = await this.options.diskStats();
    this.lastDiskUsage = disk.usedRatio;
    this.lastCapacity = { total: disk.total, free: disk.free };
    return disk;
  }

  private async pass(manual: boolean): Promise<string[]> {
    const { options, commitLog } = this;
    const logger = options.logger;
    const disk = await this.refreshDiskStats();
    const fullRatio = options.diskFullRatio ?? 0.9;
    const forceRatio = options.forceCleanRatio ?? 0.85;
    if (disk.usedRatio > fullRatio && !this.diskFull) {
      this.diskFull = true;
      logger.error({ usedRatio: disk.usedRatio }, 'disk almost full: refusing new messages until use drops below 85 %; free space or lower fileReservedTime');
    } else if (disk.usedRatio < forceRatio && this.diskFull) {
      this.diskFull = false;
      logger.info({ usedRatio: disk.usedRatio }, 'disk space is back: accepting messages again');
    }
    const now = options.now();
    const spaceFull = disk.usedRatio > options.diskMaxUsedSpaceRatio / 100;
    const force = disk.usedRatio > forceRatio;
    if (!manual && !spaceFull && !force && !this.isTimeToDelete(now)) return [];

    const reservedMillis = options.fileReservedTime * 3_600_000;
    // Disk pressure alone (not the daily deleteWhen hour, not an operator's manual run) may only
    // take what no subscribed group still needs, unless the operator opted into Apache's way.
    const forcible = force && (options.cleanFileForciblyEnable ?? false);
    const byPressureOnly = !manual && !this.isTimeToDelete(now);
    const keepFrom = byPressureOnly && !forcible && this.unconsumedOffset ? await this.unconsumedOffset() : Number.POSITIVE_INFINITY;
    const segments = commitLog.segmentFiles();
    let count = 0;
    for (const segment of segments.slice(0, -1)) {
      if (count >= MAX_DELETE_PER_PASS) break;
      const modified = (await stat(segment.file)).mtimeMs;
      if (modified + reservedMillis > now && !forcible) break;
      if (segment.endOffset > keepFrom) {
        logger.warn(
          { segment: segment.file, unconsumedOffset: keepFrom, usedRatio: disk.usedRatio },
          'disk use is high but the oldest expired commit log file holds messages a subscribed group has not consumed: kept (set cleanFileForciblyEnable=true to delete it anyway)',
        );
        break;
      }
      count++;
    }
    if (count === 0) return [];
    const deleted = await commitLog.deleteOldestSegments(count);
    if (deleted.length > 0) {
      const minOffset = commitLog.minOffset;
      await this.consumeQueues.deleteExpiredFiles(minOffset);
      await this.consumeQueues.correctMinOffset(minOffset);
      await this.index?.deleteFilesBelow(minOffset);
      logger.info({ deleted, minOffset, usedRatio: disk.usedRatio, force, forcible }, 'deleted expired commit log files');
    }
    return deleted;
  }
}
