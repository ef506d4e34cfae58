/**
 * Latency-based broker avoidance (MQFaultStrategy / LatencyFaultToleranceImpl): after a send,
 * a broker that answered slowly — or not at all — is avoided for a while chosen by latency.
 */
const LATENCY_MAX = [50, 100, 550, 1000, 2000, 3000, 15000];
const NOT_AVAILABLE_DURATION = [0, 0, 30_000, 60_000, 120_000, 180_000, 600_000];
/** A failed send counts as this latency, i.e. the longest pause (600 s). */
const ISOLATION_LATENCY = 30_000;

export function notAvailableDuration(latency: number): number {
  for (let i = LATENCY_MAX.length - 1; i >= 0; i--) {
    if (latency >= LATENCY_MAX[i]!) return NOT_AVAILABLE_DURATION[i]!;
  }
  return 0;
}

interface FaultItem {
  latency: number;
  availableFrom: number;
}

export class LatencyFaultTolerance {
  private readonly items = new Map<string, FaultItem>();

  constructor(private readonly now: () => number = Date.now) {}

  record(brokerName: string, latency: number, isolation: boolean): void {
    const effective = isolation ? ISOLATION_LATENCY : latency;
    this.items.set(brokerName, { latency: effective, availableFrom: this.now() + notAvailableDuration(effective) });
  }

  isAvailable(brokerName: string): boolean {
    const item = this.items.get(brokerName);
    return !item || this.now() >= item.availableFrom;
  }

  /** Of the given brokers, the one expected back soonest (then the fastest). */
  leastBad(brokerNames: readonly string[]): string | undefined {
    let best: string | undefined;
    let bestItem: FaultItem | undefined;
    for (const name of brokerNames) {
      const item = this.items.get(name);
      if (!item) return name;
      if (!bestItem || item.availableFrom < bestItem.availableFrom || (item.availableFrom === bestItem.availableFrom && item.latency < bestItem.latency)) {
        best = name;
        bestItem = item;
      }
    }
    return best;
  }
}
