import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { AnnotationChange, ReviewState, TraceAnnotation } from '../../shared/annotation';
import { applyAnnotationChange } from '../../shared/annotation';
import type { TraceSummary } from '../../shared/types';
import { uuidv7 } from '../ids';
import { encodeRecord, RecordKind } from './codec';
import { withFileLock } from './fileLock';
import type { Located } from './journal';
import type { Sql } from './sqljs';
import { SUMMARY_COLUMNS, toSummary } from './summary';

/**
 * Review state, note and labels of traces (issue 13 §3), kept in the journal beside the traces.
 *
 * - Journal: every change is one Annotation record (codec.ts kind 7) carrying the trace's whole new
 *   annotation; the latest `at` wins (ties: the larger key), so a re-read or a compacted copy changes nothing.
 * - Index: table `annotations`, one row per annotated trace, with the annotation itself (it is small, so
 *   reads need no journal access) and the record's location for compaction. `labels` is stored as
 *   "\nlabel\nlabel\n" so a label filter is one `instr`.
 * - Writes take the store's annotation lock file and catch up with the journal first, so a change made in
 *   another window or by the CLI is never overwritten by a stale copy.
 * - Deleted traces: the Delete record drops their row; records for a tombstoned id are ignored.
 */

export const ANNOTATION_SCHEMA = `
CREATE TABLE annotations (
  trace_id TEXT PRIMARY KEY, review TEXT, queued_at INTEGER, reviewed_at INTEGER, labels TEXT NOT NULL, body TEXT NOT NULL,
  at INTEGER NOT NULL, key TEXT NOT NULL, seg INTEGER NOT NULL, off INTEGER NOT NULL, len INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX annotations_review ON annotations (review, queued_at);
`;

/** Kind 7: the whole annotation of one trace after a change. */
export interface AnnotationBody {
  at: number;
  /** Unique per record, so a compacted copy is recognised as the same record. */
  key: string;
  traceId: string;
  annotation: TraceAnnotation;
}

const LOCK_FILE = 'annotations.lock';

function isAnnotation(a: unknown): a is TraceAnnotation {
  const x = a as TraceAnnotation | null;
  return !!x && typeof x === 'object' && Array.isArray(x.labels) && x.labels.every((l) => typeof l === 'string') && typeof x.note === 'string' && (x.review === null || x.review === 'queued' || x.review === 'reviewed');
}

/** The `labels` column: every label between newlines, for `instr(labels, '\n' || ? || '\n')`. */
const labelsColumn = (labels: readonly string[]): string => (labels.length ? `\n${labels.join('\n')}\n` : '');

/** Indexes an annotation record if it is the trace's latest; the same record again only moves if its old location is going away. */
export function applyAnnotation(sql: Sql, body: AnnotationBody, seg: number, off: number, len: number, isGone: (seg: number) => boolean): void {
  if (typeof body.traceId !== 'string' || typeof body.key !== 'string' || typeof body.at !== 'number' || !isAnnotation(body.annotation)) throw new Error('malformed annotation record');
  if (sql.one('SELECT 1 FROM tombstones WHERE id = ?', [body.traceId])) return;
  const cur = sql.one('SELECT at, key, seg FROM annotations WHERE trace_id = ?', [body.traceId]);
  if (cur) {
    if (String(cur[1]) === body.key) {
      if (isGone(Number(cur[2]))) sql.run('UPDATE annotations SET seg = ?, off = ?, len = ? WHERE trace_id = ?', [seg, off, len, body.traceId]);
      return;
    }
    if (body.at < Number(cur[0]) || (body.at === Number(cur[0]) && body.key < String(cur[1]))) return;
  }
  const a = body.annotation;
  sql.run('INSERT OR REPLACE INTO annotations (trace_id, review, queued_at, reviewed_at, labels, body, at, key, seg, off, len) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [
    body.traceId,
    a.review,
    a.queuedAt ?? null,
    a.reviewedAt ?? null,
    labelsColumn(a.labels),
    JSON.stringify(a),
    body.at,
    body.key,
    seg,
    off,
    len,
  ]);
}

/** SQL condition (on `traces`) for the label and review filters of queries.ts. */
export function annotationCondition(f: { label?: string | string[]; review?: ReviewState }): { sql: string[]; params: string[] } {
  const sql: string[] = [];
  const params: string[] = [];
  if (f.label !== undefined) {
    const labels = Array.isArray(f.label) ? f.label : [f.label];
    sql.push(`EXISTS (SELECT 1 FROM annotations AS a WHERE a.trace_id = traces.id AND (${labels.map(() => 'instr(a.labels, ?) > 0').join(' OR ') || '0'}))`);
    params.push(...labels.map((l) => `\n${l}\n`));
  }
  if (f.review !== undefined) {
    sql.push('EXISTS (SELECT 1 FROM annotations AS r WHERE r.trace_id = traces.id AND r.review = ?)');
    params.push(f.review);
  }
  return { sql, params };
}

