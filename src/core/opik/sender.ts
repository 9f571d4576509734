/**
 * Delivers traces to Opik and says precisely how a failure should be handled.
 *
 * Acknowledgement: `deliver` resolves only after every part of every trace was answered 2xx — traces
 * batch, then spans batch(es), then trace and span feedback scores. Any failure rejects, and the caller
 * retries the whole trace later. That is safe because Opik upserts by id: traces and spans live in
 * ClickHouse ReplacingMergeTree tables ordered by (workspace, project, id) and feedback scores by
 * (entity, name), so a re-sent part replaces the earlier copy instead of adding one (opik-backend
 * migrations 000001_init_script.sql; the OpenAPI's batch endpoints accept caller ids). Ids are our
 * UUIDv7s, which Opik requires ("… id must be a version 7 UUID") and whose embedded time must lie in the
 * server's ingestion window (UuidV7TimestampValidator: 12 h–45 d around now, HTTP 400 otherwise).
 *
 * Failure classes (`classifyFailure`):
 *  - network / timeout / 408 / 429 / 5xx: retryable and GLOBAL (Opik is unreachable or overloaded for
 *    every trace): the drain stops and waits — Retry-After when given, else the backoff schedule.
 *  - 401 / 403 ("auth"): retryable and global, message "check your Opik API key and workspace". Retrying
 *    is right because the fix (a new key, workspace) happens outside the trace; the worker is rebuilt
 *    with the new config and syncs at once. 404/405 on the write endpoints ("config") is treated the
 *    same way: codi.opik.url does not point at an Opik API.
 *  - 400 naming the id (not UUIDv7, outside the ingestion window: "invalid-id"): PERMANENT for that trace.
 *  - other 4xx ("rejected": validation, too large): permanent for that trace; `retryFailed()` re-queues.
 *  - anything else thrown while mapping a trace ("internal"): permanent for that trace.
 */
import type { TraceRecord } from '../../shared/types';
import type { OpikConfig } from './config';
import { OpikConfigError } from './config';
import type { ExperimentExport } from './experimentPayload';
import { experimentToOpik } from './experimentPayload';
import { opikExperimentUrl, opikTraceUrl } from './link';
import type { OpikFeedbackScore, OpikSpanWrite, OpikTraceWrite, PayloadOptions } from './payload';
import { labelScoreName, noteToOpik, scoresToOpik, traceToOpik } from './payload';
import type { Redactor } from '../redact/redact';
import type { OpikTransport } from './transport';
import { OpikRequestError, opikErrorText } from './transport';

export interface BackoffPolicy {
  /** First delay. */
  baseMs: number;
  /** Largest delay. */
  maxMs: number;
  factor: number;
  /** 0..1: the delay is drawn from [d·(1−jitter), d]. */
  jitter: number;
}

/** 30 s, 1 min, 2 min, … capped at 1 h, each shortened by up to 50 % at random. */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 30_000, maxMs: 3_600_000, factor: 2, jitter: 0.5 };

/** Delay before attempt `failures + 1`, after `failures` (≥ 1) consecutive failures. */
export function backoffDelay(failures: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const n = Math.max(1, Math.floor(failures));
  const d = Math.min(policy.maxMs, policy.baseMs * policy.factor ** (n - 1));
  const j = Math.min(1, Math.max(0, policy.jitter));
  return Math.round(d * (1 - j * Math.min(1, Math.max(0, random()))));
}

export type FailureKind = 'network' | 'timeout' | 'rate-limited' | 'server' | 'auth' | 'config' | 'invalid-id' | 'rejected' | 'internal';

export interface DeliveryFailure {
  kind: FailureKind;
  /** Worth trying again later without any change to the trace. */
  retryable: boolean;
  /** Affects every trace (stop the drain and pause), not just this one. */
  global: boolean;
  status: number | null;
  retryAfterMs: number | null;
  /** For the user: what happened and what to do. */
  message: string;
}

const INVALID_ID = /invalid uuid|version 7 uuid|ingestion window|must be a version 7/i;

