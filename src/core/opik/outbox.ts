/**
 * The durable outbox of the Opik export: a port the store implements (`OutboxStore`) and the worker that
 * drains it (`OutboxWorker`). A finished trace is enqueued by id; the worker loads it from the store when
 * it is due, sends it (trace + spans + scores), and marks it sent only after Opik acknowledged every part.
 * Failures are recorded on the entry with the time of the next attempt, so retries survive restarts.
 *
 * States seen by the UI/CLI: 'off' (never enqueued: export was off), 'pending' (not delivered yet; after
 * a retryable failure `lastError` says why), 'sent' (acknowledged; `url` opens it in Opik), 'failed'
 * (permanent: Opik refused this trace, e.g. its id is outside the ingestion window; `retryFailed()`
 * re-queues).
 *
 * Score updates (a rating or a late judge score added after the trace was sent) go through a second,
 * small queue: `scoresChanged(traceId)` bumps a sequence number; the worker re-sends every current score
 * of that trace (upsert by entity + name) and clears the entry only if no newer change arrived meanwhile.
 *
 * Experiments (dataset runs) go through a third queue, drained after traces and scores:
 * `enqueueExperiment(runId)`; the worker loads the run and its cases (`loadExperiment`), sends the dataset,
 * its items, the experiment and its items (sender.ts `deliverExperiment`), and marks it sent with its Opik
 * link once every part was acknowledged. Failures are classified and retried exactly as for traces.
 *
 * Timing, pauses and exclusivity are the shared DeliveryLoop's (delivery/loop.ts): each pass holds the
 * store's Opik delivery lease, so a VS Code window and a `codi` command never deliver the same entries at once.
 */
import type { TraceRecord } from '../../shared/types';
import type { OpikConfig } from './config';
import type { ExperimentExport } from './experimentPayload';
import type { Redactor } from '../redact/redact';
import type { BackoffPolicy, DeliveryFailure } from './sender';
import { classifyFailure, DEFAULT_BACKOFF, OpikSender, pauseFor } from './sender';
import type { OpikTransport } from './transport';
import type { DeliveryLease, LeaseHolder } from '../delivery/lease';
import { DeliveryLoop } from '../delivery/loop';

export type { OpikExportState, OutboxTraceEntry, OutboxScoreEntry, OutboxStatus, DueTrace, DueScoreUpdate, DueExperiment, FailureMark, OutboxStore, SyncResult, OutboxChange } from './outboxPort';
import type { FailureMark, OpikExportState, OutboxChange, OutboxStatus, OutboxStore, SyncResult } from './outboxPort';

export interface OutboxWorkerOptions {
  store: OutboxStore;
  /** Loads a trace with spans and scores; null when it no longer exists. */
  loadTrace(traceId: string): Promise<TraceRecord | null>;
  /** Loads a stored experiment run with its cases; null when it no longer exists (no experiments: omit). */
  loadExperiment?(runId: string): Promise<ExperimentExport | null>;
  /** Builds the transport on first delivery, e.g. `() => createSdkTransport(config)` (loads the SDK). */
  connect(): Promise<OpikTransport>;
  config: OpikConfig;
  redactor: Redactor;
  clientVersion?: string | null;
  client?: string;
  backoff?: BackoffPolicy;
  /** Traces per request (default 20). */
  batchSize?: number;
  /** Re-check for not-yet-due entries this often while some are pending (default 60 s). */
  pollMs?: number;
  now?(): number;
  random?(): number;
  log?(level: 'info' | 'warn' | 'error', message: string): void;
  /** After every state change (status bar, tree items). */
  onDidChange?(change: OutboxChange): void;
  /** Delivery lease shared with other processes on the store; default: the store's (`store.lease`), none without one. */
  lease?: DeliveryLease | null;
  /** Try the lease again this long after another process held it (default 15 s). */
  leaseRetryMs?: number;
}

