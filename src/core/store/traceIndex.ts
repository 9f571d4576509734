import type { Database, SqlJsStatic, SqlValue } from 'sql.js';
import type { DeleteBody, HeaderBody, OutboxBody, PromptVersionBody, RawRecord, ScoresBody, TraceBody } from './codec';
import { parseBody, RecordKind } from './codec';
import { type AnnotationBody, ANNOTATION_SCHEMA, applyAnnotation } from './annotations';
import { applyOutbox, OUTBOX_SCHEMA } from './outboxIndex';
import { applyPromptVersion } from './promptVersions';
import { latencyBin, TTFT_BASE } from './latencyBins';
import { ROLLUP_SCHEMA } from './rollups';
import { Sql } from './sqljs';
import type { TraceRow, TraceSummarySection } from './summary';
import { overallOf, rowOf, SUMMARY_VERSION, userRatingOf } from './summary';

/**
 * The in-memory index (sql.js): one summary row per trace with the location (segment, offset, length) of
 * its record, plus what it takes to stay consistent with the journal: per-segment watermarks, tombstones,
 * locations of appended scores and of records this version does not know. It is derived data: it can
 * always be rebuilt by reading the journal, so its format is versioned separately and never migrated: a
 * snapshot of another format is not used (the index is rebuilt). 2 added prompt_versions, 3 the outbox,
 * 4 the analysis columns (answer model, prompt version, error kind, latency, ttft, user rating) and the
 * hourly rollups (rollups.ts), 5 the workspace a trace was recorded in, the rollups' latency histograms
 * (lat_bin, ttft_bin, rollup_latency) and the annotations (annotations.ts).
 */
export const INDEX_FORMAT = 5;

