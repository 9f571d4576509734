/**
 * The dashboard's queries (and `codi traces stats --by`, `codi traces calibration`). Sums come from the
 * hourly rollups (rollups.ts), percentiles from the covering index over the window only, errors and
 * calibration pairs from partial indexes: nothing here reads every trace or any payload.
 */
import type { SqlValue } from 'sql.js';
import type { AnalysisFilter, Calibration, DashboardData, DashboardRange, Disagreement, ErrorGroup, GroupBy, GroupStats, Headline, TrendPoint } from '../../shared/analytics';
import type { TraceType } from '../../shared/types';
import type { RecentRuns } from '../analysis/alerts';
import type { ThreadRun } from '../analysis/frustration';
import { agreement, meanInterval, spearman } from '../analysis/stats';
import type { AnalysisWindow, HistogramGrouping } from './analysisSql';
import { histogramSource, SUMS, sumSource, traceConditions } from './analysisSql';
import type { Histogram } from './latencyBins';
import { addToHistogram, histogramPercentiles, newHistogram } from './latencyBins';
import { rollupHours, SUM_WIDTH } from './rollupCache';
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

/** Running sums and the latency histogram of one group (the whole window, a bucket, a model…). */
interface Acc extends Sums {
  byType: Partial<Record<TraceType, number>>;
  hist: Histogram;
}

const newAcc = (): Acc => ({ runs: 0, errors: 0, scored: 0, scoreSum: 0, scoreSq: 0, rated: 0, ratingSum: 0, tokens: 0, cost: 0, byType: {}, hist: newHistogram() });

function addSums(a: Acc, v: ArrayLike<SqlValue | number>, at: number, type: TraceType): void {
  // Plain indexing, no helper closure: this runs for every (hour, key) of the window.
  const runs = Number(v[at] ?? 0);
  a.runs += runs;
  a.errors += Number(v[at + 1] ?? 0);
  a.scored += Number(v[at + 2] ?? 0);
  a.scoreSum += Number(v[at + 3] ?? 0);
  a.scoreSq += Number(v[at + 4] ?? 0);
  a.rated += Number(v[at + 5] ?? 0);
  a.ratingSum += Number(v[at + 6] ?? 0);
  a.tokens += Number(v[at + 7] ?? 0);
  a.cost += Number(v[at + 8] ?? 0);
  a.byType[type] = (a.byType[type] ?? 0) + runs;
}


const rate = (num: number, den: number): number | null => (den > 0 ? num / den : null);

/** The (pipeline, answering model, prompt version) of each rollup key: a handful of rows. */
function rollupKeys(sql: Sql): Map<number, { type: TraceType; model: string; prompt: string }> {
  return new Map(sql.all('SELECT id, type, model, prompt FROM rollup_keys').map((r) => [Number(r[0]), { type: String(r[1]) as TraceType, model: String(r[2]), prompt: String(r[3]) }]));
}

/** The rollup keys a filter's pipeline, model and prompt version allow; null when it allows every key. */
function allowedKeys(f: AnalysisFilter, keys: ReturnType<typeof rollupKeys>): Set<number> | null {
  if (f.type === undefined && f.model === undefined && f.promptVersion === undefined) return null;
  const ok = [...keys].filter(([, k]) => (f.type === undefined || k.type === f.type) && (f.model === undefined || k.model === f.model) && (f.promptVersion === undefined || k.prompt === f.promptVersion));
  return new Set(ok.map(([id]) => id));
}

interface Collected {
  total: Acc;
  buckets: Map<number, Acc>;
  groups: Record<GroupBy, Map<string, Acc>>;
}

/**
 * One pass over a window: the sums by (bucket, pipeline, model, prompt) and the latency histograms, from
 * the hourly rollups kept in memory (rollupCache.ts), dispatched to the whole window, its buckets and the
 * groups asked for; or, when a tag is involved (tags are not a rollup dimension), summed by SQLite from the
 * window's traces per bucket, key and tag.
 */