export function classifyFailure(err: unknown, url = 'Opik'): DeliveryFailure {
  const f = (kind: FailureKind, retryable: boolean, global: boolean, message: string, status: number | null = null, retryAfterMs: number | null = null): DeliveryFailure =>
    ({ kind, retryable, global, status, retryAfterMs, message });
  if (err instanceof OpikConfigError) return f('config', true, true, err.message);
  if (!(err instanceof OpikRequestError)) {
    return f('internal', false, false, `Could not prepare the trace for Opik: ${err instanceof Error ? err.message : String(err)}`);
  }
  const s = err.status;
  const text = opikErrorText(err.body);
  if (s === null) {
    return err.timedOut
      ? f('timeout', true, true, `Opik at ${url} did not answer in time.`)
      : f('network', true, true, `Cannot reach Opik at ${url}: ${err.message}`);
  }
  if (s === 401 || s === 403) {
    return f('auth', true, true, `Opik refused the credentials (HTTP ${s}${text ? `: ${text}` : ''}): check your Opik API key and workspace ("CODI: Set Opik API Key", codi.opik.workspace).`, s);
  }
  if (s === 429) return f('rate-limited', true, true, `Opik is rate-limiting requests (HTTP 429); retrying later.`, s, err.retryAfterMs);
  if (s === 408 || s >= 500) return f('server', true, true, `Opik had a problem (HTTP ${s}${text ? `: ${text}` : ''}); retrying later.`, s, err.retryAfterMs);
  if ((s === 404 || s === 405) && err.operation !== 'retrieveProject') {
    return f('config', true, true, `No Opik API at ${url} (HTTP ${s}): check codi.opik.url (Opik cloud: https://www.comet.com/opik/api; self-hosted: http://<host>:5173/api).`, s);
  }
  if (s === 400 && INVALID_ID.test(text)) {
    return f('invalid-id', false, false, `Opik refused this trace's id (${text}). Traces older than the server's ingestion window cannot be exported.`, s);
  }
  return f('rejected', false, false, `Opik rejected the data (HTTP ${s}${text ? `: ${text}` : ''}).`, s);
}

/** A server's Retry-After is honoured as given, up to this. */
export const RETRY_AFTER_CEILING_MS = 3_600_000;

/** How long a failure should pause delivery after `failures` consecutive ones: Retry-After, else the backoff. */
export function pauseFor(failure: DeliveryFailure, failures: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  if (failure.retryAfterMs !== null) return Math.min(RETRY_AFTER_CEILING_MS, Math.max(0, failure.retryAfterMs));
  return backoffDelay(failures, policy, random);
}

export interface SenderOptions {
  config: OpikConfig;
  redactor: Redactor;
  clientVersion?: string | null;
  client?: string;
  /** Largest batch per request (Opik accepts up to 1000). */
  maxBatch?: number;
}

function chunks<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

export class OpikSender {
  private projectId: string | null = null;
  private readonly payload: PayloadOptions;
  private readonly maxBatch: number;

  constructor(
    private readonly transport: OpikTransport,
    private readonly opts: SenderOptions,
  ) {
    this.payload = { projectName: opts.config.project, redactor: opts.redactor, clientVersion: opts.clientVersion ?? null, client: opts.client };
    this.maxBatch = Math.max(1, Math.min(1000, opts.maxBatch ?? 500));
  }

  get config(): OpikConfig {
    return this.opts.config;
  }

  /** Sends traces with their spans and scores; resolves only when Opik acknowledged every part. */
  async deliver(traces: readonly TraceRecord[]): Promise<void> {
    const bundles = traces.map((t) => traceToOpik(t, this.payload));
    const tw: OpikTraceWrite[] = bundles.map((b) => b.trace);
    const sw: OpikSpanWrite[] = bundles.flatMap((b) => b.spans);
    for (const c of chunks(tw, this.maxBatch)) await this.transport.createTraces(c);
    for (const c of chunks(sw, this.maxBatch)) await this.transport.createSpans(c);
    await this.sendScores(bundles.flatMap((b) => b.traceScores), bundles.flatMap((b) => b.spanScores));
    for (const t of traces) await this.sendNote(t);
  }

