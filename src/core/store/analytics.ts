/**
 * The dashboard's queries (and `codi traces stats --by`, `codi traces calibration`). Sums come from the
 * hourly rollups (rollups.ts), percentiles from the covering index over the window only, errors and
 * calibration pairs from partial indexes: nothing here reads every trace or any payload.
 */
import type { SqlValue } from 'sql.js';
import type { AnalysisFilter, Calibration, DashboardData, DashboardRange, ErrorGroup, GroupBy, GroupStats, Headline, TrendPoint } from '../../shared/analytics';
import type { TraceType } from '../../shared/types';
import { agreement, meanInterval, percentileSorted, spearman } from '../analysis/stats';
import type { AnalysisWindow } from './analysisSql';
import { groupColumn, latencySource, SUMS, sumSource, traceConditions } from './analysisSql';
import { HOUR } from './rollups';
import type { Sql } from './sqljs';

export type { AnalysisWindow } from './analysisSql';

const DAY = 86_400_000;

/** Pass rates of the latest experiment per model or prompt version (issue 9's experiments). */
export interface ExperimentPassRates {
  latest(by: 'model' | 'prompt'): ReadonlyMap<string, number>;
}

/** Until experiments are stored there are none: the comparison tables show no pass rate. */
export const NO_EXPERIMENTS: ExperimentPassRates = { latest: () => new Map() };

interface Sums {
  runs: number;
  errors: number;
  scored: number;
  scoreSum: number;
  scoreSq: number;
  rated: number;
  ratingSum: number;
  tokens: number;
  cost: number;
}

const sumsOf = (v: SqlValue[], at = 0): Sums => {
  const n = (i: number) => Number(v[at + i] ?? 0);
  return { runs: n(0), errors: n(1), scored: n(2), scoreSum: n(3), scoreSq: n(4), rated: n(5), ratingSum: n(6), tokens: n(7), cost: n(8) };
};

interface Latencies {
  lat: number[];
  ttft: number[];
}

const sorted = (l: Latencies): Latencies => ({ lat: l.lat.sort((a, b) => a - b), ttft: l.ttft.sort((a, b) => a - b) });

/** Reads the window's latencies once, grouped by `keyOf` (start, type, model, prompt, tag). */
function latencies(sql: Sql, f: AnalysisFilter, win: AnalysisWindow, keyOf: (r: SqlValue[]) => string, byTag = false): Map<string, Latencies> {
  const src = latencySource(f, win, byTag);
  const out = new Map<string, Latencies>();
  for (const r of sql.all(src.sql, src.params)) {
    const k = keyOf(r);
    let l = out.get(k);
    if (!l) out.set(k, (l = { lat: [], ttft: [] }));
    l.lat.push(Number(r[5]));
    if (r[6] !== null) l.ttft.push(Number(r[6]));
  }
  for (const l of out.values()) sorted(l);
  return out;
}

const rate = (num: number, den: number): number | null => (den > 0 ? num / den : null);

/** Headline figures of one window. */
export function headline(sql: Sql, f: AnalysisFilter, win: AnalysisWindow): Headline {
  const src = sumSource(f, win);
  const s = sumsOf(sql.one(`SELECT ${SUMS} FROM (${src.sql})`, src.params) ?? []);
  const l = latencies(sql, f, win, () => '').get('') ?? { lat: [], ttft: [] };
  return {
    traces: s.runs,
    errors: s.errors,
    errorRate: rate(s.errors, s.runs),
    meanScore: rate(s.scoreSum, s.scored),
    scored: s.scored,
    meanRating: rate(s.ratingSum, s.rated),
    rated: s.rated,
    p50LatencyMs: percentileSorted(l.lat, 50),
    p95LatencyMs: percentileSorted(l.lat, 95),
    p50TtftMs: percentileSorted(l.ttft, 50),
    tokens: s.tokens,
    costUsd: s.cost,
  };
}

/**
 * Trend by hour or by local day (`utcOffsetMs` east of UTC), every bucket of the window present (empty
 * ones with zero runs) so charts show gaps as gaps.
 */