const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE segments (
  seg INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, role TEXT, pid INTEGER, host TEXT, process_start INTEGER,
  covered INTEGER NOT NULL, sealed INTEGER NOT NULL DEFAULT 0, damaged INTEGER NOT NULL DEFAULT 0, gone INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE traces (
  id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, type TEXT NOT NULL, start_time INTEGER NOT NULL, end_time INTEGER,
  score REAL, own_score REAL, tags TEXT NOT NULL, thread_id TEXT, model TEXT, total_tokens INTEGER, cost_usd REAL,
  error TEXT, search TEXT NOT NULL, at INTEGER NOT NULL, seg INTEGER NOT NULL, off INTEGER NOT NULL, len INTEGER NOT NULL,
  answer_model TEXT, prompt_version TEXT, error_kind TEXT, latency_ms INTEGER, ttft_ms INTEGER, user_score REAL, own_user REAL, rollup_key INTEGER,
  workspace TEXT, lat_bin INTEGER, ttft_bin INTEGER
);
CREATE INDEX traces_start ON traces (start_time DESC, id DESC);
CREATE INDEX traces_thread ON traces (thread_id, start_time) WHERE thread_id IS NOT NULL;
CREATE TABLE trace_tags (tag TEXT NOT NULL, rid INTEGER NOT NULL, PRIMARY KEY (tag, rid)) WITHOUT ROWID;
CREATE TABLE score_records (key TEXT PRIMARY KEY, trace_id TEXT NOT NULL, at INTEGER NOT NULL, overall REAL, user_value REAL, seg INTEGER NOT NULL, off INTEGER NOT NULL, len INTEGER NOT NULL);
CREATE INDEX score_records_trace ON score_records (trace_id);
CREATE TABLE tombstones (id TEXT PRIMARY KEY, seg INTEGER) WITHOUT ROWID;
CREATE TABLE prompt_versions (name TEXT NOT NULL, version TEXT NOT NULL, created_at INTEGER NOT NULL, seg INTEGER NOT NULL, off INTEGER NOT NULL, len INTEGER NOT NULL, PRIMARY KEY (seg, off)) WITHOUT ROWID;
CREATE INDEX prompt_versions_key ON prompt_versions (name, version, created_at);
CREATE TABLE other_records (seg INTEGER NOT NULL, off INTEGER NOT NULL, len INTEGER NOT NULL, kind INTEGER NOT NULL, PRIMARY KEY (seg, off)) WITHOUT ROWID;
`;

export interface SegmentInfo {
  seg: number;
  name: string;
  role: string | null;
  pid: number | null;
  host: string | null;
  processStart: number | null;
  covered: number;
  sealed: boolean;
  damaged: boolean;
  /** Superseded by a compacted segment (or vanished): never read again; its rows are dropped. */
  gone: boolean;
}

export interface Location {
  id: string;
  segment: string;
  off: number;
  len: number;
}

/** A snapshot of another index format (an older or newer CODI wrote it): not damaged, just not usable here. */
export class IndexFormatError extends Error {
  constructor(readonly format: number) {
    super(`index format ${format}, expected ${INDEX_FORMAT}`);
  }
}

const num = (v: SqlValue | undefined): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: SqlValue | undefined): string | null => (v === null || v === undefined ? null : String(v));

export class TraceIndex {
  private readonly byName = new Map<string, SegmentInfo>();
  private readonly bySeg = new Map<number, SegmentInfo>();
  /** Records applied since the index was loaded or last snapshotted. */
  dirty = 0;
  /** Gone segments whose rows were already dropped. */
  private readonly dropped = new Set<number>();
  /** Segments whose watermark changed in memory but not yet in the table (written before export). */
  private readonly coveredDirty = new Set<SegmentInfo>();
  /** Traces that have appended scores: only they need their summary score recomputed on insert. */
  private readonly scored = new Set<string>();

  private constructor(readonly sql: Sql) {
    for (const r of sql.all('SELECT seg, name, role, pid, host, process_start, covered, sealed, damaged, gone FROM segments')) {
      const info: SegmentInfo = { seg: Number(r[0]), name: String(r[1]), role: str(r[2]), pid: num(r[3]), host: str(r[4]), processStart: num(r[5]), covered: Number(r[6]), sealed: r[7] === 1, damaged: r[8] === 1, gone: r[9] === 1 };
      this.byName.set(info.name, info);
      this.bySeg.set(info.seg, info);
    }
    for (const [id] of sql.all('SELECT DISTINCT trace_id FROM score_records')) this.scored.add(String(id));
  }

  static create(SQL: SqlJsStatic, storeVersion: number): TraceIndex {
    const db = new SQL.Database();
    db.run(SCHEMA + OUTBOX_SCHEMA + ROLLUP_SCHEMA + ANNOTATION_SCHEMA);
    db.run('INSERT INTO meta (key, value) VALUES (?, ?), (?, ?)', ['index_format', String(INDEX_FORMAT), 'store_version', String(storeVersion)]);
    return new TraceIndex(new Sql(db));
  }

  /** Opens a snapshot; throws if it is not a usable index of this format. */
  static fromBytes(SQL: SqlJsStatic, bytes: Uint8Array, storeVersion: number): TraceIndex {
    let db: Database | null = null;
    try {
      db = new SQL.Database(bytes);
      const meta = new Map((db.exec('SELECT key, value FROM meta')[0]?.values ?? []).map(([k, v]) => [String(k), String(v)]));
      const format = meta.get('index_format');
      if (format !== String(INDEX_FORMAT)) throw /^\d+$/.test(format ?? '') ? new IndexFormatError(Number(format)) : new Error(`index format ${format ?? 'missing'}, expected ${INDEX_FORMAT}`);
      if (meta.get('store_version') !== String(storeVersion)) throw new Error(`index of store version ${meta.get('store_version') ?? 'missing'}, expected ${storeVersion}`);
      return new TraceIndex(new Sql(db));
    } catch (e) {
      db?.close();
      throw e;
    }
  }

  // ---- segments -------------------------------------------------------------------------------------

  segment(name: string): SegmentInfo | undefined {
    return this.byName.get(name);
  }

  segments(): SegmentInfo[] {
    return [...this.byName.values()];
  }

  nameOf(seg: number): string {
    return this.bySeg.get(seg)!.name;
  }

  addSegment(name: string, header: HeaderBody | null, covered: number, gone = false): SegmentInfo {
    this.sql.run('INSERT INTO segments (name, role, pid, host, process_start, covered, gone) VALUES (?, ?, ?, ?, ?, ?, ?)', [name, header?.role ?? null, header?.pid ?? null, header?.host ?? null, header?.processStart ?? null, covered, gone ? 1 : 0]);
    const seg = Number(this.sql.one('SELECT last_insert_rowid()')![0]);
    const info: SegmentInfo = { seg, name, role: header?.role ?? null, pid: header?.pid ?? null, host: header?.host ?? null, processStart: header?.processStart ?? null, covered, sealed: false, damaged: false, gone };
    this.byName.set(name, info);
    this.bySeg.set(seg, info);
    return info;
  }

  /** Moves a segment's watermark (kept in memory; written to the table before the index is exported). */
  setCovered(info: SegmentInfo, covered: number): void {
    if (covered === info.covered) return;
    info.covered = covered;
    this.coveredDirty.add(info);
  }

  private flushCovered(): void {
    for (const info of this.coveredDirty) if (this.bySeg.get(info.seg) === info) this.sql.run('UPDATE segments SET covered = ? WHERE seg = ?', [info.covered, info.seg]);
    this.coveredDirty.clear();
  }

  markSealed(info: SegmentInfo): void {
    info.sealed = true;
    this.sql.run('UPDATE segments SET sealed = 1 WHERE seg = ?', [info.seg]);
  }

  markDamaged(info: SegmentInfo): void {
    info.damaged = true;
    this.sql.run('UPDATE segments SET damaged = 1 WHERE seg = ?', [info.seg]);
  }

  markGone(info: SegmentInfo): void {
    info.gone = true;
    this.sql.run('UPDATE segments SET gone = 1 WHERE seg = ?', [info.seg]);
  }

  /** Forgets a segment entirely (its file is gone and its rows were dropped). */
  forgetSegment(info: SegmentInfo): void {
    this.sql.run('DELETE FROM segments WHERE seg = ?', [info.seg]);
    this.byName.delete(info.name);
    this.bySeg.delete(info.seg);
    this.dropped.delete(info.seg);
  }

  /** Drops every row located in these segments (their records were not carried anywhere). Returns the trace count. */
  dropRowsIn(all: SegmentInfo[]): number {
    const infos = all.filter((i) => !this.dropped.has(i.seg));
    if (!infos.length) return 0;
    const list = infos.map((i) => i.seg).join(',');
    return this.sql.tx(() => {
      const rows = this.sql.all(`SELECT rowid, tags FROM traces WHERE seg IN (${list})`);
      for (const [rid, tags] of rows) for (const tag of JSON.parse(String(tags)) as string[]) this.sql.run('DELETE FROM trace_tags WHERE tag = ? AND rid = ?', [tag, rid!]);
      this.sql.run(`DELETE FROM traces WHERE seg IN (${list})`);
      this.sql.run(`DELETE FROM score_records WHERE seg IN (${list})`);
      this.sql.run(`DELETE FROM other_records WHERE seg IN (${list})`);
      this.sql.run(`DELETE FROM prompt_versions WHERE seg IN (${list})`);
      this.sql.run(`DELETE FROM outbox WHERE seg IN (${list})`);
      this.sql.run(`DELETE FROM annotations WHERE seg IN (${list})`);
      this.sql.run(`DELETE FROM tombstones WHERE seg IN (${list})`);
      for (const i of infos) {
        if (!i.gone) this.markGone(i);
        this.dropped.add(i.seg);
      }
      this.dirty += rows.length;
      return rows.length;
    });
  }

  // ---- applying records ------------------------------------------------------------------------------

  /**
   * Applies a batch of records read from `info`, in one transaction. A record whose checksum is right but
   * whose content cannot be used (not JSON, wrong shape) is skipped and passed to `bad`.
   */
  applyBatch(info: SegmentInfo, records: RawRecord[], bad: (r: RawRecord, e: unknown) => void): void {
    this.sql.tx(() => {
      for (const r of records) {
        try {
          this.applyRecord(info, r);
        } catch (e) {
          bad(r, e);
        }
      }
    });
  }

  applyRecord(info: SegmentInfo, r: RawRecord): void {
    this.dirty++;
    switch (r.kind) {
      case RecordKind.Header:
        return;
      case RecordKind.Seal:
        if (!info.sealed) this.markSealed(info);
        return;
      case RecordKind.Trace: {
        const sum = r.summary ? (JSON.parse(r.summary.toString('utf8')) as TraceSummarySection) : null;
        if (sum?.v === SUMMARY_VERSION && typeof sum.row?.id === 'string') this.applyTraceRow(sum.row, sum.at, info.seg, r.off, r.len);
        else this.applyTrace(parseBody<TraceBody>(r), info.seg, r.off, r.len);
        return;
      }
      case RecordKind.Scores:
        return this.applyScores(parseBody<ScoresBody>(r), info.seg, r.off, r.len);
      case RecordKind.Delete:
        return this.applyDelete(parseBody<DeleteBody>(r));
      case RecordKind.PromptVersion:
        return applyPromptVersion(this.sql, parseBody<PromptVersionBody>(r), info.seg, r.off, r.len);
      case RecordKind.OutboxEnqueue:
      case RecordKind.OutboxState:
        return applyOutbox(this.sql, parseBody<OutboxBody>(r), info.seg, r.off, r.len, (seg) => this.isGone(seg));
      case RecordKind.Annotation:
        return applyAnnotation(this.sql, parseBody<AnnotationBody>(r), info.seg, r.off, r.len, (seg) => this.isGone(seg));
      default:
        // A kind from a newer CODI: remembered so compaction keeps it.
        this.sql.run('INSERT OR IGNORE INTO other_records (seg, off, len, kind) VALUES (?, ?, ?, ?)', [info.seg, r.off, r.len, r.kind]);
    }
  }

  isGone(seg: SqlValue | undefined): boolean {
    return this.bySeg.get(Number(seg))?.gone ?? true;
  }

  applyTrace(body: TraceBody, seg: number, off: number, len: number): void {
    if (body.trace && typeof body.trace.id === 'string') this.applyTraceRow(rowOf(body.trace), body.at, seg, off, len);
  }

  /**
   * Indexes a trace's row at its location; a newer record of the same id replaces an older one. With
   * `onlyIfNew`, does nothing (and returns false) unless the id is neither indexed nor deleted, so the
   * change can be undone with removeNewTrace().
   */
  applyTraceRow(row: TraceRow, at: number, seg: number, off: number, len: number, onlyIfNew = false): boolean {
    // One lookup for both questions: is it deleted, and is it already indexed?
    const [tomb, ...existing] = this.sql.one('SELECT (SELECT 1 FROM tombstones WHERE id = ?1), t.rowid, t.at, t.seg, t.tags FROM (SELECT 1) LEFT JOIN traces AS t ON t.id = ?1', [row.id])!;
    if (onlyIfNew && (tomb || existing[0] !== null)) return false;
    if (tomb) {
      this.sql.run('UPDATE tombstones SET seg = ? WHERE id = ?', [seg, row.id]);
      return true;
    }
    if (existing[0] !== null) {
      const newer = at > Number(existing[1]);
      if (!newer) {
        // The same record again (a compacted copy): only move to it if the old location is going away.
        if (this.isGone(existing[2])) this.sql.run('UPDATE traces SET seg = ?, off = ?, len = ? WHERE rowid = ?', [seg, off, len, existing[0]!]);
        return true;
      }
      for (const tag of JSON.parse(String(existing[3])) as string[]) this.sql.run('DELETE FROM trace_tags WHERE tag = ? AND rid = ?', [tag, existing[0]!]);
      this.sql.run('DELETE FROM traces WHERE rowid = ?', [existing[0]!]);
    }
    this.insertRow(row, at, seg, off, len);
    return true;
  }

  /** Undoes applyTraceRow(…, onlyIfNew = true) for a record that did not become durable. */
  removeNewTrace(id: string, seg: number, off: number): void {
    const row = this.sql.one('SELECT rowid, tags FROM traces WHERE id = ? AND seg = ? AND off = ?', [id, seg, off]);
    if (!row) return;
    for (const tag of JSON.parse(String(row[1])) as string[]) this.sql.run('DELETE FROM trace_tags WHERE tag = ? AND rid = ?', [tag, row[0]!]);
    this.sql.run('DELETE FROM traces WHERE rowid = ?', [row[0]!]);
  }

  private insertRow(row: TraceRow, at: number, seg: number, off: number, len: number): void {
    const latency = row.endTime === null ? null : Math.max(0, Math.round(row.endTime - row.startTime));
    // Successful runs only feed the latency histograms (as the percentiles always did).
    const ok = latency !== null && !row.errorKind;
    this.sql.run(
      `INSERT INTO traces (id, name, type, start_time, end_time, score, own_score, tags, thread_id, model, total_tokens, cost_usd, error, search, at, seg, off, len,
         answer_model, prompt_version, error_kind, latency_ms, ttft_ms, user_score, own_user, rollup_key, workspace, lat_bin, ttft_bin)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        row.id, row.name, row.type, row.startTime, row.endTime, row.ownScore, row.ownScore, JSON.stringify(row.tags), row.threadId, row.model, row.totalTokens, row.costUsd, row.error, row.search, at, seg, off, len,
        row.answerModel ?? null, row.promptVersion ?? null, row.errorKind ?? null, latency, row.ttftMs ?? null, row.ownUserScore ?? null, row.ownUserScore ?? null,
        this.rollupKey(row.type, row.answerModel ?? '', row.promptVersion ?? ''),
        row.workspace ?? null,
        ok ? latencyBin(latency) : null, ok && row.ttftMs !== null && row.ttftMs !== undefined ? TTFT_BASE + latencyBin(row.ttftMs) : null,
      ],
    );
    if (row.tags.length) {
      const rid = this.sql.one('SELECT last_insert_rowid()')![0]!;
      for (const tag of new Set(row.tags)) this.sql.run('INSERT OR IGNORE INTO trace_tags (tag, rid) VALUES (?, ?)', [tag, rid]);
    }
    if (this.scored.has(row.id)) this.rescore(row.id);
  }

  /** The id of a (pipeline, answering model, prompt version) in `rollup_keys` (rollups.ts), created on first use. */
  private rollupKey(type: string, model: string, prompt: string): number {
    // Not cached in memory: a rolled-back transaction would leave a cached id that no row has.
    const found = this.sql.one('SELECT id FROM rollup_keys WHERE type = ? AND model = ? AND prompt = ?', [type, model, prompt]);
    if (found) return Number(found[0]);
    this.sql.run('INSERT INTO rollup_keys (type, model, prompt) VALUES (?, ?, ?)', [type, model, prompt]);
    return Number(this.sql.one('SELECT last_insert_rowid()')![0]);
  }

  /** The summary score and user rating: the latest appended ones, else the trace's own (the rollup triggers follow). */
  private rescore(traceId: string): void {
    this.sql.run(
      `UPDATE traces SET score = COALESCE((SELECT overall FROM score_records WHERE trace_id = ?1 AND overall IS NOT NULL ORDER BY at DESC, key DESC LIMIT 1), own_score),
         user_score = COALESCE((SELECT user_value FROM score_records WHERE trace_id = ?1 AND user_value IS NOT NULL ORDER BY at DESC, key DESC LIMIT 1), own_user) WHERE id = ?1`,
      [traceId],
    );
  }

  applyScores(body: ScoresBody, seg: number, off: number, len: number): void {
    if (typeof body.key !== 'string' || typeof body.traceId !== 'string') return;
    if (this.sql.one('SELECT 1 FROM tombstones WHERE id = ?', [body.traceId])) return;
    const existing = this.sql.one('SELECT seg FROM score_records WHERE key = ?', [body.key]);
    if (existing) {
      if (this.isGone(existing[0])) this.sql.run('UPDATE score_records SET seg = ?, off = ?, len = ? WHERE key = ?', [seg, off, len, body.key]);
      return;
    }
    const scores = body.scores ?? [];
    this.sql.run('INSERT INTO score_records (key, trace_id, at, overall, user_value, seg, off, len) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [body.key, body.traceId, body.at, overallOf(scores), userRatingOf(scores), seg, off, len]);
    this.scored.add(body.traceId);
    this.rescore(body.traceId);
  }

  applyDelete(body: DeleteBody): void {
    for (const id of body.ids ?? []) {
      const row = this.sql.one('SELECT rowid, seg, tags FROM traces WHERE id = ?', [id]);
      if (row) {
        for (const tag of JSON.parse(String(row[2])) as string[]) this.sql.run('DELETE FROM trace_tags WHERE tag = ? AND rid = ?', [tag, row[0]!]);
        this.sql.run('DELETE FROM traces WHERE rowid = ?', [row[0]!]);
        this.sql.run('DELETE FROM score_records WHERE trace_id = ?', [id]);
      }
      this.sql.run('DELETE FROM outbox WHERE trace_id = ?', [id]); // nothing left to export (outboxRecords.ts)
      this.sql.run('DELETE FROM annotations WHERE trace_id = ?', [id]);
      this.sql.run('INSERT OR REPLACE INTO tombstones (id, seg) VALUES (?, ?)', [id, row ? row[1]! : null]);
    }
  }

  // ---- lookups ---------------------------------------------------------------------------------------

  /** Where a trace's record is: by exact id, or by a unique prefix of at least 8 characters. */
  locate(idOrPrefix: string): Location | null {
    let row = this.sql.one('SELECT id, seg, off, len FROM traces WHERE id = ?', [idOrPrefix]);
    if (!row && idOrPrefix.length >= 8) {
      const p = idOrPrefix.toLowerCase();
      const hits = this.sql.all("SELECT id, seg, off, len FROM traces WHERE id >= ? AND id < ? || '~' LIMIT 2", [p, p]);
      if (hits.length === 1) row = hits[0];
    }
    return row ? { id: String(row[0]), segment: this.nameOf(Number(row[1])), off: Number(row[2]), len: Number(row[3]) } : null;
  }

  scoreLocations(traceId: string): Array<Omit<Location, 'id'>> {
    return this.sql.all('SELECT seg, off, len FROM score_records WHERE trace_id = ? ORDER BY at, key', [traceId]).map((r) => ({ segment: this.nameOf(Number(r[0])), off: Number(r[1]), len: Number(r[2]) }));
  }

  has(id: string): boolean {
    return !!this.sql.one('SELECT 1 FROM traces WHERE id = ?', [id]);
  }

  count(): number {
    return Number(this.sql.one('SELECT COUNT(*) FROM traces')![0]);
  }

  export(): Uint8Array {
    this.flushCovered();
    return this.sql.export();
  }

  close(): void {
    this.sql.close();
  }
}