function collect(sql: Sql, f: AnalysisFilter, win: AnalysisWindow, bucket: { size: number; shift: number } | null, groupsWanted: readonly GroupBy[]): Collected {
  const byTag = groupsWanted.includes('tag');
  const out: Collected = { total: newAcc(), buckets: new Map(), groups: { model: new Map(), prompt: new Map(), pipeline: new Map(), tag: new Map() } };
  const accOf = (m: Map<string | number, Acc>, k: string | number): Acc => {
    let a = m.get(k);
    if (!a) m.set(k, (a = newAcc()));
    return a;
  };
  const keys = rollupKeys(sql);
  const targets = (b: number, key: SqlValue, tag: SqlValue): Acc[] => {
    const k = keys.get(Number(key)) ?? { type: 'explain' as TraceType, model: '', prompt: '' };
    const list: Acc[] = byTag ? [] : [out.total];
    if (bucket) list.push(accOf(out.buckets as Map<string | number, Acc>, b));
    const by: Record<GroupBy, SqlValue> = { model: k.model, prompt: k.prompt, pipeline: k.type, tag };
    for (const g of groupsWanted) if (by[g] !== null) list.push(accOf(out.groups[g] as Map<string | number, Acc>, String(by[g])));
    return list;
  };
  const hist = (g: HistogramGrouping, into: (group: SqlValue) => Acc[]) => {
    const h = histogramSource(f, win, g);
    for (const [group, bin, n] of sql.all(h.sql, h.params)) for (const a of into(group ?? null)) addToHistogram(a.hist, Number(bin), Number(n));
  };
  // The accumulators of a rollup key's model, prompt and pipeline groups (those asked for).
  const keyGroups = groupsWanted.filter((g) => g !== 'tag');
  const perKey = new Map<number, Acc[]>();
  const groupAccs = (key: number): Acc[] => {
    let list = perKey.get(key);
    if (!list) {
      const k = keys.get(key);
      const by: Record<Exclude<GroupBy, 'tag'>, string> = { model: k?.model ?? '', prompt: k?.prompt ?? '', pipeline: k?.type ?? 'explain' };
      perKey.set(key, (list = keyGroups.map((g) => accOf(out.groups[g] as Map<string | number, Acc>, by[g]))));
    }
    return list;
  };
  if (f.tag === undefined && !byTag) {
    // The usual case, from the hourly rollups kept in memory: typed-array additions, no SQL per row.
    const allowed = allowedKeys(f, keys);
    for (const [hour, { sums, lat: t }] of rollupHours(sql, Math.floor(win.from / HOUR), Math.ceil(win.to / HOUR))) {
      const inBucket = bucket ? accOf(out.buckets as Map<string | number, Acc>, Math.floor((hour * HOUR + Math.round(bucket.shift)) / bucket.size)) : null;
      for (let i = 0; i < sums.length; i += SUM_WIDTH) {
        const key = sums[i]!;
        if (allowed && !allowed.has(key)) continue;
        const type = keys.get(key)?.type ?? 'explain';
        addSums(out.total, sums, i + 1, type);
        if (inBucket) addSums(inBucket, sums, i + 1, type);
        for (const a of groupAccs(key)) addSums(a, sums, i + 1, type);
      }
      for (let i = 0; i < t.length; i += 3) {
        const key = t[i]!;
        if (allowed && !allowed.has(key)) continue;
        const bin = t[i + 1]!;
        const n = t[i + 2]!;
        out.total.hist[bin]! += n;
        if (inBucket) inBucket.hist[bin]! += n;
        for (const a of groupAccs(key)) a.hist[bin]! += n;
      }
    }
    return out;
  }
  const src = sumSource(f, win, byTag);
  const b = bucket ? `((t + ${Math.round(bucket.shift)}) / ${bucket.size})` : '0';
  for (const r of sql.all(`SELECT ${b} AS b, key, tag, ${SUMS} FROM (${src.sql}) GROUP BY b, key, tag`, src.params)) {
    for (const a of targets(Number(r[0]), r[1] ?? null, r[2] ?? null)) addSums(a, r, 3, keys.get(Number(r[1]))?.type ?? 'explain');
  }
  if (!byTag) {
    hist(bucket ? { by: 'bucket', ...bucket } : { by: 'none' }, (b) => (bucket ? [out.total, accOf(out.buckets as Map<string | number, Acc>, Number(b))] : [out.total]));
  }
  if (keyGroups.length) hist({ by: 'key' }, (key) => groupAccs(Number(key)));
  if (byTag) hist({ by: 'tag' }, (tag) => [accOf(out.groups.tag as Map<string | number, Acc>, String(tag))]);
  return out;
}

