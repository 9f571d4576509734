/**
 * The live OTLP push: each finished trace is queued in the store's durable outbox (queue 'otlp', the
 * OutboxStore port shared with Opik) and POSTed as OTLP/HTTP JSON to `<endpoint>/v1/traces`. An entry
 * is marked sent only after the receiver answered 2xx, so nothing is lost while it is down: failures are
 * recorded on the entries with the time of the next attempt (backoff, or the receiver's Retry-After) and
 * survive restarts; the next drain (a timer in VS Code, the next command in the CLI) delivers them.
 *
 * Failures: connection refused / timeout / 429 / 5xx / 401 / 403 / 404 concern every trace (pause, keep
 * everything queued, say why with the next step in `lastError`); another 4xx refuses only this trace
 * (a batch is retried trace by trace; a single refused trace is marked failed for good).
 *
 * Timing, pauses and exclusivity are the shared DeliveryLoop's (delivery/loop.ts): each pass holds the
 * store's OTLP delivery lease, so two processes on one store never push the same trace twice.
 */
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { TraceRecord } from '../../shared/types';
import type { BackoffPolicy } from '../opik/sender';
import { backoffDelay, RETRY_AFTER_CEILING_MS } from '../opik/sender';
import type { OutboxStore } from '../opik/outboxPort';
import type { DeliveryLease, LeaseHolder } from '../delivery/lease';
import { DeliveryLoop } from '../delivery/loop';
import type { OtlpOptions } from './otlp';
import { otlpJson } from './otlp';

/** The OTLP push backs off faster than Opik (a local collector usually comes back in seconds). */
export const OTLP_BACKOFF: BackoffPolicy = { baseMs: 10_000, maxMs: 600_000, factor: 2, jitter: 0.5 };
const FORCE_NOW = Number.MAX_SAFE_INTEGER;

export interface OtlpPushOptions {
  /** Receiver base URL (`http://localhost:4318`) or the full `…/v1/traces` URL. */
  endpoint: string;
  /** The store's OTLP outbox: `traceStore.outbox('otlp')`. */
  store: OutboxStore;
  loadTrace(traceId: string): Promise<TraceRecord | null>;
  otlp: OtlpOptions;
  /** Per request (default 10 s). */
  timeoutMs?: number;
  batchSize?: number;
  backoff?: BackoffPolicy;
  /** Re-check this often while entries wait (default 60 s). */
  pollMs?: number;
  now?(): number;
  random?(): number;
  log?(level: 'info' | 'warn' | 'error', message: string): void;
  /** After every drain: how many wait, and the failure that stopped delivery (null when all is well). */
  onDidChange?(state: { pending: number; lastError: string | null }): void;
  /** Delivery lease shared with other processes on the store; default: the store's (`store.lease`). */
  lease?: DeliveryLease | null;
  /** Try the lease again this long after another process held it (default 15 s). */
  leaseRetryMs?: number;
}

export interface PushResult {
  sent: number;
  pending: number;
  failed: number;
  lastError: string | null;
  /** Set when nothing was sent because another process holds the delivery lease (lastError says so). */
  deliveredBy?: LeaseHolder | null;
}

interface Failure {
  global: boolean;
  retryAfterMs: number | null;
  message: string;
}

/** `http://host:4318` → `http://host:4318/v1/traces`; a URL already ending in /v1/traces is kept. Throws on a bad URL. */
export function tracesUrl(endpoint: string): string {
  const u = new URL(endpoint.trim());
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`The OTLP endpoint must be an http(s) URL, not "${endpoint}".`);
  if (!/\/v1\/traces\/?$/.test(u.pathname)) u.pathname = `${u.pathname.replace(/\/+$/, '')}/v1/traces`;
  return u.toString();
}

function retryAfter(h: string | null): number | null {
  if (!h) return null;
  const s = Number(h);
  if (Number.isFinite(s)) return s * 1000;
  const at = Date.parse(h);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : null;
}

export class OtlpPusher {
  private readonly url: string;
  private readonly now: () => number;
  private readonly loop: DeliveryLoop<PushResult>;

  constructor(private readonly opts: OtlpPushOptions) {
    this.url = tracesUrl(opts.endpoint);
    this.now = opts.now ?? Date.now;
    this.loop = new DeliveryLoop<PushResult>({
      label: 'OTLP push',
      what: 'The OTLP outbox',
      drain: (force, holds) => this.drain(force, holds),
      elsewhere: async (message, holder) => ({ sent: 0, pending: await opts.store.pendingCount(), failed: 0, lastError: message, deliveredBy: holder }),
      lease: opts.lease !== undefined ? opts.lease : (opts.store.lease?.(opts.otlp.client) ?? null),
      pollMs: opts.pollMs ?? 60_000,
      leaseRetryMs: opts.leaseRetryMs,
      now: this.now,
      log: opts.log,
      onRun: (r) => opts.onDidChange?.({ pending: r.pending, lastError: r.lastError }),
    });
  }

  get endpoint(): string {
    return this.url;
  }

