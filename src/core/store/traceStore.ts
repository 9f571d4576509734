/**
 * The local trace store.
 *
 * Design (why it looks like this): sql.js can only persist by exporting the whole database, which costs
 * time and memory proportional to the store on every write and lets two windows overwrite each other.
 * So the database is not the durable truth here; a journal is:
 *
 * - Journal (journal/*.cdj, journal.ts + codec.ts): append-only segments of length-prefixed, CRC-32
 *   checked records, one segment per writing process (no bytes interleave, no lock on the write path).
 *   A record is acknowledged after fdatasync; concurrent saves share one sync (group commit). Persisting a
 *   trace costs one append of that trace, whatever the size of the store.
 * - Index (traceIndex.ts, in sql.js): summary columns of each trace plus (segment, offset, length) of its
 *   record. Inputs, outputs and spans stay on disk and `get` reads them lazily; the index keeps only the
 *   first characters of input and output, for text search.
 * - Snapshot (snapshot.ts): the exported index with the per-segment watermarks it covers, checksummed,
 *   written in the background, after compaction and on close. Cold open = load snapshot + read journal
 *   tails. A damaged snapshot is set aside and the index rebuilt from the journal.
 * - Readers tail other writers' segments on refresh() (replay.ts). Torn tails of dead writers and damaged
 *   records are skipped and reported in `issues` and the logger, never silently removed.
 * - Compaction (compaction.ts) under a lock file rewrites live records of closed segments into one new
 *   segment, published atomically by rename; writers never wait for it. Retention and clear() append
 *   tombstones; compaction reclaims the space.
 * - Prompt versions (promptVersions.ts): each prompt version's template is written once, with the first
 *   trace whose LLM spans used it; compaction keeps one copy per version, retention never removes them.
 * - Versions (manifest.ts): store.json carries the store version; older stores (the skeleton's
 *   traces.sqlite) are migrated forward, newer ones refused without touching a byte.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Score, TraceRecord, TraceSummary } from '../../shared/types';
import type { TraceExtras, TraceSink } from '../tracing/tracer';
import type { DeleteBody, ScoresBody, TraceBody } from './codec';
import { encodeRecord, parseBody, RecordKind } from './codec';
import type { CompactionResult } from './compaction';
import { compact } from './compaction';
import { StoreAnalysis } from './analytics';
import { tryFileLock, withFileLock } from './fileLock';
import { cleanTemporaries, retentionIds } from './housekeeping';
import type { Located } from './journal';
import { JournalWriter, readFrameAt, RecordReadError } from './journal';
import { type DeliveryQueue, JournalOutboxStore } from './outboxRecords';
import { AnnotationStore } from './annotations';
import { JOURNAL_DIR, LEGACY_FILE, prepareStoreDir, readManifest, STORE_VERSION, StoreVersionError } from './manifest';
import type { ListOptions, RetentionOptions, TraceStoreOptions } from './options';
import type { PromptVersionInfo, StoredPromptVersion } from './promptVersions';
import { listPromptVersions, PromptVersionWriter, readPromptVersion } from './promptVersions';
import type { AggregateOptions, DayAggregate, TracePage, TraceQuery } from './queries';
import { aggregateByDay, queryPage } from './queries';
import type { StoreIssue } from './replay';
import { catchUp } from './replay';
import { loadIndex, writeSnapshot } from './snapshot';
import { loadSqlJs } from './sqljs';
import { encodeTrace, unshareOutputs } from './summary';
import type { TraceIndex } from './traceIndex';

export { overallScore } from './summary';
export { StoreVersionError } from './manifest';
export type { StoreIssue } from './replay';
export type { CompactionResult } from './compaction';
export type { PromptVersionInfo, StoredPromptVersion } from './promptVersions';
export type { AggregateOptions, DayAggregate, TraceFilter, TracePage, TraceQuery } from './queries';
export type { ListOptions, RetentionOptions, StoreLogger, TraceStoreOptions } from './options';

/** Version of the store format (store.json). 1 was the walking skeleton's single traces.sqlite. */
export const SCHEMA_VERSION = STORE_VERSION;

