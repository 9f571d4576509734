import type { SqlValue } from 'sql.js';
import type { AnalysisFilter } from '../../shared/analytics';

/** A time window of the analysis queries: epoch ms, `to` exclusive; rollups serve it in whole hours. */
export interface AnalysisWindow {
  from: number;
  to: number;
}

export interface SqlPart {
  sql: string;
  params: SqlValue[];
}

/** The sums of the columns sumSource yields (runs, errors, scored, score_sum, score_sq, rated, rating_sum, tokens, cost). */
export const SUMS = 'TOTAL(runs), TOTAL(errors), TOTAL(scored), TOTAL(score_sum), TOTAL(score_sq), TOTAL(rated), TOTAL(rating_sum), TOTAL(tokens), TOTAL(cost)';

/** The rollup keys a filter's pipeline, model and prompt version allow, as `<column> IN (…)`; null when unfiltered. */
function keyCondition(f: AnalysisFilter, column: string): SqlPart | null {
  const c: string[] = [];
  const p: SqlValue[] = [];
  if (f.type !== undefined) {
    c.push('type = ?');
    p.push(f.type);
  }
  if (f.model !== undefined) {
    c.push('model = ?');
    p.push(f.model);
  }
  if (f.promptVersion !== undefined) {
    c.push('prompt = ?');
    p.push(f.promptVersion);
  }
  return c.length ? { sql: `${column} IN (SELECT id FROM rollup_keys WHERE ${c.join(' AND ')})`, params: p } : null;
}

/** Conditions on the trace table for a window and filter. */
export function traceConditions(f: AnalysisFilter, win: AnalysisWindow, alias = 'traces'): SqlPart {
  const c = [`${alias}.start_time >= ?`, `${alias}.start_time < ?`];
  const p: SqlValue[] = [win.from, win.to];
  const k = keyCondition(f, `${alias}.rollup_key`);
  if (k) {
    c.push(k.sql);
    p.push(...k.params);
  }
  if (f.tag !== undefined) {
    c.push(`${alias}.rowid IN (SELECT rid FROM trace_tags WHERE tag = ?)`);
    p.push(f.tag);
  }
  return { sql: c.join(' AND '), params: p };
}

/**
 * Rows of (t, key, tag, sums…) of the window's traces, for the queries the in-memory rollups cannot serve:
 * those involving a tag (a trace has several tags, so tags are not a rollup dimension). Only the window's
 * traces are read.
 */
export function sumSource(f: AnalysisFilter, win: AnalysisWindow, byTag = false): SqlPart {
  const w = traceConditions(f, win, 'x');
  return {
    sql: `SELECT x.start_time AS t, x.rollup_key AS key, ${byTag ? 'g.tag' : 'NULL'} AS tag,
      1 AS runs, (x.error_kind IS NOT NULL AND x.error_kind <> 'cancelled') AS errors, (x.score IS NOT NULL) AS scored, COALESCE(x.score, 0) AS score_sum,
      COALESCE(x.score * x.score, 0) AS score_sq, (x.user_score IS NOT NULL) AS rated, COALESCE(x.user_score, 0) AS rating_sum,
      COALESCE(x.total_tokens, 0) AS tokens, COALESCE(x.cost_usd, 0) AS cost
      FROM traces AS x ${byTag ? 'JOIN trace_tags AS g ON g.rid = x.rowid' : ''} WHERE ${w.sql}`,
    params: w.params,
  };
}

/** How latency histograms are grouped: not at all, by time bucket (hour or local day), by rollup key, or by tag. */
export type HistogramGrouping = { by: 'none' } | { by: 'bucket'; size: number; shift: number } | { by: 'key' } | { by: 'tag' };

/**
 * Rows of (group, bin, count) of the successful runs' latency and time-to-first-token bins (latencyBins.ts)
 * of the window's traces, summed inside SQLite, for the queries involving a tag (see sumSource).
 */
export function histogramSource(f: AnalysisFilter, win: AnalysisWindow, g: HistogramGrouping): SqlPart {
  const w = traceConditions(f, win, 'x');
  const group = g.by === 'none' ? '0' : g.by === 'key' ? 'x.rollup_key' : g.by === 'tag' ? 't.tag' : `((x.start_time + ${Math.round(g.shift)}) / ${g.size})`;
  const from = `FROM traces AS x ${g.by === 'tag' ? 'JOIN trace_tags AS t ON t.rid = x.rowid' : ''} WHERE ${w.sql}`;
  return {
    sql: `SELECT g, bin, COUNT(*) FROM (SELECT ${group} AS g, x.lat_bin AS bin ${from} AND x.lat_bin IS NOT NULL
      UNION ALL SELECT ${group}, x.ttft_bin ${from} AND x.ttft_bin IS NOT NULL) GROUP BY g, bin`,
    params: [...w.params, ...w.params],
  };
}
