import type * as GenAi from '@google/genai';
import type { GoogleGenAI, GenerateContentResponse } from '@google/genai';
import type { Usage } from '../../shared/types';
import { CodiError } from '../errors';
import { GEMINI_DEFAULT_ENDPOINT, mapModelError, ModelCallError } from './errors';
import type { RateGate } from './gate';
import type { HttpProbe } from './httpProbe';
import { observingFetch } from './httpProbe';
import type { RetryOptions } from './retry';
import { backoffDelayMs, failureLabel, isRetryable, maxDelay, retryPolicy, sleep, wantsFallback } from './retry';

export type { RetryOptions } from './retry';
export type { FinishProblem } from './finish';
export { finishProblem } from './finish';

/** Where the client reports retries and fallbacks (the host's output channel, the CLI's stderr). */
export interface ModelLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface GeminiClientOptions {
  apiKey: string;
  /** Endpoint override (proxy, gateway, test stand-in). Empty: Google's endpoint. */
  baseUrl?: string;
  apiVersion?: 'v1' | 'v1beta';
  /** Limit for one attempt (one HTTP request, its streamed body included), in ms. Default 120 000. */
  timeoutMs?: number;
  /** Limit for a whole call, retries, backoff and fallback included, in ms. Default: none. */
  deadlineMs?: number;
  /** CODI's retry policy (see retry.ts). Default: 4 attempts, 1 s base, 60 s cap. */
  retry?: RetryOptions;
  /** Model tried when the requested one still answers 429/503 after its retries (own retry budget). */
  fallbackModel?: string;
  /** Receives one line per retry and per fallback. */
  logger?: ModelLogger;
  /** Shared with other clients running at once (an experiment): a rate limit seen by one pauses all. */
  gate?: RateGate;
}

/** A retry about to wait: what the UI shows while nothing streams ("Rate limited — retrying in 58 s"). */
export interface RetryNotice {
  model: string;
  /** "429", "503", "timeout", "network error". */
  failure: string;
  /** HTTP status of the failed attempt, when there was one. */
  status?: number;
  delayMs: number;
  /** The attempt about to be made (2 = first retry). */
  attempt: number;
  maxAttempts: number;
}

export interface GenerateRequest {
  model: string;
  prompt: string;
  systemInstruction?: string;
  temperature?: number;
  maxOutputTokens?: number;
  signal?: AbortSignal;
  /** Overrides the client's `fallbackModel` for this call; '' disables it. */
  fallbackModel?: string;
  /** Told before each wait between attempts. */
  onRetry?: (notice: RetryNotice) => void;
}

export interface JsonRequest extends GenerateRequest {
  /** Plain JSON Schema for structured output (`responseJsonSchema`). */
  schema: Record<string, unknown>;
}

/** What one model call produced, with the measurements every LLM span records. */
export interface GenerationResult {
  text: string;
  model: string;
  modelVersion: string | null;
  usage: Usage;
  finishReason: string | null;
  /** Time to first token, ms from the start of the call (retries included; streaming only). */
  ttftMs: number | null;
  /** Frames of the answering attempt. */
  chunks: number;
  /** Whole call, retries, backoff and fallback included. */
  latencyMs: number;
  /** HTTP requests made for this call (retries and the fallback model included). */
  attempts?: number;
  /** Backoff chosen before each retry, ms, in order (on a failure, the last may have been cut short by cancellation). */
  retryDelaysMs?: number[];
  /** The requested model when `model` is the fallback that answered; else null. */
  fallbackFrom?: string | null;
  /** `promptFeedback.blockReason`: the prompt itself was blocked (no candidate). */
  blockReason?: string | null;
}

export interface GeminiClient {
  /** Streams a text answer; `onText` receives each delta as it arrives. */
  stream(req: GenerateRequest, onText?: (delta: string) => void): Promise<GenerationResult>;
  /** One structured-output call; returns the raw text and the parsed JSON (or a model-output error). */
  generateJson(req: JsonRequest): Promise<GenerationResult & { json: unknown }>;
  /** Exact token count of a text for a model (`models/{m}:countTokens`); no tokenizer download. */
  countTokens(req: { model: string; text: string; signal?: AbortSignal; onRetry?: (notice: RetryNotice) => void }): Promise<number>;
  /** `models.get` (GET models/{m}): the cheapest call that proves the key, the endpoint and the model; no fallback. */
  getModel(req: { model: string; signal?: AbortSignal }): Promise<ModelInfo>;
}