const LOCK_FILE = 'store.lock';
const COMPACT_LOCK = 'compact.lock';
const DELETE_BATCH = 5000;
/** On close, write a snapshot if at least this many records were indexed since the last one. */
const CLOSE_SNAPSHOT_MIN = 200;

export class TraceStore implements TraceSink {
  private readonly listeners = new Set<() => void>();
  private readonly reported = new Set<string>();
  private readonly issueList: StoreIssue[] = [];
  private readonly writer: JournalWriter;
  private readonly prompts: PromptVersionWriter;
  private chain: Promise<unknown> = Promise.resolve();
  private snapshotting: Promise<void> | null = null;
  private closed = false;
  private readonly outboxes = new Map<DeliveryQueue, JournalOutboxStore>();
  private annotationStore: AnnotationStore | null = null;

  private constructor(
    readonly dir: string,
    private readonly index: TraceIndex,
    private readonly opts: TraceStoreOptions,
  ) {
    this.prompts = new PromptVersionWriter(index.sql);
    this.writer = new JournalWriter(this.journalDir, STORE_VERSION, opts.segmentMaxBytes ?? 64 * 1024 * 1024, {
      opened: (name, header, headerLen) => void this.index.addSegment(name, header, headerLen),
      sealed: (name, size) => {
        const info = this.index.segment(name);
        if (!info) return;
        this.index.markSealed(info);
        this.index.setCovered(info, size);
      },
    });
  }

  static async open(opts: TraceStoreOptions): Promise<TraceStore> {
    const SQL = await loadSqlJs(opts.wasmPath);
    const dir = opts.dir;
    const early: StoreIssue[] = [];
    const log = (message: string) => opts.logger?.info?.(message);
    await prepareStoreDir(SQL, dir, log, (fn) => withFileLock(join(dir, LOCK_FILE), fn));
    await cleanTemporaries(dir); // what processes killed mid-write left (housekeeping.ts)
    const index = await loadIndex(SQL, dir, early, log);
    const store = new TraceStore(dir, index, opts);
    for (const i of early) store.report(i);
    await store.serialize(() => store.catchUp()).catch((e: unknown) => {
      index.close();
      throw e;
    });
    if (early.length || index.dirty >= (opts.snapshotEvery ?? 2000)) store.snapshotSoon();
    return store;
  }

  get journalDir(): string {
    return join(this.dir, JOURNAL_DIR);
  }

  /** Problems found so far (damaged or torn records, rebuilt index…), oldest first. */
  get issues(): readonly StoreIssue[] {
    return this.issueList;
  }

  /** Called after this store saw new traces (its own or another process's). */
  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private emit(): void {
    for (const l of this.listeners) {
      try {
        l();
      } catch (e) {
        this.opts.logger?.warn(`Trace store: a change listener failed (${String(e)}).`);
      }
    }
  }