/** `due(FORCE_NOW, …)` returns every pending entry regardless of its backoff (Sync Now). */
export const FORCE_NOW = Number.MAX_SAFE_INTEGER;

export class OutboxWorker {
  private readonly store: OutboxStore;
  private readonly backoff: BackoffPolicy;
  private readonly batchSize: number;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly loop: DeliveryLoop<SyncResult>;
  private sender: Promise<OpikSender> | null = null;
  /** The current pass's lease check: false once another process took the queue over (stop before the next request). */
  private holds: () => Promise<boolean> = () => Promise.resolve(true);

  constructor(private readonly opts: OutboxWorkerOptions) {
    this.store = opts.store;
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.batchSize = Math.max(1, opts.batchSize ?? 20);
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.loop = new DeliveryLoop<SyncResult>({
      label: 'Opik export',
      what: 'The Opik outbox',
      drain: (force, holds) => this.drain(force, holds),
      elsewhere: (message, holder) => this.leftTo(message, holder),
      lease: opts.lease !== undefined ? opts.lease : (opts.store.lease?.(opts.client ?? 'codi') ?? null),
      pollMs: opts.pollMs ?? 60_000,
      leaseRetryMs: opts.leaseRetryMs,
      now: this.now,
      log: opts.log,
    });
  }

  /** Starts timer-driven delivery (first drain right away). */
  start(): void {
    this.loop.start();
  }

  /** Stops the timer and waits for a drain in progress. The worker can be started again. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Queues a finished trace and schedules delivery (respecting a pause after a global failure). */
  async enqueue(traceId: string): Promise<void> {
    await this.store.enqueue(traceId, this.now());
    await this.changed(traceId);
    this.kick();
  }

  /** Queues a finished experiment run (its traces are queued by `enqueue`, each) and schedules delivery. */
  async enqueueExperiment(runId: string): Promise<void> {
    await this.store.enqueueExperiment(runId, this.now());
    await this.changed(null);
    this.kick();
  }

  /** Export state of an experiment run; `url` opens it in Opik once sent. */
  experimentStatus(runId: string): Promise<OutboxStatus> {
    return this.store.experimentState(runId);
  }

  /** A score was added/changed on a trace: sent traces get a feedback-score update. */
  async scoresChanged(traceId: string): Promise<void> {
    const s = await this.store.state(traceId);
    if (s.state === 'off' || s.state === 'failed') return;
    await this.store.enqueueScoreUpdate(traceId, this.now());
    this.kick();
  }

  /**
   * Delivers everything pending now, ignoring backoff (stops at the first global failure). Waits up to
   * `leaseWaitMs` (default 10 s) while another process delivers; then reports it in `deliveredBy`.
   */
  syncNow(leaseWaitMs?: number): Promise<SyncResult> {
    return this.loop.syncNow(leaseWaitMs);
  }

  async retryFailed(): Promise<number> {
    const n = await this.store.retryFailed(this.now());
    if (n) this.kick();
    return n;
  }

  /** Export state of one trace, with the link filled in when the project id became known later. */
  async status(traceId: string): Promise<OutboxStatus> {
    const s = await this.store.state(traceId);
    if (s.state !== 'sent' || s.url || !this.sender) return s;
    const sender = await this.sender.catch(() => null);
    const url = sender?.link(traceId, s.projectId ?? sender.knownProjectId) ?? null;
    return { ...s, url };
  }

  pendingCount(): Promise<number> {
    return this.store.pendingCount();
  }

  /** The last global failure not yet followed by a successful delivery (status bar), or null. */
  get lastError(): string | null {
    return this.loop.lastError;
  }

  private kick(): void {
    this.loop.kick();
  }

  private getSender(): Promise<OpikSender> {
    this.sender ??= this.opts.connect().then(
      (t) => new OpikSender(t, { config: this.opts.config, redactor: this.opts.redactor, clientVersion: this.opts.clientVersion, client: this.opts.client }),
      (err: unknown) => {
        this.sender = null;
        throw err;
      },
    );
    return this.sender;
  }

