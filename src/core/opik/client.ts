/**
 * `OpikTransport` over the opik TypeScript SDK's generated REST client (`client.api.*`).
 *
 * Why these calls: the SDK's high-level API (`client.trace()`, `flush()`) queues and batches writes and,
 * when a batch fails, logs and DROPS it while `flush()` still resolves — unusable for "marked sent only
 * after Opik acknowledged it". The generated REST methods (`api.traces.createTraces`,
 * `api.spans.createSpans`, `api.traces.scoreBatchOfTraces`, `api.spans.scoreBatchOfSpans`,
 * `api.projects.retrieveProject`) resolve on 2xx and throw `OpikApiError {statusCode, body,
 * rawResponse}` otherwise, so every acknowledgement is real. They are called with `maxRetries: 0`: the
 * outbox owns retries (with backoff across restarts), the SDK's in-call retries would only hide failures.
 *
 * The SDK is imported lazily, only when export is on (the build maps `opik` to its own bundle), with its
 * import-time side effects neutralised:
 *  - it runs `dotenv/config`, which would load a `.env` from the working directory into process.env:
 *    during the import DOTENV_CONFIG_PATH points at a file that does not exist, and process.env is
 *    snapshotted before and restored after, so nothing it does to the environment survives (bundled,
 *    the import is a synchronous require, so no other code runs in between; unbundled ESM it is
 *    asynchronous, and an env var another module sets during those few hundred ms would be reverted);
 *  - its tslog logger prints INFO lines with terminal escapes: OPIK_LOG_LEVEL=FATAL during the import,
 *    then `disableLogger()`; the REST client's own logger is silent by default.
 * Known SDK behaviour: when a request fails without an HTTP answer, its timeout timer is not cleared and
 * keeps a Node process alive until it fires, so CLI callers should exit explicitly (or keep the timeout short).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as OpikSdk from 'opik';
import type { OpikConfig } from './config';
import { OpikConfigError } from './config';
import type { OpikErrorInfo, OpikFeedbackScore, OpikSpanWrite, OpikTraceWrite } from './payload';
import type { OpikOperation, OpikProject, OpikTransport } from './transport';
import { OpikRequestError, opikErrorText, parseRetryAfter } from './transport';

type Sdk = typeof OpikSdk;
type RestApi = InstanceType<Sdk['Opik']>['api'];
type SdkTrace = Parameters<RestApi['traces']['createTraces']>[0]['traces'][number];
type SdkSpan = Parameters<RestApi['spans']['createSpans']>[0]['spans'][number];
type SdkScore = Parameters<RestApi['traces']['scoreBatchOfTraces']>[0]['scores'][number];
type SdkErrorInfo = NonNullable<SdkTrace['errorInfo']>;
type SdkRequestOptions = NonNullable<Parameters<RestApi['traces']['createTraces']>[1]>;

let sdkPromise: Promise<Sdk> | null = null;

/** True once the SDK module has been requested in this process (for tests and diagnostics). */
export function opikSdkRequested(): boolean {
  return sdkPromise !== null;
}

function restoreEnv(before: Record<string, string | undefined>): void {
  for (const k of Object.keys(process.env)) if (!(k in before)) delete process.env[k];
  for (const [k, v] of Object.entries(before)) if (v !== undefined && process.env[k] !== v) process.env[k] = v;
}

async function importQuietly(): Promise<Sdk> {
  const before = { ...process.env };
  process.env.OPIK_LOG_LEVEL = 'FATAL';
  process.env.DOTENV_CONFIG_PATH = join(tmpdir(), `codi-no-dotenv-${process.pid}-${Date.now()}`, '.env');
  process.env.DOTENV_CONFIG_QUIET = 'true';
  for (const k of ['DOTENV_CONFIG_DEBUG', 'DOTENV_CONFIG_OVERRIDE', 'DOTENV_KEY', 'DOTENV_CONFIG_DOTENV_KEY']) delete process.env[k];
  try {
    const sdk = await import('opik');
    sdk.disableLogger();
    return sdk;
  } finally {
    restoreEnv(before);
  }
}

/** Loads the opik SDK once, quietly. A failed load is not cached, so a later call retries. */
export function loadOpikSdk(): Promise<Sdk> {
  sdkPromise ??= importQuietly().catch((err: unknown) => {
    sdkPromise = null;
    throw err;
  });
  return sdkPromise;
}

const toDate = (s: string): Date => new Date(s);

function errorInfo(e: OpikErrorInfo | undefined): SdkErrorInfo | undefined {
  return e && { exceptionType: e.exception_type, message: e.message, traceback: e.traceback };
}

/** Wire (snake_case, ISO strings) → the SDK's camelCase/Date model; the SDK serialises it back to the wire. */
export function toSdkTrace(t: OpikTraceWrite): SdkTrace {
  return {
    id: t.id,
    projectName: t.project_name,
    name: t.name,
    startTime: toDate(t.start_time),
    endTime: t.end_time === undefined ? undefined : toDate(t.end_time),
    input: t.input,
    output: t.output,
    metadata: t.metadata,
    tags: t.tags,
    errorInfo: errorInfo(t.error_info),
    threadId: t.thread_id,
    ttft: t.ttft,
  };
}

export function toSdkSpan(s: OpikSpanWrite): SdkSpan {
  return {
    id: s.id,
    projectName: s.project_name,
    traceId: s.trace_id,
    parentSpanId: s.parent_span_id,
    name: s.name,
    type: s.type,
    startTime: toDate(s.start_time),
    endTime: s.end_time === undefined ? undefined : toDate(s.end_time),
    input: s.input,
    output: s.output,
    metadata: s.metadata,
    model: s.model,
    provider: s.provider,
    usage: s.usage,
    totalEstimatedCost: s.total_estimated_cost,
    errorInfo: errorInfo(s.error_info),
    ttft: s.ttft,
  };
}

