/**
 * CODI's retry policy for Gemini calls (the SDK's own `retryOptions` stay off: they ignore
 * `google.rpc.RetryInfo` and `Retry-After`, and cannot tell a stream that already delivered text).
 *
 * - Retried: HTTP 408/429/500/502/503/504, our per-attempt timeout, and network failures (refused,
 *   reset, dropped connection) — but only while nothing has been delivered to the caller.
 * - Never retried: 400/401/403/404 (and any other 4xx), cancellation, malformed or unparsable output.
 * - Delay before attempt n+1: full jitter, `random() * min(maxDelayMs, baseDelayMs * 2^(n-1))`, raised
 *   to the server's own delay (RetryInfo.retryDelay or Retry-After) when it gave one. A server delay
 *   longer than `maxDelayMs` is not waited out: the call fails (or falls back) at once, and the error
 *   keeps `retryDelayMs` so the UI can say when to try again.
 */
import { formatWait, ModelCallError } from './errors';

export interface RetryOptions {
  /** Requests per model, first one included (default 4; 1 disables retries). */
  maxAttempts?: number;
  /** Backoff base, ms (default 1000). */
  baseDelayMs?: number;
  /** Upper bound of one backoff, and of a server-requested delay we are willing to wait (default 60 000). */
  maxDelayMs?: number;
}

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 60_000 };

const finiteAtLeast = (v: number | undefined, min: number, fallback: number): number =>
  typeof v === 'number' && Number.isFinite(v) ? Math.max(min, v) : fallback;

export function retryPolicy(o: RetryOptions | undefined): RetryPolicy {
  return {
    maxAttempts: Math.floor(finiteAtLeast(o?.maxAttempts, 1, DEFAULT_RETRY.maxAttempts)),
    baseDelayMs: finiteAtLeast(o?.baseDelayMs, 0, DEFAULT_RETRY.baseDelayMs),
    maxDelayMs: finiteAtLeast(o?.maxDelayMs, 0, DEFAULT_RETRY.maxDelayMs),
  };
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/** Whether a failed attempt may be repeated (the caller also checks that no text was delivered). */
export function isRetryable(err: ModelCallError): boolean {
  if (err.status !== undefined) return RETRYABLE_STATUS.has(err.status);
  return err.kind === 'network' || err.kind === 'timeout';
}

/** Statuses after which the fallback model is tried (once the primary's retries are spent). */
export function wantsFallback(err: ModelCallError): boolean {
  return err.status === 429 || err.status === 503;
}

/**
 * Delay before the next attempt after `attempt` (1-based) failed; null when the server asks for
 * more than the policy allows (give up now).
 */
export function backoffDelayMs(attempt: number, policy: RetryPolicy, serverDelayMs: number | null, random: () => number = Math.random): number | null {
  if (serverDelayMs !== null && serverDelayMs > policy.maxDelayMs) return null;
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.round(random() * cap);
  return Math.max(serverDelayMs ?? 0, jittered);
}

/**
 * `Retry-After` as ms: delta-seconds ("3", "1.5") or an HTTP date; null when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | null {
  const v = value?.trim();
  if (!v) return null;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(parseFloat(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** The larger of two optional delays. */
export function maxDelay(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

/** Waits `ms`, or rejects with a `cancelled` error as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const cancelled = () => new ModelCallError('cancelled', 'Cancelled.', undefined, null);
    if (signal?.aborted) return reject(cancelled());
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(cancelled());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A short name for a failure in log lines: "429", "timeout", "network error". */
export function failureLabel(err: ModelCallError): string {
  if (err.status !== undefined) return String(err.status);
  if (err.kind === 'timeout') return 'timeout';
  if (err.kind === 'network') return 'network error';
  return err.kind;
}

/** What a retry wait is, for a progress line: "Rate limited — retrying in 58 s (attempt 2/4)". */
export function describeRetry(n: { failure: string; status?: number; delayMs: number; attempt: number; maxAttempts: number; model: string }): string {
  const what = n.status === 429 ? 'Rate limited' : n.status === 503 ? `${n.model} is overloaded` : n.failure === 'timeout' ? 'Timed out' : n.failure === 'network error' ? 'Connection failed' : `Gemini answered ${n.failure}`;
  return `${what} — retrying in ${formatWait(n.delayMs)} (attempt ${n.attempt}/${n.maxAttempts})`;
}