  private async changed(traceId: string | null, state: OpikExportState | null = null): Promise<void> {
    if (!this.opts.onDidChange) return;
    this.opts.onDidChange({ traceId, state, pending: await this.store.pendingCount() });
  }

  /** Records a global failure: pause, remember why; returns when to try again. */
  private pause(f: DeliveryFailure): number {
    return this.loop.pause(f.message, (n) => pauseFor(f, n, this.backoff, this.random));
  }

  /** A pass another process's lease kept from delivering: the counts, and who delivers. */
  private async leftTo(message: string, holder: LeaseHolder | null): Promise<SyncResult> {
    const [pending, permanentlyFailed] = [await this.store.pendingCount(), await this.store.failedCount()];
    return { sent: 0, failed: 0, pending, permanentlyFailed, scoresSent: 0, experimentsSent: 0, lastError: message, deliveredBy: holder };
  }

  private async drain(force: boolean, holds: () => Promise<boolean>): Promise<SyncResult> {
    const result: SyncResult = { sent: 0, failed: 0, pending: 0, permanentlyFailed: 0, scoresSent: 0, experimentsSent: 0, lastError: null };
    this.holds = holds;
    if (this.loop.mayDeliver(force) && (await this.hasWork(force))) {
      let sender: OpikSender | null = null;
      try {
        sender = await this.getSender();
      } catch (err) {
        const f = classifyFailure(err, this.opts.config.url);
        this.pause(f.kind === 'internal' ? { ...f, global: true, retryable: true, message: `Could not load the Opik SDK: ${f.message}` } : f);
      }
      if (sender && (await this.drainTraces(sender, force, result)) && (await this.drainScores(sender, force, result))) await this.drainExperiments(sender, force, result);
    }
    result.pending = await this.store.pendingCount();
    result.permanentlyFailed = await this.store.failedCount();
    result.lastError = this.loop.lastError;
    return result;
  }

  /** Anything to send? (The SDK is loaded only when there is.) */
  private async hasWork(force: boolean): Promise<boolean> {
    const at = force ? FORCE_NOW : this.now();
    return (await this.store.due(at, 1)).length > 0 || (await this.store.dueScoreUpdates(at, 1)).length > 0 || (await this.store.dueExperiments(at, 1)).length > 0;
  }

  /** False when a global failure stopped it. */
  private async drainTraces(sender: OpikSender, force: boolean, result: SyncResult): Promise<boolean> {
    const seen = new Set<string>();
    for (;;) {
      const due = (await this.store.due(force ? FORCE_NOW : this.now(), this.batchSize)).filter((d) => !seen.has(d.traceId));
      if (due.length === 0) return true;
      if (!(await this.holds())) return false;
      due.forEach((d) => seen.add(d.traceId));
      const records: TraceRecord[] = [];
      for (const d of due) {
        const t = await this.opts.loadTrace(d.traceId);
        if (t) records.push(t);
        else await this.fail(d.traceId, { error: 'The trace is no longer in the local store.', nextAttemptAt: null, permanent: true, at: this.now() }, result);
      }
      if (!(await this.sendGroup(sender, records, result))) return false;
    }
  }

  /** Sends a group; a per-trace failure in a group of several is isolated by sending them one by one. */
  private async sendGroup(sender: OpikSender, records: TraceRecord[], result: SyncResult): Promise<boolean> {
    if (records.length === 0) return true;
    try {
      await sender.deliver(records);
    } catch (err) {
      const f = classifyFailure(err, this.opts.config.url);
      if (f.global) {
        const next = this.pause(f);
        for (const r of records) await this.fail(r.id, { error: f.message, nextAttemptAt: next, permanent: false, at: this.now() }, result);
        return false;
      }
      if (records.length > 1) {
        for (const r of records) if (!(await this.sendGroup(sender, [r], result))) return false;
        return true;
      }
      const permanent = !f.retryable;
      const next = permanent ? null : this.now() + pauseFor(f, 1, this.backoff, this.random);
      await this.fail(records[0]!.id, { error: f.message, nextAttemptAt: next, permanent, at: this.now() }, result);
      return true;
    }
    this.loop.delivered();
    const projectId = await sender.resolveProjectId();
    for (const r of records) {
      await this.store.markSent(r.id, { projectId, url: sender.link(r.id, projectId), at: this.now() });
      result.sent += 1;
      await this.changed(r.id, 'sent');
    }
    return true;
  }

