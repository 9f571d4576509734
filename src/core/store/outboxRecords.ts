import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { DueExperiment, DueScoreUpdate, DueTrace, FailureMark, OutboxStatus, OutboxStore } from '../opik/outbox';
import { failedEntry, newEntry, retriedEntry, sentEntry, statusOf } from '../opik/outboxEntry';
import type { CarriedOutboxEntry, DeliveryQueue, OutboxScoreEntry, OutboxTraceEntry } from '../opik/outboxPort';

export type { DeliveryQueue } from '../opik/outboxPort';
import type { OutboxBody } from './codec';
import { applyOutbox, isScoreEntry, isTraceEntry, Q_EXPERIMENT, Q_SCORES, Q_TRACE, QUEUE_NAMES, QUEUES } from './outboxIndex';
import { encodeRecord, RecordKind } from './codec';
import { withFileLock } from './fileLock';
import type { DeliveryLease } from '../delivery/lease';
import { FileDeliveryLease } from './deliveryLease';
import type { Located } from './journal';
import type { Sql } from './sqljs';
import type { TraceIndex } from './traceIndex';

/**
 * The Opik export outbox kept in the trace store's journal (the `OutboxStore` port of opik/outbox.ts;
 * opik/fileOutbox.ts is the reference semantics).
 *
 * - Journal: every change is one record carrying the entry's whole new state (codec.ts `OutboxBody`):
 *   kind 16 (OutboxEnqueue) when a trace or a score update is queued, kind 17 (OutboxState) for every
 *   later change. Each trace has up to three entries, queue 'trace' (its Opik delivery), 'otlp' (its OTLP
 *   push, same entry shape; `store.outbox('otlp')`) and queue 'scores' (its pending score update; a null
 *   entry = none). Experiments have one entry each, queue 'experiment', keyed by run id (in the `traceId`
 *   field and column), delivered with the Opik queue. A record's `rev` is one more than the entry's revision
 *   the writer saw (a null trace or experiment entry: given up with `codi opik sync --drop-failed`); the index
 *   keeps the highest (ties, which the lock below makes theoretical: later `at`, then key).
 *   Score-update sequence numbers are the revision that queued them, so they never repeat for a trace.
 * - Writes: each mutation takes the store's outbox lock file (so read-modify-write is exact across
 *   processes, as with the JSON file), catches up with the journal, and appends one fsynced record;
 *   the promise resolves once it is durable and indexed. A mutation that changes nothing writes nothing.
 * - Reads: from the index (table `outbox`) after `refresh()`, i.e. with other processes' records.
 * - Compaction copies only each entry's latest record (the index knows only that one).
 * - Deleted traces (retention, "Clear History", user): their outbox entries are dropped from the index
 *   by the Delete record, and records for a tombstoned id are ignored, so compaction stops carrying them
 *   and `state()` says 'off' (there is nothing left to export). Known limit, as for appended scores: a
 *   rebuild after the tombstone itself was compacted away may re-read an older entry still sitting in a
 *   live writer's segment; the worker then marks it failed ("no longer in the local store").
 */

const LOCK_FILE = 'outbox.lock';

/** What JournalOutboxStore needs from the TraceStore (TraceStore.outbox() wires it). */
export interface OutboxHost {
  readonly dir: string;
  readonly index: TraceIndex;
  /** Catches up with other processes' records. */
  refresh(): Promise<unknown>;
  /** Appends frames; `apply` indexes them once durable (fsync); resolves after that. */
  append(frame: Buffer, apply: (seg: number, loc: Located) => void): Promise<void>;
}

interface Current<E> {
  rev: number;
  entry: E | null;
}

interface Change {
  kind: typeof RecordKind.OutboxEnqueue | typeof RecordKind.OutboxState;
  body: OutboxBody;
}

const OFF: OutboxStatus = { state: 'off', url: null, lastError: null, attempts: 0, nextAttemptAt: null, sentAt: null, projectId: null };

/** The OutboxStore kept in a TraceStore's journal: get it with `store.outbox()` (Opik) or `store.outbox('otlp')`. */
export class JournalOutboxStore implements OutboxStore {
  private chain: Promise<unknown> = Promise.resolve();
  private deliveryLease: DeliveryLease | null = null;
  /** The delivery queue's number (score updates belong to Opik's queue only). */
  private readonly q: number;