  private report(issue: StoreIssue): void {
    const key = `${issue.kind}|${issue.segment ?? ''}|${issue.offset ?? ''}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.issueList.push(issue);
    this.opts.logger?.warn(`Trace store: ${issue.message}`);
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private isOwn = (name: string) => name === this.writer.activeSegment || name === this.writer.openingSegment;

  private catchUp(): Promise<number> {
    return catchUp({ journalDir: this.journalDir, index: this.index, isOwn: this.isOwn, report: (i) => this.report(i) });
  }

  /**
   * Appends a record and indexes it. `early` (optional) indexes it while the sync is in flight and
   * returns an undo, or null when it must wait for durability; `apply` indexes it once durable.
   */
  private append(frame: Buffer, apply: (seg: number, loc: Located) => void, early?: (seg: number, loc: Located) => (() => void) | null): Promise<void> {
    if (this.closed) return Promise.reject(new Error('The trace store is closed.'));
    let doneEarly = false;
    const index = (loc: Located, fn: (seg: number) => void) => {
      try {
        this.index.sql.tx(() => fn(this.index.segment(loc.segment)!.seg));
      } catch (e) {
        // The record is durable; only the index missed it (a rebuild reads it again).
        this.report({ kind: 'unindexed-record', segment: loc.segment, offset: loc.off, message: `A record was saved but could not be indexed (${String(e)}).` });
      }
    };
    return this.writer
      .append(frame, {
        written: early
          ? (loc) => {
              let undo: (() => void) | null = null;
              index(loc, (seg) => (undo = early(seg, loc)));
              doneEarly = undo !== null;
              return undo ?? undefined;
            }
          : undefined,
        durable: (loc) => {
          if (!doneEarly) index(loc, (seg) => apply(seg, loc));
          this.index.dirty++;
          this.index.setCovered(this.index.segment(loc.segment)!, loc.off + loc.len);
        },
      })
      .then(() => {
        if (this.index.dirty >= (this.opts.snapshotEvery ?? 2000)) this.snapshotSoon();
      });
  }

  /** Saves a trace, and the templates of the prompt versions it used that the store lacks, in one write; resolves once durable (fsync). */
  async saveTrace(trace: TraceRecord, extras?: TraceExtras): Promise<void> {
    const at = Date.now();
    const { frame, row } = encodeTrace(at, trace);
    const p = this.prompts.prepare(frame, extras?.prompts, at);
    // A new trace is indexed while its sync is in flight (undone if the sync fails); a re-saved one after.
    const h = p.hooks(
      (seg, off) => void this.index.applyTraceRow(row, at, seg, off, frame.length),
      (seg, off) => (this.index.applyTraceRow(row, at, seg, off, frame.length, true) ? () => this.index.removeNewTrace(row.id, seg, off) : null),
    );
    await this.append(p.frame, h.apply, h.early).finally(p.release);
    this.emit();
  }

  /** A stored prompt version with its template (read from the journal), or null. */
  getPromptVersion(name: string, version: string): Promise<StoredPromptVersion | null> {
    return readPromptVersion({ journalDir: this.journalDir, index: this.index, refresh: () => this.refresh(), report: (i) => this.report(i) }, name, version);
  }

  /** Every stored prompt version once (name, version, first seen), by name then oldest first. */
  listPromptVersions(): PromptVersionInfo[] {
    return listPromptVersions(this.index.sql);
  }

  /** An export outbox kept in this store's journal (outboxRecords.ts): Opik's (default) or the OTLP push's. */
  outbox(queue: DeliveryQueue = 'trace'): JournalOutboxStore {
    return this.outboxes.get(queue) ?? this.outboxes.set(queue, new JournalOutboxStore({ dir: this.dir, index: this.index, refresh: () => this.refresh(), append: (f, a) => this.append(f, a) }, queue)).get(queue)!;
  }

  /** Review state, notes and labels of traces (annotations.ts). */
  annotations = (): AnnotationStore =>
    (this.annotationStore ??= new AnnotationStore({ dir: this.dir, sql: this.index.sql, has: (id) => this.index.has(id), refresh: () => this.refresh(), append: (f, a) => this.append(f, a), isGone: (s) => this.index.isGone(s), changed: () => this.emit() }, this.opts.now));

  /** Appends scores (a user rating, a late judge score) to a saved trace; resolves once durable. */
  async addScores(traceId: string, scores: Score[]): Promise<void> {
    if (!this.index.has(traceId)) await this.refresh();
    if (!this.index.has(traceId)) throw new Error(`There is no trace ${traceId} in the store.`);
    const body: ScoresBody = { at: Date.now(), key: randomUUID(), traceId, scores };
    await this.append(encodeRecord(RecordKind.Scores, body), (seg, loc) => this.index.applyScores(body, seg, loc.off, loc.len));
    this.emit();
  }

  /** A whole trace (payloads read from the journal, appended scores included unless `appended: false`), or null. Accepts a unique id prefix of at least 8 characters. */
  async get(idOrPrefix: string, opts: { appended?: boolean } = {}): Promise<TraceRecord | null> {
    for (let attempt = 0; ; attempt++) {
      const loc = this.index.locate(idOrPrefix);
      if (!loc) return null;
      try {
        const rec = await readFrameAt(join(this.journalDir, loc.segment), loc.off, loc.len);
        const trace = unshareOutputs(parseBody<TraceBody>(rec).trace);
        if (trace?.id !== loc.id) throw new RecordReadError(`the record at ${loc.segment}:${loc.off} is not trace ${loc.id}`, 'damaged');
        for (const s of opts.appended === false ? [] : this.index.scoreLocations(loc.id)) {
          try {
            const extra = parseBody<ScoresBody>(await readFrameAt(join(this.journalDir, s.segment), s.off, s.len));
            trace.scores = [...(trace.scores ?? []), ...extra.scores];
          } catch (e) {
            if (e instanceof RecordReadError && e.code === 'missing') throw e;
            this.report({ kind: 'damaged-record', segment: s.segment, offset: s.off, message: `Scores added to trace ${loc.id} could not be read (${String(e)}); the trace is shown without them.` });
          }
        }
        const annotation = this.annotations().get(loc.id);
        if (annotation) trace.annotation = annotation;
        return trace;
      } catch (e) {
        // Compaction in another process moved the record: catch up and look again.
        if (e instanceof RecordReadError && e.code === 'missing' && attempt === 0) {
          await this.refresh();
          continue;
        }
        if (e instanceof RecordReadError && e.code === 'damaged') {
          this.report({ kind: 'damaged-record', segment: loc.segment, offset: loc.off, message: `Trace ${loc.id} could not be read: ${e.message}.` });
          throw new Error(`Trace ${loc.id} is damaged on disk (${e.message}). Its summary is still listed; the rest of the store is fine.`);
        }
        throw e;
      }
    }
  }

  /** The newest traces, newest first. */
  list(opts: ListOptions = {}): TraceSummary[] {
    return queryPage(this.index.sql, { limit: Math.max(1, Math.min(opts.limit ?? 200, 10_000)) }, 10_000).items;
  }

  /** A page of traces, newest first, with filters and text search; page on with `nextCursor`. */
  query(q: TraceQuery = {}): TracePage {
    return queryPage(this.index.sql, q);
  }

  /** Per-day totals for dashboards. */
  aggregates(opts: AggregateOptions): DayAggregate[] {
    return aggregateByDay(this.index.sql, opts);
  }

  /** The dashboard's queries: rollups, comparisons, error groups, calibration (analytics.ts). */
  analysis = (): StoreAnalysis => new StoreAnalysis(this.index.sql);
  count(): number {
    return this.index.count();
  }

  /** Reads what other processes appended since the last look. Returns how many records were new. */
  refresh(): Promise<number> {
    return this.serialize(async () => {
      const n = await this.catchUp();
      if (n > 0) this.emit();
      if (this.index.dirty >= (this.opts.snapshotEvery ?? 2000)) this.snapshotSoon();
      return n;
    });
  }

  /** Appends the tombstones, tells the listeners when something went, and returns how many. */
  private async deleteIds(ids: string[], reason: DeleteBody['reason']): Promise<number> {
    for (let i = 0; i < ids.length; i += DELETE_BATCH) {
      const body: DeleteBody = { at: Date.now(), ids: ids.slice(i, i + DELETE_BATCH), reason };
      await this.append(encodeRecord(RecordKind.Delete, body), () => this.index.applyDelete(body));
    }
    if (ids.length) this.emit();
    return ids.length;
  }

  /** Removes traces beyond `maxTraces` (oldest first) and older than `maxDays`. Space is reclaimed by compact(). */
  applyRetention(opts: RetentionOptions): Promise<{ deleted: number }> {
    return this.serialize(async () => {
      await this.catchUp();
      return { deleted: await this.deleteIds(retentionIds(this.index.sql, opts, (this.opts.now ?? Date.now)()), 'retention') };
    });
  }

  /** Deletes these traces (the user's "Delete"); ids not in the store are ignored. Space is reclaimed by compact(). */
  deleteTraces(ids: readonly string[]): Promise<{ deleted: number }> {
    return this.serialize(async () => {
      await this.catchUp();
      const known = ids.filter((id) => this.index.sql.all('SELECT 1 FROM traces WHERE id = ?', [id]).length > 0);
      return { deleted: await this.deleteIds(known, 'user') };
    });
  }

  /** "Clear History": removes every trace (also the pre-migration backup and quarantined segments) and reclaims the space. */
  clear(): Promise<{ deleted: number; compaction: CompactionResult | null }> {
    return this.serialize(async () => {
      await this.catchUp();
      const ids = this.index.sql.all('SELECT id FROM traces').map((r) => String(r[0]));
      await this.deleteIds(ids, 'clear');
      const compaction = await this.compactNow(true);
      for (const f of await fs.readdir(this.dir)) if (f.startsWith(`${LEGACY_FILE}.v1-`)) await fs.rm(join(this.dir, f), { force: true });
      await fs.rm(join(this.journalDir, 'damaged'), { recursive: true, force: true });
      return { deleted: ids.length, compaction };
    });
  }

  /**
   * Rewrites closed segments without their deleted records. Safe to call any time (another process
   * compacting makes this a no-op); `force` also seals this process's segment and compacts even when
   * there is little to gain.
   */
  compact(opts: { force?: boolean } = {}): Promise<CompactionResult | null> {
    return this.serialize(() => this.compactNow(opts.force ?? false));
  }

  private async compactNow(force: boolean): Promise<CompactionResult | null> {
    if (force) await this.writer.seal();
    const r = await tryFileLock(join(this.dir, COMPACT_LOCK), async () => {
      const manifest = await readManifest(this.dir);
      if (manifest && manifest.version > STORE_VERSION) throw new StoreVersionError(this.dir, manifest.version);
      await this.catchUp();
      return compact({ journalDir: this.journalDir, index: this.index, isOwn: this.isOwn, report: (i) => this.report(i), force });
    });
    if (!r.ran) return null;
    if (r.value.ran) {
      this.opts.logger?.info?.(`Trace store compacted ${r.value.segmentsIn} segment(s), ${r.value.bytesIn} → ${r.value.bytesOut} bytes in ${r.value.ms.toFixed(0)} ms.`);
      await this.writeSnapshotNow();
    }
    return r.value;
  }

  private snapshotSoon(): void {
    if (this.snapshotting || this.closed) return;
    this.snapshotting = this.serialize(() => this.writeSnapshotNow()).finally(() => (this.snapshotting = null));
  }

  private async writeSnapshotNow(): Promise<void> {
    try {
      const bytes = this.index.export();
      this.index.dirty = 0;
      await writeSnapshot(this.dir, bytes);
    } catch (e) {
      this.opts.logger?.warn(`Trace store: could not write the index snapshot (${String(e)}); the next open reads more of the journal.`);
    }
  }

  /** Waits for pending writes, seals this process's segment, snapshots the index if worthwhile, releases memory. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writer.close();
    await this.chain;
    if (this.index.dirty >= Math.min(CLOSE_SNAPSHOT_MIN, this.opts.snapshotEvery ?? CLOSE_SNAPSHOT_MIN)) await this.writeSnapshotNow();
    this.index.close();
  }
}