export function toSdkScore(s: OpikFeedbackScore): SdkScore {
  return { id: s.id, projectName: s.project_name, name: s.name, categoryName: s.category_name, value: s.value, reason: s.reason, source: s.source };
}

interface SdkErrorShape {
  statusCode?: unknown;
  body?: unknown;
  message?: unknown;
  rawResponse?: { headers?: { get?: (name: string) => string | null } };
}

/** Any SDK failure → OpikRequestError (the SDK's error classes are minified, so this goes by shape). */
export function toRequestError(err: unknown, op: OpikOperation): OpikRequestError {
  if (err instanceof OpikRequestError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorShape;
  const status = typeof e.statusCode === 'number' ? e.statusCode : null;
  const raw = typeof e.message === 'string' ? e.message : String(err);
  const get = e.rawResponse?.headers?.get;
  const header = (n: string): string | null => (typeof get === 'function' ? get.call(e.rawResponse?.headers, n) : null);
  const retryAfter = status === null ? null : parseRetryAfter(header('retry-after') ?? header('ratelimit-reset') ?? header('x-ratelimit-reset'));
  if (status !== null) {
    const text = opikErrorText(e.body);
    return new OpikRequestError(`Opik answered HTTP ${status}${text ? `: ${text}` : ''}`, op, status, e.body, retryAfter);
  }
  const timedOut = /timeout|timed out/i.test(raw);
  return new OpikRequestError(`no answer from Opik (${raw.split('\n')[0]})`, op, null, null, null, timedOut);
}

export interface SdkTransportOptions {
  /** Per-request time limit (default 30 s). */
  timeoutMs?: number;
}

/**
 * Builds a transport for one configuration. Loads the SDK on first use. Throws `OpikConfigError` when the
 * SDK refuses the configuration, and whatever the import throws when the SDK cannot be loaded.
 */
export async function createSdkTransport(config: OpikConfig, opts: SdkTransportOptions = {}): Promise<OpikTransport> {
  const sdk = await loadOpikSdk();
  let api: RestApi;
  try {
    api = new sdk.Opik({ apiKey: config.apiKey, apiUrl: config.url, workspaceName: config.workspace, projectName: config.project }).api;
  } catch (err) {
    throw new OpikConfigError(`The Opik SDK refused the configuration: ${err instanceof Error ? err.message : String(err)}`);
  }
  const req: SdkRequestOptions = { maxRetries: 0, timeoutInSeconds: Math.max(1, Math.ceil((opts.timeoutMs ?? 30_000) / 1000)) };
  const call = async <T>(op: OpikOperation, f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (err) {
      throw toRequestError(err, op);
    }
  };
  return {
    createTraces: async (traces) => {
      await call('createTraces', () => api.traces.createTraces({ traces: traces.map(toSdkTrace) }, req));
    },
    createSpans: async (spans) => {
      await call('createSpans', () => api.spans.createSpans({ spans: spans.map(toSdkSpan) }, req));
    },
    scoreTraces: async (scores) => {
      await call('scoreTraces', () => api.traces.scoreBatchOfTraces({ scores: scores.map(toSdkScore) }, req));
    },
    scoreSpans: async (scores) => {
      await call('scoreSpans', () => api.spans.scoreBatchOfSpans({ scores: scores.map(toSdkScore) }, req));
    },
    deleteTraceScore: async (traceId, name) => {
      await call('scoreTraces', () => api.traces.deleteTraceFeedbackScore(traceId, { body: { name } }, req));
    },
    createComment: async (traceId, comment) => {
      await call('comment', () => api.traces.addTraceComment(traceId, { body: { id: comment.id, text: comment.text } }, req));
    },
    updateComment: async (id, text) => {
      await call('comment', () => api.traces.updateTraceComment(id, { body: { text } }, req));
    },
    deleteComments: async (ids) => {
      await call('comment', () => api.traces.deleteTraceComments({ ids: [...ids] }, req));
    },
    retrieveProject: async (name): Promise<OpikProject | null> => {
      try {
        const p = await call('retrieveProject', () => api.projects.retrieveProject({ name }, req));
        return p.id ? { id: p.id, name: p.name } : null;
      } catch (err) {
        if (err instanceof OpikRequestError && err.status === 404) return null;
        throw err;
      }
    },
    createDataset: async (d) => {
      await call('createDataset', () => api.datasets.createDataset({ id: d.id, name: d.name, description: d.description }, req));
    },
    retrieveDataset: async (name) => {
      try {
        const d = await call('retrieveDataset', () => api.datasets.getDatasetByIdentifier({ datasetName: name }, req));
        return d.id ? { id: d.id, name: d.name } : null;
      } catch (err) {
        if (err instanceof OpikRequestError && err.status === 404) return null;
        throw err;
      }
    },
    upsertDatasetItems: async (datasetName, items) => {
      await call('upsertDatasetItems', () => api.datasets.createOrUpdateDatasetItems({ datasetName, items: items.map((i) => ({ id: i.id, source: i.source, data: i.data })) }, req));
    },
    createExperiment: async (x) => {
      await call('createExperiment', () => api.experiments.createExperiment({ id: x.id, datasetName: x.dataset_name, name: x.name, projectName: x.project_name, metadata: x.metadata, tags: x.tags }, req));
    },
    createExperimentItems: async (items) => {
      await call('createExperimentItems', () =>
        api.experiments.createExperimentItems({ experimentItems: items.map((i) => ({ id: i.id, experimentId: i.experiment_id, datasetItemId: i.dataset_item_id, traceId: i.trace_id, projectName: i.project_name })) }, req),
      );
    },
  };
}