/** What `models.get` says about a model. */
export interface ModelInfo {
  /** "models/gemini-2.5-flash". */
  name: string;
  displayName: string | null;
  inputTokenLimit: number | null;
  outputTokenLimit: number | null;
}

let sdk: Promise<typeof GenAi> | null = null;
/** The SDK is loaded on first use only, so activation stays cheap. */
const loadSdk = (): Promise<typeof GenAi> => (sdk ??= import('@google/genai'));

export function usageFrom(meta: GenerateContentResponse['usageMetadata'] | undefined): Usage {
  const promptTokens = meta?.promptTokenCount ?? 0;
  const outputTokens = meta?.candidatesTokenCount ?? 0;
  const thinkingTokens = meta?.thoughtsTokenCount ?? 0;
  return { promptTokens, outputTokens, thinkingTokens, totalTokens: meta?.totalTokenCount ?? promptTokens + outputTokens + thinkingTokens };
}

/** Visible text of a response: text parts that are not thoughts (the SDK's `.text` getter warns on other parts). */
function textOf(r: GenerateContentResponse): string {
  const parts = r.candidates?.[0]?.content?.parts ?? [];
  return parts.filter((p) => typeof p.text === 'string' && !p.thought).map((p) => p.text).join('');
}

/** A structured-output answer that is not valid JSON; keeps the call's usage so its cost is still recorded. */
export class UnparsableJsonError extends ModelCallError {
  constructor(readonly result: GenerationResult) {
    super('model-output', `The model's JSON answer could not be parsed (finish reason ${result.finishReason ?? 'unknown'}).`, undefined, null);
  }
}

/** What one attempt has produced so far (the answering attempt's, or the last one's, is reported). */
interface Progress {
  text: string;
  chunks: number;
  last: GenerateContentResponse | null;
  finishReason: string | null;
}

/** Measurements across every attempt of one call. */
interface CallState {
  t0: number;
  model: string;
  attempts: number;
  retryDelaysMs: number[];
  fallbackFrom: string | null;
  ttftMs: number | null;
  /** Text already received from the model (and handed to onText): from then on nothing is retried. */
  delivered: boolean;
  progress: Progress;
  /** Date.now() past which no attempt is started and a running one is stopped (deadlineMs), or null. */
  deadline: number | null;
}

type Attempt<T> = (model: string, signal: AbortSignal, probe: HttpProbe, progress: Progress) => Promise<T>;

const emptyProgress = (): Progress => ({ text: '', chunks: 0, last: null, finishReason: null });

function newState(model: string, deadlineMs?: number): CallState {
  const deadline = deadlineMs !== undefined && deadlineMs > 0 ? Date.now() + deadlineMs : null;
  return { t0: performance.now(), model, attempts: 0, retryDelaysMs: [], fallbackFrom: null, ttftMs: null, delivered: false, progress: emptyProgress(), deadline };
}

