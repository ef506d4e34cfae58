/**
 * Base of the JSON config managers (common/ConfigManager.java): load with backup fallback,
 * persist the pretty fastjson form through the crash-safe writer, one write at a time,
 * optionally debounced.
 */
import { join } from 'node:path';
import { type Logger, silentLogger } from '@rocketmq-ts/protocol';
import { type ConfigFileSource, loadConfigFile, writeConfigFile } from './config-file.ts';

export interface ConfigManagerOptions {
  logger?: Logger;
  /**
   * Delay between a change and its `schedulePersist()` write; changes within it share one write.
   * @defaultValue 100
   */
  persistDelayMillis?: number;
}

/** The broker's config files under `<storePathRootDir>/config` (BrokerPathConfigHelper). */
export function configFilePaths(storePathRootDir: string): {
  topics: string;
  subscriptionGroup: string;
  consumerOffset: string;
  delayOffset: string;
} {
  const dir = join(storePathRootDir, 'config');
  return {
    topics: join(dir, 'topics.json'),
    subscriptionGroup: join(dir, 'subscriptionGroup.json'),
    consumerOffset: join(dir, 'consumerOffset.json'),
    delayOffset: join(dir, 'delayOffset.json'),
  };
}

export abstract class ConfigManager {
  protected readonly logger: Logger;
  private readonly persistDelayMillis: number;
  private timer: NodeJS.Timeout | undefined;
  /** A write queued behind the one in flight; callers in the meantime share it. */
  private queued: Promise<void> | undefined;
  private inflight: Promise<void> = Promise.resolve();
  /** Where the last load found the content (undefined: no file yet). */
  loadedFrom: ConfigFileSource | undefined;

  protected constructor(
    readonly path: string,
    options: ConfigManagerOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
    this.persistDelayMillis = options.persistDelayMillis ?? 100;
  }

  /** The file's JSON: fastjson's pretty form when `pretty`, else compact (the wire bodies). */
  abstract encode(pretty?: boolean): string;

  /** Replaces the content with the JSON text; throws (changing nothing) when it does not fit. */
  abstract decode(text: string): void;

  protected async loadFile(): Promise<void> {
    this.loadedFrom = await loadConfigFile(this.path, (text) => this.decode(text), this.logger);
  }

  /** Writes the current content now (after a write in flight, if any). */
  persist(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.queued) return this.queued;
    const run = this.inflight.then(async () => {
      this.queued = undefined;
      await writeConfigFile(this.path, this.encode(true));
    });
    this.queued = run;
    // The chain only orders writes; the caller of this write gets its error through `run`.
    this.inflight = run.catch(() => undefined);
    return run;
  }

  /** Persists after `persistDelayMillis`, once for all changes made until then. */
  schedulePersist(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.persist().catch((error: unknown) => {
        this.logger.error({ file: this.path, err: error }, 'persisting a config file failed; the next change retries');
      });
    }, this.persistDelayMillis);
    this.timer.unref();
  }

  /**
   * Resolves once every change made so far is on disk: a scheduled write happens now. The send
   * path awaits it after auto-creating a topic, so an acknowledged message's topic survives
   * kill -9 (Apache persists topics.json at once there).
   */
  whenPersisted(): Promise<void> {
    if (this.timer) return this.persist();
    return this.inflight;
  }

  /** Writes a scheduled change, if any, and waits for writes in flight. */
  async close(): Promise<void> {
    if (this.timer) await this.persist();
    await this.inflight;
  }
}
