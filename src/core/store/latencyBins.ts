/**
 * Latency histograms for the hourly rollups (rollups.ts): percentiles cannot be summed, histograms can.
 * A latency in ms falls in one bin: exact below 128 ms, then log-spaced bins 1% wide, so a percentile read
 * from a histogram is within 0.5% of the exact one (nearest rank). Time to first token uses the same bins
 * shifted by TTFT_BASE, so one table and one query carry both.
 */
const LINEAR = 128;
const GAMMA = 1.01;
const LN_GAMMA = Math.log(GAMMA);
/** Bins of one metric: 128 exact ones and log bins up to about 3 hours; longer latencies share the last bin. */
const BINS = 1280;
export const TTFT_BASE = BINS;

/** The bin of a latency (ms, rounded; negatives count as 0). */
export function latencyBin(ms: number): number {
  const v = Math.max(0, Math.round(ms));
  if (v < LINEAR) return v;
  return Math.min(BINS - 1, LINEAR + Math.floor(Math.log(v / LINEAR) / LN_GAMMA + 1e-9));
}

/** The value a bin stands for: its exact value below 128 ms, else the geometric middle of its bounds, in whole ms. */
export function binValue(bin: number): number {
  const b = bin >= TTFT_BASE ? bin - TTFT_BASE : bin;
  if (b < LINEAR) return b;
  return Math.round(LINEAR * Math.pow(GAMMA, b - LINEAR + 0.5));
}

/** Counts by bin (latency bins, then time-to-first-token bins from TTFT_BASE), merged from rollup rows. */
export type Histogram = Float64Array;

export const newHistogram = (): Histogram => new Float64Array(2 * BINS);

export function addToHistogram(h: Histogram, bin: number, n: number): void {
  if (bin >= 0 && bin < h.length) h[bin] += n;
}

/**
 * Nearest-rank percentiles of one metric of a histogram (`ttft`: the bins from TTFT_BASE), like
 * percentileSorted over the raw values, each within half a bin. Null when the metric has no values.
 */
export function histogramPercentiles(h: Histogram, metric: 'latency' | 'ttft', ...ps: number[]): Array<number | null> {
  const lo = metric === 'latency' ? 0 : TTFT_BASE;
  let total = 0;
  for (let b = lo; b < lo + BINS; b++) total += h[b]!;
  if (!total) return ps.map(() => null);
  // One walk up the bins for every percentile asked, lowest rank first.
  const order = ps.map((p, i) => ({ i, rank: Math.max(1, Math.ceil((p / 100) * total)) })).sort((x, y) => x.rank - y.rank);
  const out: Array<number | null> = ps.map(() => null);
  let seen = 0;
  let next = 0;
  for (let b = lo; b < lo + BINS && next < order.length; b++) {
    if (!h[b]) continue;
    seen += h[b]!;
    while (next < order.length && seen >= order[next]!.rank) out[order[next++]!.i] = binValue(b);
  }
  return out;
}