  constructor(
    private readonly host: OutboxHost,
    private readonly queue: DeliveryQueue = 'trace',
  ) {
    this.q = QUEUES[queue];
  }

  private get sql(): Sql {
    return this.host.index.sql;
  }

  /** Waits for this process's outbox writes, then catches up with the journal. */
  private async fresh(): Promise<Sql> {
    await this.chain;
    await this.host.refresh();
    return this.sql;
  }

  /** Runs `f` after earlier mutations, under the outbox lock, on an up-to-date index; appends its changes durably. */
  private mutate<T>(f: () => { changes: Change[]; result: T }): Promise<T> {
    const next = this.chain.then(() =>
      withFileLock(join(this.host.dir, LOCK_FILE), async () => {
        await this.host.refresh();
        const { changes, result } = f();
        if (changes.length) await this.write(changes);
        return result;
      }),
    );
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async write(changes: Change[]): Promise<void> {
    const frames = changes.map((c) => encodeRecord(c.kind, c.body));
    await this.host.append(frames.length === 1 ? frames[0]! : Buffer.concat(frames), (seg, loc) => {
      let off = loc.off;
      changes.forEach((c, i) => {
        applyOutbox(this.sql, c.body, seg, off, frames[i]!.length, () => false);
        off += frames[i]!.length;
      });
    });
  }

  /** The index queues this outbox delivers (SQL list): Opik's traces and experiments, or the OTLP push's traces. */
  private deliveries(): string {
    return this.q === Q_TRACE ? `${Q_TRACE}, ${Q_EXPERIMENT}` : String(this.q);
  }

  private current<E>(traceId: string, queue: number): Current<E> | null {
    const row = this.sql.one('SELECT rev, entry FROM outbox WHERE trace_id = ? AND queue = ?', [traceId, queue]);
    return row ? { rev: Number(row[0]), entry: row[1] === null ? null : (JSON.parse(String(row[1])) as E) } : null;
  }

  private change(kind: Change['kind'], traceId: string, queue: OutboxBody['queue'], prevRev: number, at: number, entry: OutboxTraceEntry | OutboxScoreEntry | null): Change {
    return { kind, body: { at, key: randomUUID(), traceId, queue, rev: prevRev + 1, entry } };
  }

  private traceChange(traceId: string, f: (e: OutboxTraceEntry) => OutboxTraceEntry | null, at: number): Change[] {
    const cur = this.current<OutboxTraceEntry>(traceId, this.q);
    const next = cur?.entry ? f({ ...cur.entry }) : null;
    return cur && next ? [this.change(RecordKind.OutboxState, traceId, this.queue, cur.rev, at, next)] : [];
  }

  private scoreChange(traceId: string, seq: number, f: (s: OutboxScoreEntry) => OutboxScoreEntry | null, at: number): Change[] {
    const cur = this.current<OutboxScoreEntry>(traceId, Q_SCORES);
    if (!cur?.entry || cur.entry.seq !== seq) return [];
    return [this.change(RecordKind.OutboxState, traceId, 'scores', cur.rev, at, f({ ...cur.entry }))];
  }

  enqueue(traceId: string, now: number): Promise<void> {
    return this.mutate(() => {
      const cur = this.current(traceId, this.q);
      if (cur?.entry) return { changes: [], result: undefined };
      const entry: OutboxTraceEntry = { state: 'pending', enqueuedAt: now, attempts: 0, nextAttemptAt: null, lastError: null, sentAt: null, projectId: null, url: null };
      return { changes: [this.change(RecordKind.OutboxEnqueue, traceId, this.queue, cur?.rev ?? 0, now, entry)], result: undefined };
    });
  }

  async due(now: number, limit: number): Promise<DueTrace[]> {
    const sql = await this.fresh();
    return sql
      .all("SELECT trace_id, entry FROM outbox WHERE queue = ? AND status = 'pending' AND (next_at IS NULL OR next_at <= ?) ORDER BY order_at, trace_id LIMIT ?", [this.q, now, Math.max(0, limit)])
      .map(([id, entry]) => ({ traceId: String(id), attempts: (JSON.parse(String(entry)) as OutboxTraceEntry).attempts }));
  }

  markSent(traceId: string, info: { projectId: string | null; url: string | null; at: number }): Promise<void> {
    return this.mutate(() => ({
      changes: this.traceChange(traceId, (e) => ({ ...e, state: 'sent', sentAt: info.at, projectId: info.projectId, url: info.url, lastError: null, nextAttemptAt: null }), info.at),
      result: undefined,
    }));
  }

  markFailed(traceId: string, info: FailureMark): Promise<void> {
    return this.mutate(() => ({
      changes: this.traceChange(
        traceId,
        (e) => (e.state === 'sent' ? null : { ...e, attempts: e.attempts + 1, lastError: info.error, nextAttemptAt: info.permanent ? null : info.nextAttemptAt, state: info.permanent ? 'failed' : 'pending' }),
        info.at,
      ),
      result: undefined,
    }));
  }

  async state(traceId: string): Promise<OutboxStatus> {
    await this.fresh();
    const e = this.current<OutboxTraceEntry>(traceId, this.q)?.entry;
    if (!e) return { ...OFF };
    return { state: e.state, url: e.url, lastError: e.lastError, attempts: e.attempts, nextAttemptAt: e.nextAttemptAt, sentAt: e.sentAt, projectId: e.projectId };
  }

  async pendingCount(): Promise<number> {
    const sql = await this.fresh();
    const traces = Number(sql.one(`SELECT COUNT(*) FROM outbox WHERE queue IN (${this.deliveries()}) AND status = 'pending'`)![0]);
    if (this.q !== Q_TRACE) return traces;
    const scores = Number(sql.one("SELECT COUNT(*) FROM outbox AS s JOIN outbox AS t ON t.trace_id = s.trace_id AND t.queue = 0 AND t.status = 'sent' WHERE s.queue = 1 AND s.status = 'queued'")![0]);
    return traces + scores;
  }

  async failedCount(): Promise<number> {
    const sql = await this.fresh();
    return Number(sql.one(`SELECT COUNT(*) FROM outbox WHERE queue IN (${this.deliveries()}) AND status = 'failed'`)![0]);
  }

  retryFailed(now: number): Promise<number> {
    return this.mutate(() => {
      const changes: Change[] = [];
      for (const [id, q, rev, entry] of this.sql.all(`SELECT trace_id, queue, rev, entry FROM outbox WHERE queue IN (${this.deliveries()}) AND status = 'failed'`)) {
        const e = JSON.parse(String(entry)) as OutboxTraceEntry;
        changes.push(this.change(RecordKind.OutboxState, String(id), QUEUE_NAMES[Number(q)]!, Number(rev), now, retriedEntry(e, now)));
      }
      const traces = changes.length;
      if (this.q !== Q_TRACE) return { changes, result: traces };
      for (const [id, rev, entry] of this.sql.all("SELECT trace_id, rev, entry FROM outbox WHERE queue = 1 AND status = 'failed'")) {
        const s = JSON.parse(String(entry)) as OutboxScoreEntry;
        changes.push(this.change(RecordKind.OutboxState, String(id), 'scores', Number(rev), now, { ...s, permanent: false, attempts: 0, nextAttemptAt: now }));
      }
      return { changes, result: traces };
    });
  }

  enqueueScoreUpdate(traceId: string, now: number): Promise<void> {
    return this.mutate(() => {
      const rev = this.current<OutboxScoreEntry>(traceId, Q_SCORES)?.rev ?? 0;
      const entry: OutboxScoreEntry = { seq: rev + 1, requestedAt: now, attempts: 0, nextAttemptAt: null, lastError: null, permanent: false };
      return { changes: [this.change(RecordKind.OutboxEnqueue, traceId, 'scores', rev, now, entry)], result: undefined };
    });
  }

  async dueScoreUpdates(now: number, limit: number): Promise<DueScoreUpdate[]> {
    const sql = await this.fresh();
    return sql
      .all(
        `SELECT s.trace_id, s.entry FROM outbox AS s JOIN outbox AS t ON t.trace_id = s.trace_id AND t.queue = 0 AND t.status = 'sent'
         WHERE s.queue = 1 AND s.status = 'queued' AND (s.next_at IS NULL OR s.next_at <= ?) ORDER BY s.order_at, s.trace_id LIMIT ?`,
        [now, Math.max(0, limit)],
      )
      .map(([id, entry]) => {
        const s = JSON.parse(String(entry)) as OutboxScoreEntry;
        return { traceId: String(id), seq: s.seq, attempts: s.attempts };
      });
  }

  markScoresSent(traceId: string, seq: number, at: number): Promise<void> {
    return this.mutate(() => ({ changes: this.scoreChange(traceId, seq, () => null, at), result: undefined }));
  }

  markScoresFailed(traceId: string, seq: number, info: FailureMark): Promise<void> {
    return this.mutate(() => ({
      changes: this.scoreChange(traceId, seq, (s) => ({ ...s, attempts: s.attempts + 1, lastError: info.error, nextAttemptAt: info.nextAttemptAt, permanent: info.permanent }), info.at),
      result: undefined,
    }));
  }

  /** Permanently failed traces and experiments (`experiment: true`, id = run id), oldest first, with why (`codi opik status`). */
  async failedEntries(): Promise<Array<{ traceId: string; lastError: string | null; attempts: number; enqueuedAt: number; experiment?: true }>> {
    const sql = await this.fresh();
    return sql.all("SELECT trace_id, entry, queue FROM outbox WHERE queue IN (0, 2) AND status = 'failed' ORDER BY order_at, trace_id").map(([id, entry, queue]) => {
      const e = JSON.parse(String(entry)) as OutboxTraceEntry;
      return { traceId: String(id), lastError: e.lastError, attempts: e.attempts, enqueuedAt: e.enqueuedAt, ...(Number(queue) === Q_EXPERIMENT ? { experiment: true as const } : {}) };
    });
  }

  /** When the earliest pending trace may be tried again (Retry-After or backoff), or null when any is due now (or none waits). */
  async nextAttemptAt(): Promise<number | null> {
    const sql = await this.fresh();
    const [waiting, dueNow, earliest] = sql.one("SELECT COUNT(*), COUNT(*) - COUNT(next_at), MIN(next_at) FROM outbox WHERE queue = 0 AND status = 'pending'")!;
    return Number(waiting) === 0 || Number(dueNow) > 0 ? null : Number(earliest);
  }

  /**
   * Gives up permanently failed traces (and their score updates) and experiments: no longer exported; `enqueue`
   * (`enqueueExperiment`) queues one again. Returns their ids (run ids for experiments).
   */
  dropFailed(now: number): Promise<string[]> {
    return this.mutate(() => {
      const changes: Change[] = [];
      const ids: string[] = [];
      for (const [id, rev] of this.sql.all("SELECT trace_id, rev FROM outbox WHERE queue = 2 AND status = 'failed'")) {
        ids.push(String(id));
        changes.push(this.change(RecordKind.OutboxState, String(id), 'experiment', Number(rev), now, null));
      }
      for (const [id, rev] of this.sql.all("SELECT trace_id, rev FROM outbox WHERE queue = 0 AND status = 'failed'")) {
        ids.push(String(id));
        changes.push(this.change(RecordKind.OutboxState, String(id), 'trace', Number(rev), now, null));
        const s = this.current<OutboxScoreEntry>(String(id), Q_SCORES);
        if (s?.entry) changes.push(this.change(RecordKind.OutboxState, String(id), 'scores', s.rev, now, null));
      }
      return { changes, result: ids };
    });
  }

  /** Every entry (a trace's delivery state and its pending score update), to carry this outbox into another store. */
  async entries(): Promise<CarriedOutboxEntry[]> {
    const sql = await this.fresh();
    const out = new Map<string, CarriedOutboxEntry>();
    for (const [id, queue, entry] of sql.all('SELECT trace_id, queue, entry FROM outbox WHERE entry IS NOT NULL AND queue IN (0, 1) ORDER BY order_at, trace_id')) {
      const e = out.get(String(id)) ?? { traceId: String(id), trace: null, scores: null };
      if (Number(queue) === Q_TRACE) e.trace = JSON.parse(String(entry)) as OutboxTraceEntry;
      else e.scores = JSON.parse(String(entry)) as OutboxScoreEntry;
      out.set(e.traceId, e);
    }
    return [...out.values()];
  }

  /**
   * Takes entries from another outbox (the old global-storage store, the CLI's opik-outbox.json): a queue this
   * outbox has no entry in for that trace gets the carried state; one it has is left as it is. So a move
   * interrupted and run again adds nothing twice. Returns how many traces gained an entry.
   */
  adopt(entries: readonly CarriedOutboxEntry[], at: number): Promise<number> {
    return this.mutate(() => {
      const changes: Change[] = [];
      const taken = new Set<string>();
      for (const c of entries) {
        const cur = this.current(c.traceId, Q_TRACE);
        if (isTraceEntry(c.trace) && !cur?.entry) {
          changes.push(this.change(RecordKind.OutboxEnqueue, c.traceId, 'trace', cur?.rev ?? 0, at, c.trace));
          taken.add(c.traceId);
        }
        // A score update's sequence number is the revision that queued it here (see the design note above).
        if (isScoreEntry(c.scores) && !this.current(c.traceId, Q_SCORES)?.entry) {
          const rev = this.current<OutboxScoreEntry>(c.traceId, Q_SCORES)?.rev ?? 0;
          changes.push(this.change(RecordKind.OutboxEnqueue, c.traceId, 'scores', rev, at, { ...c.scores, seq: rev + 1 }));
          taken.add(c.traceId);
        }
      }
      return { changes, result: taken.size };
    });
  }

  enqueueExperiment(runId: string, now: number): Promise<void> {
    return this.mutate(() => {
      const cur = this.current(runId, Q_EXPERIMENT);
      if (cur?.entry) return { changes: [], result: undefined };
      return { changes: [this.change(RecordKind.OutboxEnqueue, runId, 'experiment', cur?.rev ?? 0, now, newEntry(now))], result: undefined };
    });
  }

  async dueExperiments(now: number, limit: number): Promise<DueExperiment[]> {
    const sql = await this.fresh();
    return sql
      .all("SELECT trace_id, entry FROM outbox WHERE queue = 2 AND status = 'pending' AND (next_at IS NULL OR next_at <= ?) ORDER BY order_at, trace_id LIMIT ?", [now, Math.max(0, limit)])
      .map(([id, entry]) => ({ runId: String(id), attempts: (JSON.parse(String(entry)) as OutboxTraceEntry).attempts }));
  }

  private experimentChange(runId: string, f: (e: OutboxTraceEntry) => OutboxTraceEntry | null, at: number): Change[] {
    const cur = this.current<OutboxTraceEntry>(runId, Q_EXPERIMENT);
    const next = cur?.entry ? f({ ...cur.entry }) : null;
    return cur && next ? [this.change(RecordKind.OutboxState, runId, 'experiment', cur.rev, at, next)] : [];
  }

  markExperimentSent(runId: string, info: { projectId: string | null; url: string | null; at: number }): Promise<void> {
    return this.mutate(() => ({ changes: this.experimentChange(runId, (e) => sentEntry(e, info), info.at), result: undefined }));
  }

  markExperimentFailed(runId: string, info: FailureMark): Promise<void> {
    return this.mutate(() => ({ changes: this.experimentChange(runId, (e) => failedEntry(e, info), info.at), result: undefined }));
  }

  async experimentState(runId: string): Promise<OutboxStatus> {
    await this.fresh();
    return statusOf(this.current<OutboxTraceEntry>(runId, Q_EXPERIMENT)?.entry);
  }

  /** This queue's delivery lease (deliveryLease.ts), one per store instance: a second TraceStore on the folder is another deliverer. */
  lease(client: string): DeliveryLease {
    return (this.deliveryLease ??= new FileDeliveryLease(join(this.host.dir, `${this.queue === 'trace' ? 'opik' : this.queue}-delivery.lease`), client));
  }

  /** Waits for this process's pending outbox writes (tests). */
  async flush(): Promise<void> {
    await this.chain;
  }
}