function headlineOf(a: Acc): Headline {
  const [p50, p95] = histogramPercentiles(a.hist, 'latency', 50, 95);
  return {
    traces: a.runs,
    errors: a.errors,
    errorRate: rate(a.errors, a.runs),
    meanScore: rate(a.scoreSum, a.scored),
    scored: a.scored,
    meanRating: rate(a.ratingSum, a.rated),
    rated: a.rated,
    p50LatencyMs: p50 ?? null,
    p95LatencyMs: p95 ?? null,
    p50TtftMs: histogramPercentiles(a.hist, 'ttft', 50)[0] ?? null,
    tokens: a.tokens,
    costUsd: a.cost,
  };
}

function groupStatsOf(key: string, a: Acc, passRates: ReadonlyMap<string, number> | null): GroupStats {
  const m = meanInterval(a.scored, a.scoreSum, a.scoreSq);
  const [p50, p95] = histogramPercentiles(a.hist, 'latency', 50, 95);
  const row: GroupStats = {
    key,
    runs: a.runs,
    meanScore: m.mean,
    scoreLow: m.low,
    scoreHigh: m.high,
    userRating: rate(a.ratingSum, a.rated),
    p50LatencyMs: p50 ?? null,
    p95LatencyMs: p95 ?? null,
    tokens: a.tokens,
    costUsd: a.cost,
    errorRate: rate(a.errors, a.runs),
  };
  if (passRates) row.passRate = passRates.get(key) ?? null;
  return row;
}