  /** Why delivery is stopped (receiver down, refusing…) with the next step, or null. */
  get lastError(): string | null {
    return this.loop.lastError;
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Queues a finished trace (durably) and schedules delivery. */
  async enqueue(traceId: string): Promise<void> {
    await this.opts.store.enqueue(traceId, this.now());
    this.loop.kick();
  }

  /**
   * Delivers everything queued now, ignoring backoff (stops at the first failure that concerns every trace).
   * Waits up to `leaseWaitMs` (default 10 s) while another process delivers; then reports it in `deliveredBy`.
   */
  syncNow(leaseWaitMs?: number): Promise<PushResult> {
    return this.loop.syncNow(leaseWaitMs);
  }

  private async drain(force: boolean, holds: () => Promise<boolean>): Promise<PushResult> {
    const r: PushResult = { sent: 0, pending: 0, failed: 0, lastError: null };
    const store = this.opts.store;
    const seen = new Set<string>();
    if (this.loop.mayDeliver(force)) {
      for (;;) {
        const due = (await store.due(force ? FORCE_NOW : this.now(), this.opts.batchSize ?? 20)).filter((d) => !seen.has(d.traceId));
        if (!due.length || !(await holds())) break;
        due.forEach((d) => seen.add(d.traceId));
        const traces: TraceRecord[] = [];
        for (const d of due) {
          const t = await this.opts.loadTrace(d.traceId);
          if (t) traces.push(t);
          else await this.fail(d.traceId, 'The trace is no longer in the local store.', null, r);
        }
        if (!(await this.sendGroup(traces, r))) break;
      }
    }
    r.pending = await store.pendingCount();
    r.lastError = this.loop.lastError;
    return r;
  }

  /** False when a failure concerning every trace stopped the drain. */
  private async sendGroup(traces: TraceRecord[], r: PushResult): Promise<boolean> {
    if (!traces.length) return true;
    const f = await this.post(traces);
    if (!f) {
      this.loop.delivered();
      for (const t of traces) await this.opts.store.markSent(t.id, { projectId: null, url: null, at: this.now() });
      r.sent += traces.length;
      return true;
    }
    if (f.global) {
      const until = this.loop.pause(f.message, (n) => (f.retryAfterMs !== null ? Math.min(RETRY_AFTER_CEILING_MS, f.retryAfterMs) : backoffDelay(n, this.opts.backoff ?? OTLP_BACKOFF, this.opts.random)));
      for (const t of traces) await this.fail(t.id, f.message, until, r);
      return false;
    }
    if (traces.length > 1) {
      for (const t of traces) if (!(await this.sendGroup([t], r))) return false;
      return true;
    }
    await this.fail(traces[0]!.id, f.message, null, r);
    return true;
  }

  private async fail(traceId: string, error: string, nextAttemptAt: number | null, r: PushResult): Promise<void> {
    const permanent = nextAttemptAt === null;
    await this.opts.store.markFailed(traceId, { error, nextAttemptAt, permanent, at: this.now() });
    r.failed += 1;
    if (permanent) this.opts.log?.('error', `OTLP push of ${traceId} refused for good: ${error}`);
  }

  /** One request; null when the receiver accepted it. */
  private async post(traces: TraceRecord[]): Promise<Failure | null> {
    const down = (why: string): Failure => ({
      global: true,
      retryAfterMs: null,
      message: `The OTLP receiver at ${this.url} is unreachable (${why}). The traces stay queued and are sent when it is back: start the collector (AI Toolkit, Phoenix…) or clear the OTLP endpoint setting.`,
    });
    let res: Response;
    try {
      res = await fetch(this.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: otlpJson(traces, this.opts.otlp), signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      const name = (e as { name?: string }).name;
      return down(name === 'TimeoutError' ? 'no answer in time' : (cause ?? (e instanceof Error ? e.message : String(e))));
    }
    const body = new Uint8Array(await res.arrayBuffer().catch(() => new ArrayBuffer(0)));
    if (res.ok) {
      const rejected = JsonTraceSerializer.deserializeResponse(body).partialSuccess?.rejectedSpans;
      if (rejected) this.opts.log?.('warn', `OTLP receiver at ${this.url} rejected ${String(rejected)} span(s) of ${traces.length} trace(s).`);
      return null;
    }
    const text = new TextDecoder().decode(body).slice(0, 300);
    const s = res.status;
    if (s === 429 || s >= 500) return { ...down(`HTTP ${s}`), retryAfterMs: retryAfter(res.headers.get('retry-after')) };
    if (s === 401 || s === 403) return { global: true, retryAfterMs: null, message: `The OTLP receiver at ${this.url} refused the request (HTTP ${s}): it wants credentials CODI does not send; use a local collector without authentication. The traces stay queued.` };
    if (s === 404 || s === 405 || s === 415) return { global: true, retryAfterMs: null, message: `${this.url} is not an OTLP/HTTP trace receiver (HTTP ${s}); set the OTLP endpoint to the receiver's base URL, e.g. http://localhost:4318. The traces stay queued.` };
    return { global: false, retryAfterMs: null, message: `The OTLP receiver refused this trace (HTTP ${s}${text ? `: ${text}` : ''}).` };
  }
}