export function trend(sql: Sql, f: AnalysisFilter, win: AnalysisWindow, bucket: 'hour' | 'day', utcOffsetMs: number): TrendPoint[] {
  const size = bucket === 'hour' ? HOUR : DAY;
  const shift = bucket === 'hour' ? 0 : utcOffsetMs;
  const b = `((t + ${Math.round(shift)}) / ${size})`;
  const src = sumSource(f, win);
  const points = new Map<number, TrendPoint>();
  const point = (n: number): TrendPoint => {
    let p = points.get(n);
    if (!p) points.set(n, (p = { start: n * size - shift, runs: 0, runsByType: {}, errors: 0, meanScore: null, scoreSd: null, p50LatencyMs: null, p95LatencyMs: null, tokens: 0, costUsd: 0 }));
    return p;
  };
  for (const r of sql.all(`SELECT ${b} AS b, type, ${SUMS} FROM (${src.sql}) GROUP BY b, type`, src.params)) {
    const p = point(Number(r[0]));
    const s = sumsOf(r, 2);
    p.runs += s.runs;
    p.runsByType[String(r[1]) as TraceType] = s.runs;
    p.errors += s.errors;
    p.tokens += s.tokens;
    p.costUsd += s.cost;
  }
  for (const r of sql.all(`SELECT ${b} AS b, ${SUMS} FROM (${src.sql}) GROUP BY b`, src.params)) {
    const s = sumsOf(r, 1);
    const m = meanInterval(s.scored, s.scoreSum, s.scoreSq);
    const p = point(Number(r[0]));
    p.meanScore = m.mean;
    p.scoreSd = m.sd;
  }
  for (const [k, l] of latencies(sql, f, win, (r) => String(Math.floor((Number(r[0]) + shift) / size)))) {
    const p = point(Number(k));
    p.p50LatencyMs = percentileSorted(l.lat, 50);
    p.p95LatencyMs = percentileSorted(l.lat, 95);
  }
  // Fill the empty buckets between the first one of the window (or of the data, for "all") and the last.
  const keys = [...points.keys()];
  if (keys.length) {
    const first = win.from > 0 ? Math.floor((win.from + shift) / size) : Math.min(...keys);
    const last = Math.floor((win.to - 1 + shift) / size);
    for (let n = first; n <= last && last - first < 20_000; n++) point(n);
  }
  return [...points.entries()].sort((a, b2) => a[0] - b2[0]).map((e) => e[1]);
}

/** One row per model, prompt version, pipeline or tag, most runs first. */
export function compare(sql: Sql, by: GroupBy, f: AnalysisFilter, win: AnalysisWindow, passRates: ExperimentPassRates = NO_EXPERIMENTS): GroupStats[] {
  const byTag = by === 'tag';
  const col = groupColumn(by);
  const src = sumSource(f, win, byTag);
  const idx = by === 'pipeline' ? 1 : by === 'model' ? 2 : by === 'prompt' ? 3 : 4;
  const lat = latencies(sql, f, win, (r) => String(r[idx]), byTag);
  const rates = by === 'model' || by === 'prompt' ? passRates.latest(by) : null;
  return sql.all(`SELECT ${col} AS g, ${SUMS} FROM (${src.sql}) GROUP BY g ORDER BY TOTAL(runs) DESC, g`, src.params).map((r) => {
    const key = String(r[0]);
    const s = sumsOf(r, 1);
    const m = meanInterval(s.scored, s.scoreSum, s.scoreSq);
    const l = lat.get(key) ?? { lat: [], ttft: [] };
    const row: GroupStats = {
      key,
      runs: s.runs,
      meanScore: m.mean,
      scoreLow: m.low,
      scoreHigh: m.high,
      userRating: rate(s.ratingSum, s.rated),
      p50LatencyMs: percentileSorted(l.lat, 50),
      p95LatencyMs: percentileSorted(l.lat, 95),
      tokens: s.tokens,
      costUsd: s.cost,
      errorRate: rate(s.errors, s.runs),
    };
    if (rates) row.passRate = rates.get(key) ?? null;
    return row;
  });
}

/** Errors grouped by kind (cancellations are not errors), most frequent first, with the newest examples. */
export function errorGroups(sql: Sql, f: AnalysisFilter, win: AnalysisWindow, examples = 5): ErrorGroup[] {
  const w = traceConditions(f, win);
  const groups = sql.all(
    `SELECT error_kind, COUNT(*), MIN(start_time), MAX(start_time) FROM traces WHERE error_kind IS NOT NULL AND error_kind <> 'cancelled' AND ${w.sql}
     GROUP BY error_kind ORDER BY COUNT(*) DESC, error_kind`,
    w.params,
  );
  return groups.map(([kind, n, first, last]) => ({
    key: String(kind),
    runs: Number(n),
    firstSeen: Number(first),
    lastSeen: Number(last),
    exampleTraceIds: sql.all(`SELECT id FROM traces WHERE error_kind = ? AND ${w.sql} ORDER BY start_time DESC, id DESC LIMIT ?`, [kind!, ...w.params, examples]).map((x) => String(x[0])),
  }));
}