function groupRows(m: Map<string, Acc>, passRates: ReadonlyMap<string, number> | null): GroupStats[] {
  return [...m.entries()]
    .filter(([, a]) => a.runs > 0)
    .sort((x, y) => y[1].runs - x[1].runs || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
    .map(([k, a]) => groupStatsOf(k, a, passRates));
}

/** Headline figures of one window. */
export function headline(sql: Sql, f: AnalysisFilter, win: AnalysisWindow): Headline {
  return headlineOf(collect(sql, f, win, null, []).total);
}

function trendOf(c: Collected, win: AnalysisWindow, size: number, shift: number): TrendPoint[] {
  const keys = [...c.buckets.keys()];
  if (keys.length) {
    // Every bucket from the window's first (or the data's, for "all") to its last, empty ones included.
    const first = win.from > 0 ? Math.floor((win.from + shift) / size) : Math.min(...keys);
    const last = Math.floor((win.to - 1 + shift) / size);
    for (let n = first; n <= last && last - first < 20_000; n++) if (!c.buckets.has(n)) c.buckets.set(n, newAcc());
  }
  return [...c.buckets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([n, a]) => {
      const m = meanInterval(a.scored, a.scoreSum, a.scoreSq);
      const [p50, p95] = histogramPercentiles(a.hist, 'latency', 50, 95);
      return { start: n * size - shift, runs: a.runs, runsByType: a.byType, errors: a.errors, meanScore: m.mean, scoreSd: m.sd, p50LatencyMs: p50 ?? null, p95LatencyMs: p95 ?? null, tokens: a.tokens, costUsd: a.cost };
    });
}

/** Trend by hour or by local day (`utcOffsetMs` east of UTC), every bucket of the window present. */
export function trend(sql: Sql, f: AnalysisFilter, win: AnalysisWindow, bucket: 'hour' | 'day', utcOffsetMs: number): TrendPoint[] {
  const size = bucket === 'hour' ? HOUR : DAY;
  const shift = bucket === 'hour' ? 0 : utcOffsetMs;
  return trendOf(collect(sql, f, win, { size, shift }, []), win, size, shift);
}

/** One row per model, prompt version, pipeline or tag, most runs first. */
export function compare(sql: Sql, by: GroupBy, f: AnalysisFilter, win: AnalysisWindow, passRates: ExperimentPassRates = NO_EXPERIMENTS): GroupStats[] {
  const c = collect(sql, f, win, null, [by]);
  return groupRows(c.groups[by], by === 'model' || by === 'prompt' ? passRates.latest(by) : null);
}

/** Errors grouped by kind (cancellations are not errors), most frequent first, with the newest examples. */
export function errorGroups(sql: Sql, f: AnalysisFilter, win: AnalysisWindow, examples = 5): ErrorGroup[] {
  const w = traceConditions(f, win);
  const groups = sql.all(
    // Through the partial index of failed runs: a window's errors, not all its runs (the planner prefers the covering index).
    `SELECT error_kind, COUNT(*), MIN(start_time), MAX(start_time) FROM traces INDEXED BY traces_errors WHERE error_kind IS NOT NULL AND error_kind <> 'cancelled' AND ${w.sql}
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
  // Numbers only for every pair (rowids, not ids and names: strings are what sql.js is slow to hand over).
  const rows = sql.all(`SELECT rowid, score, user_score FROM traces WHERE user_score IS NOT NULL AND score IS NOT NULL AND ${w.sql}`, w.params);
  const pairs = rows.map(([rid, judge, user]) => ({ rid: Number(rid), judge: Number(judge), user: Number(user) }));
  const a = agreement(pairs);
  const named = (p: { rid: number; judge: number; user: number }): Disagreement => {
    const [id, name] = sql.one('SELECT id, name FROM traces WHERE rowid = ?', [p.rid])!;
    return { traceId: String(id), name: String(name), judge: p.judge, user: p.user };
  };
  const disagreements = pairs
    .filter((p) => p.judge !== p.user)
    .sort((x, y) => Math.abs(y.judge - y.user) - Math.abs(x.judge - x.user) || x.rid - y.rid)
    .slice(0, top)
    .map(named);
  return {
    pairs: pairs.length,
    agreement: a.agreement,
    spearman: spearman(
      pairs.map((p) => p.judge),
      pairs.map((p) => p.user),
    ),
    table: a.table,
    disagreements,
  };
}

/** The values the dashboard's filters offer (every pipeline, model and prompt version seen; tags by skip scan). */
export function filterOptions(sql: Sql): { types: TraceType[]; models: string[]; promptVersions: string[]; tags: string[] } {
  const keys = [...rollupKeys(sql).values()].map((k) => [k.type, k.model, k.prompt]);
  const distinct = (i: number) => [...new Set(keys.map((k) => k[i]!).filter(Boolean))].sort();
  const tags = sql
    .all('WITH RECURSIVE t(tag) AS (SELECT MIN(tag) FROM trace_tags UNION ALL SELECT (SELECT MIN(tag) FROM trace_tags WHERE tag > t.tag) FROM t WHERE t.tag IS NOT NULL) SELECT tag FROM t WHERE tag IS NOT NULL LIMIT 500')
    .map((r) => String(r[0]));
  return { types: distinct(0) as TraceType[], models: distinct(1), promptVersions: distinct(2), tags };
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
  const size = r.bucket === 'hour' ? HOUR : DAY;
  const shift = r.bucket === 'hour' ? 0 : q.utcOffsetMs;
  const c = collect(sql, f, r.current, { size, shift }, ['model', 'prompt']);
  const passRates = q.passRates ?? NO_EXPERIMENTS;
  const data: Omit<DashboardData, 'computeMs'> = {
    range: q.range,
    from: r.current.from,
    to: r.current.to,
    bucket: r.bucket,
    current: headlineOf(c.total),
    previous: r.previous ? headline(sql, f, r.previous) : null,
    trend: trendOf(c, r.current, size, shift),
    byModel: groupRows(c.groups.model, passRates.latest('model')),
    byPrompt: groupRows(c.groups.prompt, passRates.latest('prompt')),
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

  /** The values the filters offer: pipelines, answering models, prompt versions, tags. */
  options(): ReturnType<typeof filterOptions> {
    return filterOptions(this.sql);
  }

  /** The latest runs of a thread, newest first, with their user ratings (for the frustration heuristic). */
  thread(threadId: string, limit = 20): ThreadRun[] {
    return this.sql
      .all('SELECT id, start_time, user_score FROM traces WHERE thread_id = ? ORDER BY start_time DESC, id DESC LIMIT ?', [threadId, limit])
      .map(([id, start, user]) => ({ id: String(id), startTime: Number(start), userScore: user === null ? null : Number(user) }));
  }

  /** The latest `n` judge scores and the latest `n` runs' failures (cancellations left out), newest first. */
  recent(n: number): RecentRuns {
    const scores = this.sql.all('SELECT score FROM traces WHERE score IS NOT NULL ORDER BY start_time DESC, id DESC LIMIT ?', [n]).map((r) => Number(r[0]));
    const failed = this.sql
      .all("SELECT error_kind IS NOT NULL FROM traces WHERE error_kind IS NULL OR error_kind <> 'cancelled' ORDER BY start_time DESC, id DESC LIMIT ?", [n])
      .map((r) => r[0] === 1);
    return { scores, failed };
  }
}
