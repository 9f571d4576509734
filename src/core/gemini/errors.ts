import { CodiError } from '../errors';
import type { GenerationResult } from './client';

/** Parses a duration such as "7s" or "1.5s" (google.protobuf.Duration JSON) into milliseconds. */
export function parseDurationMs(d: string): number | null {
  const m = /^(\d+(?:\.\d+)?)s$/.exec(d.trim());
  return m ? Math.round(parseFloat(m[1]!) * 1000) : null;
}

interface RpcStatus {
  code?: number;
  message?: string;
  status?: string;
  details?: Array<Record<string, unknown>>;
}

/**
 * Finds the google.rpc.Status JSON inside an ApiError message: "{…}", "got status: 429 …. {…}", or the
 * JSON-array form `[{"error": …}]` that streamGenerateContent without `alt=sse` answers.
 */
export function parseRpcStatus(message: string): RpcStatus | null {
  for (const open of ['{', '[']) {
    const start = message.indexOf(open);
    if (start < 0) continue;
    try {
      let parsed: unknown = JSON.parse(message.slice(start));
      if (Array.isArray(parsed)) parsed = parsed[0];
      if (typeof parsed === 'object' && parsed !== null && 'error' in parsed) {
        const e = (parsed as { error: unknown }).error;
        if (typeof e === 'object' && e !== null) return e as RpcStatus;
      }
    } catch {
      // Not JSON from here: try the other form, then fall back to the raw message.
    }
  }
  return null;
}

const detailOf = (status: RpcStatus | null, type: string): Record<string, unknown> | undefined =>
  status?.details?.find((d) => typeof d['@type'] === 'string' && d['@type'].endsWith(type));

/** The first `google.rpc.Help` link (e.g. where to enable the API), when the error carries one. */
export function helpLinkOf(status: RpcStatus | null): string | null {
  const links = detailOf(status, 'google.rpc.Help')?.links;
  const first: unknown = Array.isArray(links) ? links[0] : undefined;
  const url = typeof first === 'object' && first !== null ? (first as { url?: unknown }).url : undefined;
  return typeof url === 'string' && /^https:\/\//.test(url) ? url : null;
}

/** What a 429 says was exhausted (`google.rpc.QuotaFailure`): "metric (limit 5, quota id)", or null. */
export function quotaOf(status: RpcStatus | null): string | null {
  const violations = detailOf(status, 'google.rpc.QuotaFailure')?.violations;
  const v: unknown = Array.isArray(violations) ? violations[0] : undefined;
  if (typeof v !== 'object' || v === null) return null;
  const { quotaMetric, quotaId, quotaValue } = v as Record<string, unknown>;
  if (typeof quotaMetric !== 'string') return null;
  const extra = [typeof quotaValue === 'string' || typeof quotaValue === 'number' ? `limit ${quotaValue}` : '', typeof quotaId === 'string' ? quotaId : ''].filter(Boolean);
  return extra.length ? `${quotaMetric} (${extra.join(', ')})` : quotaMetric;
}

/** "58 s", "1.5 s", "2 min 3 s". */
export function formatWait(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s - m * 60);
  return rest ? `${m} min ${rest} s` : `${m} min`;
}

/** `google.rpc.RetryInfo.retryDelay` in ms, when the error body carries one. */
export function retryDelayOf(status: RpcStatus | null): number | null {
  for (const d of status?.details ?? []) {
    if (typeof d['@type'] === 'string' && d['@type'].endsWith('google.rpc.RetryInfo') && typeof d.retryDelay === 'string') {
      return parseDurationMs(d.retryDelay);
    }
  }
  return null;
}

function hasReason(status: RpcStatus | null, reason: string): boolean {
  return (status?.details ?? []).some((d) => d.reason === reason);
}

/** A model-call failure with what the retry policy and the UI need to know. */
export class ModelCallError extends CodiError {
  constructor(
    kind: CodiError['kind'],
    message: string,
    status: number | undefined,
    /** Server-suggested wait before retrying (RetryInfo or Retry-After), in ms. */
    readonly retryDelayMs: number | null,
    options?: { cause?: unknown; nextStep?: string },
  ) {
    super(kind, message, status, options);
  }

  /**
   * Set by the client on the error a call finally fails with: what it measured up to the failure
   * (attempts, retry delays, fallback, and for a stream the partial text already delivered, its chunks
   * and usage), so the span can record it and the UI can keep showing the partial text.
   */
  partial?: GenerationResult;
}

/** Messages of the SDK's JSON and SSE parsing failures: the body was not the JSON Gemini sends. */
const MALFORMED = /Incomplete JSON segment|Unexpected token|Unexpected end of JSON|is not valid JSON|JSON at position|Unterminated string in JSON/i;
const HTML_DETAIL = 'an HTML page instead of a Gemini answer (a proxy, captive portal or gateway answered)';
const looksLikeHtml = (s: string) => /<!DOCTYPE html|<html[\s>]/i.test(s);
/** Says in words what a socket error code means ("ENOTFOUND" alone tells a user little). */
export function networkReason(code: string | undefined, fallback: string): string {
  switch (code) {
    case 'ENOTFOUND':
      return 'the host name could not be resolved (ENOTFOUND)';
    case 'EAI_AGAIN':
      return 'name resolution failed; the machine may be offline (EAI_AGAIN)';
    case 'ECONNREFUSED':
      return 'the connection was refused (ECONNREFUSED)';
    case 'ECONNRESET':
      return 'the connection was reset (ECONNRESET)';
    case 'ETIMEDOUT':
      return 'the connection timed out (ETIMEDOUT)';
    case undefined:
      return fallback;
    default:
      return code;
  }
}