  private async fail(traceId: string, mark: FailureMark, result: SyncResult): Promise<void> {
    await this.store.markFailed(traceId, mark);
    result.failed += 1;
    this.opts.log?.(mark.permanent ? 'error' : 'warn', `Opik export of ${traceId} failed${mark.permanent ? ' permanently' : ''}: ${mark.error}`);
    await this.changed(traceId, mark.permanent ? 'failed' : 'pending');
  }

  /** False when a global failure stopped it. */
  private async drainScores(sender: OpikSender, force: boolean, result: SyncResult): Promise<boolean> {
    const seen = new Set<string>();
    for (;;) {
      const due = (await this.store.dueScoreUpdates(force ? FORCE_NOW : this.now(), this.batchSize)).filter((d) => !seen.has(`${d.traceId}:${d.seq}`));
      if (due.length === 0) return true;
      for (const d of due) {
        if (!(await this.holds())) return false;
        seen.add(`${d.traceId}:${d.seq}`);
        const t = await this.opts.loadTrace(d.traceId);
        try {
          if (t) await sender.deliverScores(t);
          await this.store.markScoresSent(d.traceId, d.seq, this.now());
          if (t) result.scoresSent += 1;
        } catch (err) {
          const f = classifyFailure(err, this.opts.config.url);
          const next = f.global ? this.pause(f) : f.retryable ? this.now() + pauseFor(f, d.attempts + 1, this.backoff, this.random) : null;
          await this.store.markScoresFailed(d.traceId, d.seq, { error: f.message, nextAttemptAt: next, permanent: !f.retryable, at: this.now() });
          if (f.global) return false;
        }
      }
    }
  }

  /** Experiments, one by one, after their traces; stops at a global failure. */
  private async drainExperiments(sender: OpikSender, force: boolean, result: SyncResult): Promise<void> {
    const seen = new Set<string>();
    for (;;) {
      const due = (await this.store.dueExperiments(force ? FORCE_NOW : this.now(), this.batchSize)).filter((d) => !seen.has(d.runId));
      if (due.length === 0) return;
      for (const d of due) {
        if (!(await this.holds())) return;
        seen.add(d.runId);
        const mark = (m: Omit<FailureMark, 'at'>) => this.store.markExperimentFailed(d.runId, { ...m, at: this.now() });
        const x = this.opts.loadExperiment ? await this.opts.loadExperiment(d.runId) : null;
        if (!x) {
          await mark({ error: 'The experiment run is no longer stored locally.', nextAttemptAt: null, permanent: true });
          continue;
        }
        try {
          const { datasetId, url } = await sender.deliverExperiment(x);
          await this.store.markExperimentSent(d.runId, { projectId: datasetId, url, at: this.now() });
          result.experimentsSent += 1;
          await this.changed(null);
        } catch (err) {
          const f = classifyFailure(err, this.opts.config.url);
          const next = f.global ? this.pause(f) : f.retryable ? this.now() + pauseFor(f, d.attempts + 1, this.backoff, this.random) : null;
          await mark({ error: f.message, nextAttemptAt: next, permanent: !f.retryable });
          this.opts.log?.(f.retryable ? 'warn' : 'error', `Opik export of experiment ${d.runId} failed: ${f.message}`);
          if (f.global) return;
        }
      }
    }
  }
}
