/** Settings that cannot go with enableControllerMode=true, refused at start with the fix. */
import type { BrokerConfig } from '../broker-config.ts';

export function checkControllerMode(config: BrokerConfig): void {
  const problems: string[] = [];
  if (!config.controllerAddr.trim()) problems.push('controllerAddr is empty: list the controllers as host:port;host:port;host:port');
  if (config.haMasterAddress) problems.push('haMasterAddress is set: under a controller the elected master is followed; remove haMasterAddress');
  if (problems.length > 0) throw new Error(`enableControllerMode=true cannot start: ${problems.join('; ')} (docs/failover.md)`);
}