/** Judge against user over the traces that have both a judge score and a user rating. */
export function calibration(sql: Sql, f: AnalysisFilter, win: AnalysisWindow, top = 10): Calibration {
  const w = traceConditions(f, win);
  const rows = sql.all(`SELECT id, name, score, user_score FROM traces WHERE user_score IS NOT NULL AND score IS NOT NULL AND ${w.sql}`, w.params);
  const pairs = rows.map(([id, name, judge, user]) => ({ traceId: String(id), name: String(name), judge: Number(judge), user: Number(user) }));
  const a = agreement(pairs);
  const disagreements = [...pairs].sort((x, y) => Math.abs(y.judge - y.user) - Math.abs(x.judge - x.user) || x.traceId.localeCompare(y.traceId)).slice(0, top);
  return {
    pairs: pairs.length,
    agreement: a.agreement,
    spearman: spearman(
      pairs.map((p) => p.judge),
      pairs.map((p) => p.user),
    ),
    table: a.table,
    disagreements: disagreements.filter((d) => Math.abs(d.judge - d.user) > 0),
  };
}

/** The values the dashboard's filters offer (pipelines, models and prompt versions from the rollups; tags by skip scan). */
export function filterOptions(sql: Sql): { types: TraceType[]; models: string[]; promptVersions: string[]; tags: string[] } {
  const distinct = (col: string) => sql.all(`SELECT DISTINCT ${col} FROM rollup_hours WHERE ${col} <> '' ORDER BY 1 LIMIT 500`).map((r) => String(r[0]));
  const tags = sql
    .all('WITH RECURSIVE t(tag) AS (SELECT MIN(tag) FROM trace_tags UNION ALL SELECT (SELECT MIN(tag) FROM trace_tags WHERE tag > t.tag) FROM t WHERE t.tag IS NOT NULL) SELECT tag FROM t WHERE tag IS NOT NULL LIMIT 500')
    .map((r) => String(r[0]));
  return { types: distinct('type') as TraceType[], models: distinct('model'), promptVersions: distinct('prompt'), tags };
}

const RANGE_DAYS: Record<Exclude<DashboardRange, 'all'>, number> = { '24h': 1, '7d': 7, '30d': 30, '90d': 90 };

/**
 * The window of a dashboard range, in whole hours (the rollups' grain) up to the end of the current hour,
 * and the period of the same length before it ("all": from the beginning, no previous period).
 */
export function rangeWindow(range: DashboardRange, now: number): { current: AnalysisWindow; previous: AnalysisWindow | null; bucket: 'hour' | 'day' } {
  const to = (Math.floor(now / HOUR) + 1) * HOUR;
  if (range === 'all') return { current: { from: 0, to }, previous: null, bucket: 'day' };
  const len = RANGE_DAYS[range] * DAY;
  return { current: { from: to - len, to }, previous: { from: to - 2 * len, to: to - len }, bucket: range === '24h' ? 'hour' : 'day' };
}

export interface DashboardQuery {
  range: DashboardRange;
  filter: AnalysisFilter;
  now: number;
  /** The user's offset from UTC in ms (local days for the trend). */
  utcOffsetMs: number;
  passRates?: ExperimentPassRates;
}

/** Everything the dashboard shows, in one call. */
export function dashboardData(sql: Sql, q: DashboardQuery): DashboardData {
  const t0 = performance.now();
  const r = rangeWindow(q.range, q.now);
  const f = q.filter;
  const data: Omit<DashboardData, 'computeMs'> = {
    range: q.range,
    from: r.current.from,
    to: r.current.to,
    bucket: r.bucket,
    current: headline(sql, f, r.current),
    previous: r.previous ? headline(sql, f, r.previous) : null,
    trend: trend(sql, f, r.current, r.bucket, q.utcOffsetMs),
    byModel: compare(sql, 'model', f, r.current, q.passRates),
    byPrompt: compare(sql, 'prompt', f, r.current, q.passRates),
    errors: errorGroups(sql, f, r.current),
    calibration: calibration(sql, f, r.current),
    options: filterOptions(sql),
  };
  return { ...data, computeMs: performance.now() - t0 };
}

/** The analysis queries over one store's index (TraceStore.analysis()). */
export class StoreAnalysis {
  constructor(private readonly sql: Sql) {}

  dashboard(q: DashboardQuery): DashboardData {
    return dashboardData(this.sql, q);
  }

  compare(by: GroupBy, f: AnalysisFilter, win: AnalysisWindow, passRates?: ExperimentPassRates): GroupStats[] {
    return compare(this.sql, by, f, win, passRates);
  }

  errorGroups(f: AnalysisFilter, win: AnalysisWindow): ErrorGroup[] {
    return errorGroups(this.sql, f, win);
  }

  calibration(f: AnalysisFilter, win: AnalysisWindow): Calibration {
    return calibration(this.sql, f, win);
  }
}
