/**
 * Reads the `Retry-After` header of a failed Gemini response.
 *
 * @google/genai's `ApiError` keeps only `status` and the body text, never the headers. The one clean
 * hook the SDK offers is `httpOptions.fetch` (a custom fetch), which it also accepts per request in
 * `config.httpOptions` (merged over the client's options in `patchHttpOptions`). So every attempt
 * passes its own observing fetch that records the status and `Retry-After` into a probe object and
 * returns the Response untouched; the SDK then reads the body and throws its ApiError as usual.
 *
 * One side effect to undo: when no custom fetch is set, the SDK (Node only) passes an Undici
 * dispatcher that turns off Undici's default 300 s headers/body timeouts, so that only the caller's
 * timeout applies (long thinking calls can exceed 300 s). With a custom fetch it leaves that to us,
 * so we pass the same kind of dispatcher: it delegates to Node's global dispatcher with both
 * timeouts at 0. If Node's global dispatcher cannot be found we send no dispatcher (Undici defaults).
 */
import { parseRetryAfter } from './retry';

export interface HttpProbe {
  /** HTTP status of the last response of this attempt (null before headers arrived). */
  status: number | null;
  /** `Retry-After` of a non-2xx response, in ms. */
  retryAfterMs: number | null;
}

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

interface UndiciDispatcher {
  dispatch(opts: Record<string, unknown>, handler: unknown): boolean;
}

const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

function globalDispatcher(): UndiciDispatcher | null {
  const g = globalThis as unknown as Record<symbol, unknown>;
  if (!g[GLOBAL_DISPATCHER] && typeof Headers !== 'undefined') new Headers(); // Node initialises Undici lazily
  const d = g[GLOBAL_DISPATCHER] as Partial<UndiciDispatcher> | undefined;
  return d && typeof d.dispatch === 'function' ? (d as UndiciDispatcher) : null;
}

function noTimeoutDispatcher(): UndiciDispatcher | null {
  if (!globalDispatcher()) return null;
  return {
    dispatch(opts, handler) {
      const d = globalDispatcher();
      if (!d) throw new Error('Undici globalDispatcher is not available.');
      return d.dispatch({ ...opts, headersTimeout: 0, bodyTimeout: 0 }, handler);
    },
  };
}

/** A fetch for one attempt that fills `probe` and otherwise behaves exactly like the global fetch. */
export function observingFetch(probe: HttpProbe): FetchLike {
  return async (input, init) => {
    let effective: RequestInit | undefined = init;
    if (!init?.dispatcher) {
      const dispatcher = noTimeoutDispatcher();
      // Undici only calls dispatch() on it, as with the SDK's own dispatcher; the type wants a full Dispatcher.
      if (dispatcher) effective = { ...init, dispatcher } as unknown as RequestInit;
    }
    const res = await fetch(input, effective);
    probe.status = res.status;
    if (!res.ok) probe.retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
    return res;
  };
}
