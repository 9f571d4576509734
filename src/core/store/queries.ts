import type { SqlValue } from 'sql.js';
import type { ReviewState } from '../../shared/annotation';
import type { TraceSummary, TraceType } from '../../shared/types';
import { annotationCondition } from './annotations';
import type { Sql } from './sqljs';
import { SUMMARY_COLUMNS, toSummary } from './summary';

/** Filters shared by pages and aggregates. Every field is optional; dates are epoch ms, `to` exclusive. */
export interface TraceFilter {
  type?: TraceType | TraceType[];
  /** A tag; several: traces with any of them. */
  tag?: string | string[];
  threadId?: string;
  model?: string;
  /** The model that answered ('' for traces without one); several: any of them. */
  answerModel?: string | string[];
  /** `name@version` of the prompt that produced the answer ('' for none). */
  promptVersion?: string;
  /** Traces that failed with this error kind. */
  errorKind?: string;
  minScore?: number;
  maxScore?: number;
  errorOnly?: boolean;
  /** Traces annotated with this label, or with any of these labels (annotations.ts). */
  label?: string | string[];
  /** Traces in the review queue ('queued') or reviewed. */
  review?: ReviewState;
  from?: number;
  to?: number;
  /**
   * Traces recorded in one of these folders or below one (a CLI run in a subfolder of the workspace counts);
   * an empty list matches nothing. Traces recorded before the workspace was kept have none and never match.
   */
  workspace?: readonly string[];
  /**
   * Words that must all occur (case-insensitive, anywhere in a word) in the title or in the start of
   * the input or output (see SEARCH_PAYLOAD_CHARS).
   */
  text?: string;
}

export interface TraceQuery extends TraceFilter {
  /** Page size, 1..1000 (default 50). */
  limit?: number;
  /** `nextCursor` of the previous page (preferred: stable while traces are added). */
  cursor?: string | null;
  /** Rows to skip instead of a cursor. */
  offset?: number;
  /** Also count every matching trace (costs a second pass). */
  withTotal?: boolean;
}

