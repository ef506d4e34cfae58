/** Send latencies in microseconds, kept whole for exact percentiles (a run is ≤ a few million sends). */
export class LatencyRecorder {
  private values = new Float64Array(1 << 16);
  private count = 0;

  record(micros: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count++] = micros;
  }

  get size(): number {
    return this.count;
  }

  /** avg, p50, p99, max in milliseconds (NaN when nothing was recorded). */
  summary(): { avgMillis: number; p50Millis: number; p99Millis: number; maxMillis: number } {
    if (this.count === 0) return { avgMillis: NaN, p50Millis: NaN, p99Millis: NaN, maxMillis: NaN };
    const sorted = this.values.slice(0, this.count).sort();
    let sum = 0;
    for (const value of sorted) sum += value;
    const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! / 1000;
    return { avgMillis: sum / sorted.length / 1000, p50Millis: at(0.5), p99Millis: at(0.99), maxMillis: sorted[sorted.length - 1]! / 1000 };
  }
}