/** One trace of the review queue. */
export interface ReviewItem {
  trace: TraceSummary;
  annotation: TraceAnnotation;
}

/** What AnnotationStore needs from the TraceStore (TraceStore.annotations() wires it). */
export interface AnnotationHost {
  readonly dir: string;
  readonly sql: Sql;
  has(traceId: string): boolean;
  /** Catches up with other processes' records. */
  refresh(): Promise<unknown>;
  /** Appends a frame; `apply` indexes it once durable (fsync); resolves after that. */
  append(frame: Buffer, apply: (seg: number, loc: Located) => void): Promise<void>;
  isGone(seg: number): boolean;
  /** Tells the store's listeners (views) that something changed. */
  changed(): void;
}

/** Annotations of a TraceStore: get it with `store.annotations()`. */
export class AnnotationStore {
  constructor(
    private readonly host: AnnotationHost,
    private readonly now: () => number = Date.now,
  ) {}

  /** The trace's annotation, or null when it has none (from the index: call after refresh() for other processes' changes). */
  get(traceId: string): TraceAnnotation | null {
    const row = this.host.sql.one('SELECT body FROM annotations WHERE trace_id = ?', [traceId]);
    return row ? (JSON.parse(String(row[0])) as TraceAnnotation) : null;
  }

  /** Annotations of these traces (the ones that have one). */
  getMany(traceIds: readonly string[]): Map<string, TraceAnnotation> {
    const out = new Map<string, TraceAnnotation>();
    for (let i = 0; i < traceIds.length; i += 500) {
      const ids = traceIds.slice(i, i + 500);
      for (const [id, body] of this.host.sql.all(`SELECT trace_id, body FROM annotations WHERE trace_id IN (${ids.map(() => '?').join(',')})`, ids)) out.set(String(id), JSON.parse(String(body)) as TraceAnnotation);
    }
    return out;
  }

  /**
   * Applies a change under the annotation lock on an up-to-date index, writes the new annotation durably
   * and returns it. Throws when the trace is not in the store.
   */
  async update(traceId: string, change: AnnotationChange): Promise<TraceAnnotation> {
    return withFileLock(join(this.host.dir, LOCK_FILE), async () => {
      await this.host.refresh();
      if (!this.host.has(traceId)) throw new Error(`There is no trace ${traceId} in the store.`);
      const at = Math.max(this.now(), Number(this.host.sql.one('SELECT at FROM annotations WHERE trace_id = ?', [traceId])?.[0] ?? 0) + 1);
      const annotation = applyAnnotationChange(this.get(traceId), change, at, () => uuidv7(at));
      const body: AnnotationBody = { at, key: randomUUID(), traceId, annotation };
      await this.host.append(encodeRecord(RecordKind.Annotation, body), (seg, loc) => applyAnnotation(this.host.sql, body, seg, loc.off, loc.len, (s) => this.host.isGone(s)));
      this.host.changed();
      return annotation;
    });
  }

  /** The review queue: traces marked for review and not reviewed yet, oldest first (by when they were queued). */
  queue(limit = 1000): ReviewItem[] {
    const cols = SUMMARY_COLUMNS.split(', ').map((c) => `t.${c}`).join(', ');
    return this.host.sql
      .all(`SELECT ${cols}, a.body FROM annotations AS a JOIN traces AS t ON t.id = a.trace_id WHERE a.review = 'queued' ORDER BY a.queued_at, t.id LIMIT ?`, [Math.max(1, Math.floor(limit))])
      .map((r) => ({ trace: toSummary(r), annotation: JSON.parse(String(r[r.length - 1])) as TraceAnnotation }));
  }

  /** How many traces wait for review. */
  queuedCount(): number {
    return Number(this.host.sql.one("SELECT COUNT(*) FROM annotations AS a JOIN traces AS t ON t.id = a.trace_id WHERE a.review = 'queued'")![0]);
  }

  /** Every label in use, with how many traces carry it, most used first. */
  labelsInUse(): Array<{ label: string; count: number }> {
    const counts = new Map<string, number>();
    for (const [body] of this.host.sql.all('SELECT a.body FROM annotations AS a JOIN traces AS t ON t.id = a.trace_id')) {
      for (const l of (JSON.parse(String(body)) as TraceAnnotation).labels) counts.set(l, (counts.get(l) ?? 0) + 1);
    }
    return [...counts].map(([label, count]) => ({ label, count })).sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
  }
}
