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

/** Finds the google.rpc.Status JSON inside an ApiError message ("{…}" or "got status: 429 …. {…}"). */
export function parseRpcStatus(message: string): RpcStatus | null {
  const start = message.indexOf('{');
  if (start < 0) return null;
  try {
    const parsed: unknown = JSON.parse(message.slice(start));
    if (typeof parsed === 'object' && parsed !== null && 'error' in parsed) {
      const e = (parsed as { error: unknown }).error;
      if (typeof e === 'object' && e !== null) return e as RpcStatus;
    }
  } catch {
    // Not JSON: the caller falls back to the raw message.
  }
  return null;
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
    options?: { cause?: unknown },
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
    const detail = rpc?.message ?? e.message.slice(0, 300);
    const delay = retryDelayOf(rpc);
    if (status === 400 && (hasReason(rpc, 'API_KEY_INVALID') || /api key not valid/i.test(detail))) {
      return new ModelCallError('auth', `Gemini rejected the API key: ${detail}`, status, null, { cause: e });
    }
    if (status === 401 || status === 403) return new ModelCallError('auth', `Gemini refused access (${status}): ${detail}`, status, null, { cause: e });
    if (status === 429) return new ModelCallError('quota', `Gemini quota or rate limit reached (429): ${detail}`, status, delay, { cause: e });
    if (status === 404) return new ModelCallError('service', `Model "${model}" was not found (404). Check the model setting. ${detail}`, status, null, { cause: e });
    if (status === 408 || status === 504) return new ModelCallError('timeout', `Gemini timed out (${status}): ${detail}`, status, delay, { cause: e });
    if (status >= 500) return new ModelCallError('service', `Gemini service error (${status}): ${detail}`, status, delay, { cause: e });
    return new ModelCallError('bad-input', `Gemini rejected the request (${status}): ${detail}`, status, null, { cause: e });
  }
  if (e instanceof SyntaxError) return new ModelCallError('model-output', `Gemini sent a malformed response: ${e.message}`, undefined, null, { cause: e });
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
