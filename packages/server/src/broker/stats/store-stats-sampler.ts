/**
 * The TPS figures of GET_BROKER_RUNTIME_INFO as Apache's StoreStatsService computes them: the
 * counters are sampled every second (601 samples kept) and each figure is three rates, over the
 * last 10, 60 and 600 samples, "a b c" in Java's Double.toString form; a window with too few
 * samples yet is an empty string, as in Apache ("12.5  " in the first minute).
 */
import { javaDoubleToString } from '@rocketmq-ts/protocol';

export interface StoreCounters {
  /** Messages stored. */
  put: number;
  /** Pulls that found messages. */
  getFound: number;
  /** Pulls that found none. */
  getMiss: number;
  /** Messages pulled. */
  getTransfered: number;
}

interface Sample extends StoreCounters {
  timestamp: number;
}

const KEEP = 601;

export class StoreStatsSampler {
  private readonly samples: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly read: () => StoreCounters,
    private readonly clock: () => number = Date.now,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  sample(): void {
    this.samples.push({ ...this.read(), timestamp: this.clock() });
    if (this.samples.length > KEEP) this.samples.shift();
  }

  private rate(window: number, value: (s: Sample) => number): string {
    if (this.samples.length <= window) return '';
    const last = this.samples.at(-1)!;
    const before = this.samples[this.samples.length - (window + 1)]!;
    const millis = last.timestamp - before.timestamp;
    return millis > 0 ? javaDoubleToString(((value(last) - value(before)) * 1000) / millis) : '';
  }

  private rates(value: (s: Sample) => number): string {
    return [10, 60, 600].map((window) => this.rate(window, value)).join(' ');
  }

  /** putTps, getFoundTps, getMissTps, getTotalTps, getTransferedTps as the runtime info lists them. */
  figures(): Record<'putTps' | 'getFoundTps' | 'getMissTps' | 'getTotalTps' | 'getTransferedTps', string> {
    return {
      putTps: this.rates((s) => s.put),
      getFoundTps: this.rates((s) => s.getFound),
      getMissTps: this.rates((s) => s.getMiss),
      getTotalTps: this.rates((s) => s.getFound + s.getMiss),
      getTransferedTps: this.rates((s) => s.getTransfered),
    };
  }
}