export interface TracePage {
  items: TraceSummary[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
  total?: number;
}

export interface AggregateOptions extends Omit<TraceFilter, 'text'> {
  from: number;
  to: number;
  bucket?: 'day';
  /** Offset of the user's time zone from UTC in minutes (default: this process's). Days start at local midnight. */
  utcOffsetMinutes?: number;
}

export interface DayAggregate {
  /** YYYY-MM-DD in the requested time zone. */
  day: string;
  /** Epoch ms of the start of the day. */
  start: number;
  count: number;
  /** Mean overall judge score of the scored traces, null if none. */
  meanScore: number | null;
  scored: number;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
  tokens: number;
  costUsd: number;
  errors: number;
}

const DAY = 86_400_000;
const RARE_TAG = 2000;

/**
 * A tag filter is served two ways: a rare tag drives the query from the tag table; a common one is
 * checked row by row while walking the newest-first index, which stops as soon as the page is full.
 */
function tagCondition(sql: Sql, tag: string): string {
  const rare = Number(sql.one(`SELECT COUNT(*) FROM (SELECT 1 FROM trace_tags WHERE tag = ? LIMIT ${RARE_TAG + 1})`, [tag])![0]) <= RARE_TAG;
  return rare ? 'rowid IN (SELECT rid FROM trace_tags WHERE tag = ?)' : 'EXISTS (SELECT 1 FROM trace_tags WHERE tag = ? AND rid = traces.rowid)';
}

function where(f: TraceFilter, sql?: Sql): { sql: string; params: SqlValue[] } {
  const c: string[] = [];
  const p: SqlValue[] = [];
  if (f.type !== undefined) {
    const types = Array.isArray(f.type) ? f.type : [f.type];
    c.push(`type IN (${types.map(() => '?').join(',') || 'NULL'})`);
    p.push(...types);
  }
  if (Array.isArray(f.tag)) {
    c.push(`rowid IN (SELECT rid FROM trace_tags WHERE tag IN (${f.tag.map(() => '?').join(',') || 'NULL'}))`);
    p.push(...f.tag);
  } else if (f.tag !== undefined) {
    c.push(sql ? tagCondition(sql, f.tag) : 'rowid IN (SELECT rid FROM trace_tags WHERE tag = ?)');
    p.push(f.tag);
  }
  if (f.threadId !== undefined) {
    c.push('thread_id = ?');
    p.push(f.threadId);
  }
  if (f.model !== undefined) {
    c.push('model = ?');
    p.push(f.model);
  }
  if (f.answerModel !== undefined) {
    const models = Array.isArray(f.answerModel) ? f.answerModel : [f.answerModel];
    c.push(`COALESCE(answer_model, '') IN (${models.map(() => '?').join(',') || 'NULL'})`);
    p.push(...models);
  }
  if (f.promptVersion !== undefined) {
    c.push("COALESCE(prompt_version, '') = ?");
    p.push(f.promptVersion);
  }
  if (f.errorKind !== undefined) {
    c.push('error_kind = ?');
    p.push(f.errorKind);
  }
  if (f.minScore !== undefined) {
    c.push('score >= ?');
    p.push(f.minScore);
  }
  if (f.maxScore !== undefined) {
    c.push('score <= ?');
    p.push(f.maxScore);
  }
  if (f.errorOnly) c.push('error IS NOT NULL');
  const a = annotationCondition(f);
  c.push(...a.sql);
  p.push(...a.params);
  if (f.from !== undefined) {
    c.push('start_time >= ?');
    p.push(f.from);
  }
  if (f.to !== undefined) {
    c.push('start_time < ?');
    p.push(f.to);
  }
  if (f.workspace !== undefined) {
    const roots = f.workspace.map((r) => r.replace(/[\\/]+$/, '')).filter(Boolean);
    c.push(roots.length ? `(${roots.map(() => "(workspace = ? OR (substr(workspace, 1, ?) = ? AND substr(workspace, ? + 1, 1) IN ('/', '\\')))").join(' OR ')})` : '0');
    for (const r of roots) p.push(r, r.length, r, r.length);
  }
  for (const word of (f.text ?? '').toLowerCase().split(/\s+/).filter(Boolean).slice(0, 8)) {
    c.push('instr(search, ?) > 0');
    p.push(word);
  }
  return { sql: c.length ? c.join(' AND ') : '1', params: p };
}

export function encodeCursor(startTime: number, id: string): string {
  return Buffer.from(`${startTime}|${id}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { startTime: number; id: string } {
  const [t, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const startTime = Number(t);
  if (!id || !Number.isFinite(startTime)) throw new Error(`Not a trace page cursor: ${cursor}`);
  return { startTime, id };
}

/** A page of the newest traces matching the filter, newest first. */
export function queryPage(sql: Sql, q: TraceQuery, maxLimit = 1000): TracePage {
  const limit = Math.max(1, Math.min(Math.floor(q.limit ?? 50), maxLimit));
  const w = where(q, sql);
  let cond = w.sql;
  const params = [...w.params];
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    cond += ' AND (start_time < ? OR (start_time = ? AND id < ?))';
    params.push(c.startTime, c.startTime, c.id);
  }
  const offset = q.cursor ? 0 : Math.max(0, Math.floor(q.offset ?? 0));
  const rows = sql.all(`SELECT ${SUMMARY_COLUMNS} FROM traces WHERE ${cond} ORDER BY start_time DESC, id DESC LIMIT ? OFFSET ?`, [...params, limit + 1, offset]);
  const items = rows.slice(0, limit).map(toSummary);
  const last = items[items.length - 1];
  const page: TracePage = { items, nextCursor: rows.length > limit && last ? encodeCursor(last.startTime, last.id) : null };
  if (q.withTotal) page.total = Number(sql.one(`SELECT COUNT(*) FROM traces WHERE ${w.sql}`, w.params)![0]);
  return page;
}

/** Totals per day: count, mean score, p50/p95 latency, tokens, cost, errors. Days without traces are omitted. */
export function aggregateByDay(sql: Sql, o: AggregateOptions): DayAggregate[] {
  const offsetMs = (o.utcOffsetMinutes ?? -new Date(o.from).getTimezoneOffset()) * 60_000;
  const w = where(o, sql);
  const dayExpr = `((start_time + ${Math.round(offsetMs)}) / ${DAY})`;
  const totals = sql.all(
    `SELECT ${dayExpr} AS d, COUNT(*), AVG(score), COUNT(score), TOTAL(total_tokens), TOTAL(cost_usd), TOTAL(error IS NOT NULL)
     FROM traces WHERE ${w.sql} GROUP BY d ORDER BY d`,
    w.params,
  );
  // p50/p95 (nearest rank: the ceil(p·n)-th smallest, in integer arithmetic) per day, computed inside
  // SQLite so only one row per day comes back.
  const latencies = new Map<number, { p50: number | null; p95: number | null }>();
  for (const [d, p50, p95] of sql.all(
    `SELECT d, MAX(CASE WHEN rn = MAX(1, (cnt + 1) / 2) THEN ms END), MAX(CASE WHEN rn = MAX(1, (95 * cnt + 99) / 100) THEN ms END)
     FROM (SELECT d, ms, ROW_NUMBER() OVER (PARTITION BY d ORDER BY ms) AS rn, COUNT(*) OVER (PARTITION BY d) AS cnt
           FROM (SELECT ${dayExpr} AS d, end_time - start_time AS ms FROM traces WHERE ${w.sql} AND end_time IS NOT NULL))
     GROUP BY d`,
    w.params,
  )) {
    latencies.set(Number(d), { p50: p50 === null ? null : Number(p50), p95: p95 === null ? null : Number(p95) });
  }
  return totals.map(([d, count, mean, scored, tokens, cost, errors]) => {
    const dayNo = Number(d);
    const lat = latencies.get(dayNo);
    return {
      day: new Date(dayNo * DAY).toISOString().slice(0, 10),
      start: dayNo * DAY - offsetMs,
      count: Number(count),
      meanScore: mean === null ? null : Number(mean),
      scored: Number(scored),
      p50LatencyMs: lat?.p50 ?? null,
      p95LatencyMs: lat?.p95 ?? null,
      tokens: Number(tokens),
      costUsd: Number(cost),
      errors: Number(errors),
    };
  });
}
