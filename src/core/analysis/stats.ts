/**
 * The statistics the dashboard and `codi traces stats` report, as plain functions over numbers so that
 * unit tests can check them against known answers. No I/O, no store.
 */

/** Nearest-rank percentile (the ceil(p·n)-th smallest) of values sorted ascending; null when empty. */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number | null {
  if (!sorted.length) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom. */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** The 0.975 quantile of Student's t with `df` degrees of freedom (table to 30, then a Cornish-Fisher expansion). */
export function tQuantile975(df: number): number {
  if (df < 1) return Number.NaN;
  if (df <= 30) return T975[Math.floor(df) - 1]!;
  const z = 1.959964;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df * df);
}

export interface MeanInterval {
  mean: number | null;
  /** Sample standard deviation (n − 1), null below two values. */
  sd: number | null;
  /** 95% confidence interval of the mean (Student's t), clamped to [lo, hi]; null below two values. */
  low: number | null;
  high: number | null;
}

/** Mean, spread and 95% interval from running sums (count, sum, sum of squares), so rollups can serve them. */
export function meanInterval(n: number, sum: number, sumSq: number, lo = 0, hi = 1): MeanInterval {
  if (n <= 0) return { mean: null, sd: null, low: null, high: null };
  const mean = sum / n;
  if (n < 2) return { mean, sd: null, low: null, high: null };
  const variance = Math.max(0, (sumSq - (sum * sum) / n) / (n - 1));
  const sd = Math.sqrt(variance);
  const half = tQuantile975(n - 1) * (sd / Math.sqrt(n));
  return { mean, sd, low: Math.max(lo, mean - half), high: Math.min(hi, mean + half) };
}

/** Ranks 1..n with ties sharing their average rank. */
export function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[order[k]![1]] = avg;
    i = j + 1;
  }
  return out;
}

/** Pearson correlation; null when fewer than two pairs or either side is constant. */
export function pearson(x: readonly number[], y: readonly number[]): number | null {
  const n = Math.min(x.length, y.length);
  if (n < 2) return null;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? null : sxy / Math.sqrt(sxx * syy);
}

/** Spearman's rank correlation (Pearson on average ranks, so ties are handled). */
export function spearman(x: readonly number[], y: readonly number[]): number | null {
  return pearson(ranks(x), ranks(y));
}

/** The judge "passes" an output at 0.7; a user approves with thumbs up or 4–5 stars (stored as ≥ 0.75). */
export const JUDGE_PASS = 0.7;
export const USER_APPROVES = 0.75;

export interface AgreementTable {
  /** Judge ≥ 0.7 and the user approved. */
  judgePassUserUp: number;
  judgePassUserDown: number;
  judgeFailUserUp: number;
  judgeFailUserDown: number;
}

/** The 2×2 table of judge pass/fail against user approval, and the share of pairs where they agree. */
export function agreement(pairs: ReadonlyArray<{ judge: number; user: number }>): { table: AgreementTable; agreement: number | null } {
  const table: AgreementTable = { judgePassUserUp: 0, judgePassUserDown: 0, judgeFailUserUp: 0, judgeFailUserDown: 0 };
  for (const p of pairs) {
    const pass = p.judge >= JUDGE_PASS;
    const up = p.user >= USER_APPROVES;
    if (pass && up) table.judgePassUserUp++;
    else if (pass) table.judgePassUserDown++;
    else if (up) table.judgeFailUserUp++;
    else table.judgeFailUserDown++;
  }
  const agree = table.judgePassUserUp + table.judgeFailUserDown;
  return { table, agreement: pairs.length ? agree / pairs.length : null };
}
