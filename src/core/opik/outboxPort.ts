/** The outbox port: entry types and the store interface that the journal and the file outbox implement. */
import type { DeliveryLease, LeaseHolder } from '../delivery/lease';

export type OpikExportState = 'off' | 'pending' | 'sent' | 'failed';

/**
 * The trace-delivery queues an OutboxStore can keep: 'trace' is Opik's (with its score updates), 'otlp' the
 * OTLP push's (deliveries only; src/core/export/otlpPush.ts). Each trace has at most one entry per queue.
 */
export type DeliveryQueue = 'trace' | 'otlp';

/** Delivery state of one trace, as every OutboxStore keeps it (the file outbox and the journal's records). */
export interface OutboxTraceEntry {
  state: 'pending' | 'sent' | 'failed';
  enqueuedAt: number;
  attempts: number;
  nextAttemptAt: number | null;
  lastError: string | null;
  sentAt: number | null;
  projectId: string | null;
  url: string | null;
}

/** A pending score update of a sent trace; `seq` tells a newer update from one already acknowledged. */
export interface OutboxScoreEntry {
  seq: number;
  requestedAt: number;
  attempts: number;
  nextAttemptAt: number | null;
  lastError: string | null;
  permanent: boolean;
}

/** One trace's entries as carried from one outbox into another (moving an old outbox into the store's journal). */
export interface CarriedOutboxEntry {
  traceId: string;
  trace: OutboxTraceEntry | null;
  scores: OutboxScoreEntry | null;
}

export interface OutboxStatus {
  state: OpikExportState;
  /** "Open in Opik" link, once sent and the project id is known. */
  url: string | null;
  lastError: string | null;
  attempts: number;
  nextAttemptAt: number | null;
  sentAt: number | null;
  projectId: string | null;
}

export interface DueTrace {
  traceId: string;
  attempts: number;
}

export interface DueScoreUpdate {
  traceId: string;
  /** Opaque change counter; pass it back to markScores*. */
  seq: number;
  attempts: number;
}

/** An experiment due for delivery (its entry is an OutboxTraceEntry keyed by the run id; projectId holds the Opik dataset id). */
export interface DueExperiment {
  runId: string;
  attempts: number;
}

export interface FailureMark {
  error: string;
  /** When to try again; null for a permanent failure. */
  nextAttemptAt: number | null;
  permanent: boolean;
  at: number;
}

/** Implemented by the store (durable: every method's effect must survive a crash once it resolved). */
export interface OutboxStore {
  /** Queue a finished trace. Idempotent: an entry that is already pending or sent is left as it is. */
  enqueue(traceId: string, now: number): Promise<void>;
  /** Up to `limit` pending (not permanently failed) traces with nextAttemptAt ≤ now (null = now), oldest enqueue first. */
  due(now: number, limit: number): Promise<DueTrace[]>;
  markSent(traceId: string, info: { projectId: string | null; url: string | null; at: number }): Promise<void>;
  /** Records a failure: attempts + 1, lastError, nextAttemptAt; permanent → state 'failed'. */
  markFailed(traceId: string, info: FailureMark): Promise<void>;
  /** 'off' with nulls for an id that was never enqueued. */
  state(traceId: string): Promise<OutboxStatus>;
  /** Traces still to deliver (pending, including retryable failures) + score updates of sent traces. */
  pendingCount(): Promise<number>;
  /** Permanently failed traces. */
  failedCount(): Promise<number>;
  /** Permanently failed → pending again (attempts reset); returns how many. */
  retryFailed(now: number): Promise<number>;
  /** Note that a trace's scores changed; bumps its sequence number. */
  enqueueScoreUpdate(traceId: string, now: number): Promise<void>;
  /** Score updates that are due AND whose trace is in state 'sent' (others wait for the trace). */
  dueScoreUpdates(now: number, limit: number): Promise<DueScoreUpdate[]>;
  /** Clears the update only if `seq` is still the latest. */
  markScoresSent(traceId: string, seq: number, at: number): Promise<void>;
  markScoresFailed(traceId: string, seq: number, info: FailureMark): Promise<void>;
  /**
   * Experiments: a queue of their own, keyed by run id, with the same entry and the same semantics as a
   * trace's (enqueue is idempotent, sent is final, permanent failures wait for retryFailed). They count in
   * pendingCount / failedCount and are re-queued by retryFailed like traces.
   */
  enqueueExperiment(runId: string, now: number): Promise<void>;
  dueExperiments(now: number, limit: number): Promise<DueExperiment[]>;
  /** `projectId`: the Opik dataset id; `url`: the experiment's page in Opik. */
  markExperimentSent(runId: string, info: { projectId: string | null; url: string | null; at: number }): Promise<void>;
  markExperimentFailed(runId: string, info: FailureMark): Promise<void>;
  /** 'off' with nulls for a run that was never enqueued. */
  experimentState(runId: string): Promise<OutboxStatus>;
  /**
   * The lease a deliverer of this queue holds (one per store and queue, shared by every process using the
   * store; `client` names this one: 'vscode', 'cli'). Absent where one process owns the outbox.
   */
  lease?(client: string): DeliveryLease;
}

export interface SyncResult {
  /** Traces acknowledged in this run. */
  sent: number;
  /** Traces that failed in this run (retryable or permanent). */
  failed: number;
  /** Still to deliver after this run (OutboxStore.pendingCount). */
  pending: number;
  /** Permanently failed in the outbox (not counted in pending). */
  permanentlyFailed: number;
  scoresSent: number;
  /** Experiments acknowledged in this run. */
  experimentsSent: number;
  /** The last global failure (network, auth, …) not yet followed by a successful delivery, or null. */
  lastError: string | null;
  /** Set when nothing was delivered because another process holds the delivery lease (lastError says so). */
  deliveredBy?: LeaseHolder | null;
}

export interface OutboxChange {
  traceId: string | null;
  /** The trace's new state, or null when unknown (read it with status()). */
  state: OpikExportState | null;
  pending: number;
}