  /** Re-sends every current score of an already delivered trace (upsert by entity + name). */
  async deliverScores(trace: TraceRecord): Promise<void> {
    const s = scoresToOpik(trace, this.payload);
    await this.sendScores(s.traceScores, s.spanScores);
    // Labels taken off locally: their categorical scores go too (deleting one Opik lacks is harmless).
    for (const l of trace.annotation?.removedLabels ?? []) await this.transport.deleteTraceScore(trace.id, labelScoreName(l, this.payload));
    await this.sendNote(trace);
  }

  /**
   * The annotation's note as the trace's one comment, under our own id: updated in place (PATCH), created
   * when Opik does not have it yet (404), deleted when the note was cleared. Re-sending never adds a copy.
   */
  private async sendNote(trace: TraceRecord): Promise<void> {
    const c = noteToOpik(trace, this.payload);
    if (!c) return;
    if (!c.text.trim()) return this.transport.deleteComments([c.id]);
    try {
      await this.transport.updateComment(c.id, c.text);
    } catch (err) {
      if (!(err instanceof OpikRequestError && err.status === 404)) throw err;
      await this.transport.createComment(trace.id, c);
    }
  }

  private async sendScores(traceScores: OpikFeedbackScore[], spanScores: OpikFeedbackScore[]): Promise<void> {
    for (const c of chunks(traceScores, this.maxBatch)) await this.transport.scoreTraces(c);
    for (const c of chunks(spanScores, this.maxBatch)) await this.transport.scoreSpans(c);
  }

  /**
   * Sends an experiment as Opik models it; resolves with its link only when Opik acknowledged every part:
   * the dataset (already there under that name: 409, then its id is looked up), its items (upsert by
   * content-derived id), the experiment (already there from an earlier attempt: 409, fine) and its items.
   * A retry after any failure repeats every step and duplicates nothing.
   */
  async deliverExperiment(x: ExperimentExport): Promise<{ datasetId: string; url: string }> {
    const b = experimentToOpik(x, this.opts.config.project, this.opts.redactor);
    let datasetId = b.dataset.id;
    if (!(await this.createOrExists(() => this.transport.createDataset(b.dataset)))) {
      const found = await this.transport.retrieveDataset(b.dataset.name);
      if (!found) throw new Error(`Opik said dataset "${b.dataset.name}" exists but could not find it`);
      datasetId = found.id;
    }
    for (const c of chunks(b.items, this.maxBatch)) await this.transport.upsertDatasetItems(b.dataset.name, c);
    await this.createOrExists(() => this.transport.createExperiment(b.experiment));
    for (const c of chunks(b.experimentItems, this.maxBatch)) await this.transport.createExperimentItems(c);
    const url = opikExperimentUrl({ apiUrl: this.opts.config.url, workspace: this.opts.config.workspace, datasetId, experimentId: b.experiment.id });
    return { datasetId, url };
  }

  /** True when created, false when Opik answered 409 (it exists already); rethrows anything else. */
  private async createOrExists(create: () => Promise<void>): Promise<boolean> {
    try {
      await create();
      return true;
    } catch (err) {
      if (err instanceof OpikRequestError && err.status === 409) return false;
      throw err;
    }
  }

  /**
   * The project's id, cached once found. Opik creates a project on its first trace, so call this after a
   * delivery; null when it is still unknown (404, or the lookup failed — the link can be filled in later).
   */
  async resolveProjectId(): Promise<string | null> {
    if (this.projectId) return this.projectId;
    try {
      const p = await this.transport.retrieveProject(this.opts.config.project);
      this.projectId = p?.id ?? null;
    } catch {
      this.projectId = null;
    }
    return this.projectId;
  }

  get knownProjectId(): string | null {
    return this.projectId;
  }

  link(traceId: string, projectId: string | null = this.projectId): string | null {
    if (!projectId) return null;
    return opikTraceUrl({ apiUrl: this.opts.config.url, workspace: this.opts.config.workspace, projectId, traceId });
  }
}