/** Where calls go when no endpoint is configured (the SDK's own default). */
export const GEMINI_DEFAULT_ENDPOINT = 'https://generativelanguage.googleapis.com';

/**
 * Maps whatever @google/genai threw into a ModelCallError with a kind the UI can explain.
 * `ApiError` carries `status` and the JSON body in `message`; a malformed body is a SyntaxError;
 * a dropped socket is `TypeError: terminated`; a refused connection is `TypeError: fetch failed`.
 * `endpoint` (the base URL tried) is named in network failures, so "offline" and "wrong proxy" can be told apart.
 */
export function mapModelError(err: unknown, model: string, endpoint?: string): ModelCallError {
  if (err instanceof ModelCallError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  const rawStatus: unknown = (e as Error & { status?: unknown }).status;
  const status = typeof rawStatus === 'number' ? rawStatus : undefined;
  if (status !== undefined) {
    const rpc = parseRpcStatus(e.message);
    const detail = rpc?.message ?? (looksLikeHtml(e.message) ? HTML_DETAIL : e.message.slice(0, 300));
    const delay = retryDelayOf(rpc);
    const opts = { cause: e };
    if (status === 400 && (hasReason(rpc, 'API_KEY_INVALID') || /api key not valid/i.test(detail))) {
      return new ModelCallError('auth', `Gemini rejected the API key: ${detail}`, status, null, opts);
    }
    if (status === 403 && hasReason(rpc, 'SERVICE_DISABLED')) {
      const link = helpLinkOf(rpc);
      return new ModelCallError('auth', `The Generative Language API is not enabled for the Google Cloud project of this API key (403 SERVICE_DISABLED).`, status, null, {
        ...opts,
        nextStep: `Enable it${link ? ` at ${link}` : ' in the Google Cloud console (APIs & Services)'}, wait a few minutes, then retry; or create a key in Google AI Studio (https://aistudio.google.com/apikey).`,
      });
    }
    if (status === 401 || status === 403) return new ModelCallError('auth', `Gemini refused access (${status}): ${detail}`, status, null, opts);
    if (status === 429) {
      const quota = quotaOf(rpc);
      const wait = delay !== null ? ` Gemini asks to retry in ${formatWait(delay)}.` : '';
      return new ModelCallError('quota', `Gemini rate limit or quota reached (429)${quota ? `: ${quota}` : `: ${detail}`}.${wait}`, status, delay, {
        ...opts,
        nextStep: `${delay !== null ? `Retry after ${formatWait(delay)}` : 'Wait a minute and retry'}, or switch to another model (a fallback model can be set), or use a paid tier for higher limits.`,
      });
    }
    if (status === 404) return new ModelCallError('unknown-model', `Model "${model}" was not found (404): ${detail.replace(/ Call ListModels.*$/, '')}`, status, null, opts);
    if (status === 408 || status === 504) return new ModelCallError('timeout', `Gemini timed out (${status}): ${detail}`, status, delay, opts);
    if (status >= 500) return new ModelCallError('service', `Gemini service error (${status}): ${detail}`, status, delay, opts);
    return new ModelCallError('bad-input', `Gemini rejected the request (${status}): ${detail}`, status, null, {
      ...opts,
      nextStep: 'Check the settings this request used (model, prompt overrides); the log has the full request error.',
    });
  }
  if (e instanceof SyntaxError || MALFORMED.test(e.message)) {
    // The endpoint (or a proxy or gateway in front of it) answered with something that is not Gemini's JSON.
    const what = looksLikeHtml(e.message) ? HTML_DETAIL : `a malformed response (${e.message.slice(0, 200)})`;
    return new ModelCallError('model-output', `Gemini's endpoint sent ${what}. If a proxy or gateway is in between (GOOGLE_GEMINI_BASE_URL), check it.`, undefined, null, { cause: e });
  }
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  if (e instanceof TypeError && /terminated|other side closed|socket/i.test(`${e.message} ${cause?.message ?? ''}`)) {
    return new ModelCallError('network', 'The connection to Gemini dropped before the answer was complete.', undefined, null, { cause: e });
  }
  if (e instanceof TypeError || /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|fetch failed/i.test(`${e.message} ${cause?.code ?? ''}`)) {
    const where = endpoint ? ` at ${endpoint}` : '';
    return new ModelCallError('network', `Gemini could not be reached${where}: ${networkReason(cause?.code, e.message)}.`, undefined, null, { cause: e });
  }
  return new ModelCallError('internal', e.message, undefined, null, { cause: e });
}
