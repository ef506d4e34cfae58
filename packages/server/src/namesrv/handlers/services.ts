import type { ServerLogger } from '../../common/logger.ts';
import type { KvConfigManager } from '../kv-config-manager.ts';
import type { NamesrvConfig } from '../namesrv-config.ts';
import type { RouteInfoManager } from '../route-info-manager.ts';

/** What name server handlers work with; handlers never see sockets. */
export interface NamesrvServices {
  readonly routes: RouteInfoManager;
  readonly kv: KvConfigManager;
  readonly config: NamesrvConfig;
  readonly logger: ServerLogger;
  /** UPDATE_NAMESRV_CONFIG: apply properties text; throws on a bad value. */
  updateConfig(properties: Record<string, string>): Promise<void>;
}
