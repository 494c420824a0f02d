// A log-bucketed latency histogram (1% wide buckets from 1 µs): small, mergeable across processes.

const GROWTH = Math.log(1.01);
const BUCKETS = 2200; // 1.01^2200 µs is over an hour

export type Histogram = { counts: number[]; total: number; max: number };

export function newHistogram(): Histogram {
  return { counts: new Array<number>(BUCKETS).fill(0), total: 0, max: 0 };
}

export function record(histogram: Histogram, ms: number): void {
  const micros = Math.max(1, ms * 1000);
  const bucket = Math.min(BUCKETS - 1, Math.ceil(Math.log(micros) / GROWTH));
  histogram.counts[bucket] = (histogram.counts[bucket] ?? 0) + 1;
  histogram.total++;
  if (ms > histogram.max) histogram.max = ms;
}

export function merge(into: Histogram, from: Histogram): void {
  for (let i = 0; i < BUCKETS; i++) into.counts[i] = (into.counts[i] ?? 0) + (from.counts[i] ?? 0);
  into.total += from.total;
  into.max = Math.max(into.max, from.max);
}

/** The latency in ms below which `fraction` of the samples fall (upper edge of its bucket). */
export function percentile(histogram: Histogram, fraction: number): number {
  if (histogram.total === 0) return Number.NaN;
  const rank = Math.ceil(histogram.total * fraction);
  let seen = 0;
  for (let i = 0; i < BUCKETS; i++) {
    seen += histogram.counts[i] ?? 0;
    if (seen >= rank) return Math.min(histogram.max, 1.01 ** i / 1000);
  }
  return histogram.max;
}
