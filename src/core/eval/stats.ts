/** Small statistics for experiments: means, spread, percentiles and 95% intervals. */

export const mean = (xs: readonly number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/** Sample standard deviation (n − 1); 0 for fewer than two values. */
export function stdev(xs: readonly number[]): number {
  const m = mean(xs);
  if (m === null || xs.length < 2) return 0;
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** Nearest-rank percentile (p in 0–100); null for no values. */
export function percentile(xs: readonly number[], p: number): number | null {
  if (!xs.length) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom; 1.96 beyond. */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** Mean with its 95% confidence interval (Student's t); low = high = value for a single value. */
export function meanCi95(xs: readonly number[]): { value: number; low: number; high: number } | null {
  const m = mean(xs);
  if (m === null) return null;
  if (xs.length < 2) return { value: m, low: m, high: m };
  const t = T975[xs.length - 2] ?? 1.96;
  const half = (t * stdev(xs)) / Math.sqrt(xs.length);
  return { value: m, low: m - half, high: m + half };
}
