/**
 * The port the sender delivers through. `client.ts` implements it over the opik SDK's generated REST
 * client (loaded lazily); tests may implement it directly. Every method resolves only when Opik answered
 * 2xx and rejects otherwise with an `OpikRequestError`: there is no fire-and-forget path.
 */
import type { OpikDatasetItemWrite, OpikDatasetWrite, OpikExperimentItemWrite, OpikExperimentWrite } from './experimentPayload';
import type { OpikFeedbackScore, OpikSpanWrite, OpikTraceWrite } from './payload';

export interface OpikProject {
  id: string;
  name: string;
}

export interface OpikTransport {
  /** POST /v1/private/traces/batch — upsert by id. */
  createTraces(traces: readonly OpikTraceWrite[]): Promise<void>;
  /** POST /v1/private/spans/batch — upsert by id. */
  createSpans(spans: readonly OpikSpanWrite[]): Promise<void>;
  /** PUT /v1/private/traces/feedback-scores — upsert by (trace id, name). */
  scoreTraces(scores: readonly OpikFeedbackScore[]): Promise<void>;
  /** PUT /v1/private/spans/feedback-scores — upsert by (span id, name). */
  scoreSpans(scores: readonly OpikFeedbackScore[]): Promise<void>;
  /** POST /v1/private/traces/{id}/feedback-scores/delete {name} — removes one trace score (none: no-op). */
  deleteTraceScore(traceId: string, name: string): Promise<void>;
  /** POST /v1/private/traces/{traceId}/comments {id, text} — a comment with our id. */
  createComment(traceId: string, comment: { id: string; text: string }): Promise<void>;
  /** PATCH /v1/private/traces/comments/{id} {text}; rejects with status 404 when there is no such comment. */
  updateComment(id: string, text: string): Promise<void>;
  /** POST /v1/private/traces/comments/delete {ids}. */
  deleteComments(ids: readonly string[]): Promise<void>;
  /** POST /v1/private/projects/retrieve; null when the project does not exist (404). */
  retrieveProject(name: string): Promise<OpikProject | null>;
  /** POST /v1/private/datasets — 409 when a dataset of that name exists. */
  createDataset(dataset: OpikDatasetWrite): Promise<void>;
  /** POST /v1/private/datasets/retrieve {dataset_name}; null when there is none (404). */
  retrieveDataset(name: string): Promise<{ id: string; name: string } | null>;
  /** PUT /v1/private/datasets/items — upsert by item id. */
  upsertDatasetItems(datasetName: string, items: readonly OpikDatasetItemWrite[]): Promise<void>;
  /** POST /v1/private/experiments — 409 when an experiment with that id exists. */
  createExperiment(experiment: OpikExperimentWrite): Promise<void>;
  /** POST /v1/private/experiments/items — upsert by item id. */
  createExperimentItems(items: readonly OpikExperimentItemWrite[]): Promise<void>;
}

export type OpikOperation =
  | 'createTraces' | 'createSpans' | 'scoreTraces' | 'scoreSpans' | 'comment' | 'retrieveProject' | 'connect'
  | 'createDataset' | 'retrieveDataset' | 'upsertDatasetItems' | 'createExperiment' | 'createExperimentItems';

/** A request Opik did not acknowledge: an HTTP error (status set) or no answer at all (status null). */
export class OpikRequestError extends Error {
  override readonly name = 'OpikRequestError';
  constructor(
    message: string,
    readonly operation: OpikOperation,
    /** HTTP status, or null for network failures and timeouts. */
    readonly status: number | null,
    /** Parsed JSON error body (Opik: `{code, message, details}` or `{errors: [...]}`), or text. */
    readonly body: unknown,
    /** From `Retry-After` / `RateLimit-Reset`, when the server sent one. */
    readonly retryAfterMs: number | null = null,
    readonly timedOut = false,
  ) {
    super(message);
  }
}

/** Human text of an Opik error body: `message: details` or the joined `errors`. */
export function opikErrorText(body: unknown): string {
  if (typeof body === 'string') return body.slice(0, 500);
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    const parts: string[] = [];
    if (typeof b.message === 'string') parts.push(b.message);
    if (typeof b.details === 'string') parts.push(b.details);
    if (Array.isArray(b.errors)) parts.push(b.errors.filter((e) => typeof e === 'string').join('; '));
    if (parts.length) return parts.join(': ').slice(0, 500);
    try {
      return JSON.stringify(body).slice(0, 500);
    } catch {
      return '';
    }
  }
  return '';
}

/** Seconds or an HTTP date (Retry-After), or seconds (RateLimit-Reset / X-RateLimit-Reset). */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : Math.max(0, t - now);
}