function resultOf(state: CallState): GenerationResult {
  const p = state.progress;
  return {
    text: p.text,
    model: state.model,
    modelVersion: p.last?.modelVersion ?? null,
    usage: usageFrom(p.last?.usageMetadata),
    finishReason: p.finishReason,
    ttftMs: state.ttftMs === null ? null : Math.round(state.ttftMs),
    chunks: p.chunks,
    latencyMs: Math.round(performance.now() - state.t0),
    attempts: state.attempts,
    retryDelaysMs: [...state.retryDelaysMs],
    fallbackFrom: state.fallbackFrom,
    blockReason: p.last?.promptFeedback?.blockReason ?? null,
  };
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const cancelled = (cause?: unknown): ModelCallError => new ModelCallError('cancelled', 'Cancelled.', undefined, null, cause === undefined ? undefined : { cause });

export function createGeminiClient(opts: GeminiClientOptions): GeminiClient {
  if (!opts.apiKey) throw new CodiError('no-key', 'No Gemini API key is set.');
  const policy = retryPolicy(opts.retry);
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const log = opts.logger;
  // The SDK honours GOOGLE_GEMINI_BASE_URL when no baseUrl is passed; name the same endpoint in errors.
  const endpoint = opts.baseUrl?.replace(/\/+$/, '') || process.env.GOOGLE_GEMINI_BASE_URL?.replace(/\/+$/, '') || GEMINI_DEFAULT_ENDPOINT;
  let ai: GoogleGenAI | null = null;
  const client = async (): Promise<GoogleGenAI> => {
    if (ai) return ai;
    const { GoogleGenAI: Ctor } = await loadSdk();
    const baseUrl = opts.baseUrl?.replace(/\/+$/, '');
    // vertexai is passed explicitly so GOOGLE_GENAI_USE_VERTEXAI in the environment cannot switch backends.
    // No SDK retryOptions: retries are ours (below).
    ai = new Ctor({ apiKey: opts.apiKey, vertexai: false, httpOptions: { apiVersion: opts.apiVersion ?? 'v1beta', ...(baseUrl ? { baseUrl } : {}) } });
    return ai;
  };

  /** One attempt under the caller's signal and a fresh per-attempt timeout; every failure mapped. */
  async function once<T>(model: string, req: GenerateRequest, progress: Progress, attempt: Attempt<T>, deadline: number | null): Promise<T> {
    const probe: HttpProbe = { status: null, retryAfterMs: null };
    const timeout = new AbortController();
    const limit = deadline === null ? timeoutMs : Math.max(0, Math.min(timeoutMs, deadline - Date.now()));
    const timer = setTimeout(() => timeout.abort(new Error('timeout')), limit);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout.signal]) : timeout.signal;
    try {
      return await attempt(model, signal, probe, progress);
    } catch (err) {
      if (req.signal?.aborted) throw cancelled(err);
      if (timeout.signal.aborted) {
        const overall = deadline !== null && limit < timeoutMs ? ' (the time allowed for the call, retries included, ran out)' : '';
        throw new ModelCallError('timeout', `Gemini (${model}) did not answer within ${seconds(timeoutMs).replace('.0 s', ' s')}${overall}.`, undefined, null, { cause: err });
      }
      const e = mapModelError(err, model, endpoint);
      const delay = maxDelay(e.retryDelayMs, probe.retryAfterMs);
      if (delay === e.retryDelayMs) throw e;
      throw new ModelCallError(e.kind, e.message, e.status, delay, { cause: e.cause });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Attempts on one model until success, a final failure, or `maxAttempts`. */
  async function withRetries<T>(model: string, req: GenerateRequest, state: CallState, attempt: Attempt<T>): Promise<T> {
    state.model = model;
    for (let n = 1; ; n++) {
      state.progress = emptyProgress();
      state.attempts++;
      let err: ModelCallError;
      try {
        if (opts.gate) await opts.gate.wait(req.signal).catch((e: unknown) => { throw cancelled(e); });
        const value = await once(model, req, state.progress, attempt, state.deadline);
        if (n > 1) log?.info(`${model} answered on attempt ${n}/${policy.maxAttempts}`);
        return value;
      } catch (e) {
        err = e instanceof ModelCallError ? e : mapModelError(e, model, endpoint);
      }
      if (err.kind === 'cancelled' || state.delivered || !isRetryable(err)) throw err;
      if (n >= policy.maxAttempts) {
        if (policy.maxAttempts > 1) log?.warn(`${failureLabel(err)} from ${model}; giving up after ${n} attempts`);
        throw err;
      }
      const delay = backoffDelayMs(n, policy, err.retryDelayMs);
      if (delay !== null && state.deadline !== null && Date.now() + delay >= state.deadline) {
        log?.warn(`${failureLabel(err)} from ${model}; no time left for another attempt (deadline)`);
        throw err;
      }
      if (delay === null) {
        log?.warn(`${failureLabel(err)} from ${model}: the server asks to wait ${seconds(err.retryDelayMs ?? 0)}, over the ${seconds(policy.maxDelayMs)} limit; not retrying`);
        throw err;
      }
      log?.warn(`${failureLabel(err)} from ${model}, retrying in ${seconds(delay)} (attempt ${n + 1}/${policy.maxAttempts})`);
      // A rate limit is everyone's: the other workers hold their next requests for as long.
      if (err.status === 429) opts.gate?.pause(delay);
      req.onRetry?.({ model, failure: failureLabel(err), ...(err.status === undefined ? {} : { status: err.status }), delayMs: delay, attempt: n + 1, maxAttempts: policy.maxAttempts });
      state.retryDelaysMs.push(delay);
      await sleep(delay, req.signal);
    }
  }

  /** A whole call: retries, then the fallback model on 429/503; a failure carries what was measured. */
  async function call<T>(req: GenerateRequest, state: CallState, attempt: Attempt<T>, allowFallback: boolean): Promise<T> {
    if (req.signal?.aborted) throw cancelled();
    const fallback = allowFallback ? (req.fallbackModel ?? opts.fallbackModel) : undefined;
    try {
      try {
        return await withRetries(req.model, req, state, attempt);
      } catch (err) {
        if (!fallback || fallback === req.model || !(err instanceof ModelCallError) || !wantsFallback(err) || state.delivered) throw err;
        log?.warn(`${failureLabel(err)} from ${req.model} after ${state.attempts} attempt(s); falling back to ${fallback}`);
        state.fallbackFrom = req.model;
        return await withRetries(fallback, req, state, attempt);
      }
    } catch (err) {
      const e = err instanceof ModelCallError ? err : mapModelError(err, state.model, endpoint);
      e.partial = resultOf(state);
      throw e;
    }
  }

  const baseConfig = (req: GenerateRequest, signal: AbortSignal, probe: HttpProbe) => ({
    abortSignal: signal,
    // A per-request fetch that records Retry-After (see httpProbe.ts).
    httpOptions: { fetch: observingFetch(probe) },
    ...(req.systemInstruction ? { systemInstruction: req.systemInstruction } : {}),
    ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
    ...(req.maxOutputTokens !== undefined ? { maxOutputTokens: req.maxOutputTokens } : {}),
  });
  const contents = (text: string) => [{ role: 'user', parts: [{ text }] }];

  return {
    async stream(req, onText) {
      const ai = await client();
      const state = newState(req.model, opts.deadlineMs);
      await call(req, state, async (model, signal, probe, p) => {
        const stream = await ai.models.generateContentStream({ model, contents: contents(req.prompt), config: baseConfig(req, signal, probe) });
        for await (const chunk of stream) {
          p.chunks++;
          p.last = chunk;
          const delta = textOf(chunk);
          if (delta) {
            state.ttftMs ??= performance.now() - state.t0;
            state.delivered = true;
            p.text += delta;
            onText?.(delta);
          }
          p.finishReason = chunk.candidates?.[0]?.finishReason ?? p.finishReason;
        }
      }, true);
      return resultOf(state);
    },

    async generateJson(req) {
      const ai = await client();
      const state = newState(req.model, opts.deadlineMs);
      await call(req, state, async (model, signal, probe, p) => {
        const r = await ai.models.generateContent({
          model,
          contents: contents(req.prompt),
          config: { ...baseConfig(req, signal, probe), responseMimeType: 'application/json', responseJsonSchema: req.schema },
        });
        p.last = r;
        p.chunks = 1;
        p.text = textOf(r);
        p.finishReason = r.candidates?.[0]?.finishReason ?? null;
      }, true);
      const base = resultOf(state);
      let json: unknown;
      try {
        json = JSON.parse(base.text);
      } catch {
        throw new UnparsableJsonError(base);
      }
      return { ...base, json };
    },

    async countTokens(req) {
      const ai = await client();
      const creq: GenerateRequest = { model: req.model, prompt: '', signal: req.signal, ...(req.onRetry ? { onRetry: req.onRetry } : {}) };
      return call(creq, newState(req.model), async (model, signal, probe) => {
        const r = await ai.models.countTokens({ model, contents: contents(req.text), config: { abortSignal: signal, httpOptions: { fetch: observingFetch(probe) } } });
        return r.totalTokens ?? 0;
      }, false);
    },

    async getModel(req) {
      const ai = await client();
      const creq: GenerateRequest = { model: req.model, prompt: '', signal: req.signal };
      return call(creq, newState(req.model), async (model, signal, probe) => {
        const m = await ai.models.get({ model, config: { abortSignal: signal, httpOptions: { fetch: observingFetch(probe) } } });
        return { name: m.name ?? `models/${model}`, displayName: m.displayName ?? null, inputTokenLimit: m.inputTokenLimit ?? null, outputTokenLimit: m.outputTokenLimit ?? null };
      }, false);
    },
  };
}
