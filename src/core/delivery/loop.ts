/**
 * The delivery loop both outbox workers run (Opik's opik/outbox.ts, the OTLP push's export/otlpPush.ts):
 * start / stop, a timer that drains when something is due, one pass at a time (a request for another
 * while one runs becomes one more pass right after it), the pause after a failure that concerns every
 * entry (backoff or Retry-After) and the delivery lease.
 *
 * Lease: each pass takes the queue's lease first (lease.ts) and gives it back when it ends, so two
 * processes on one store never deliver at once and nothing is sent twice; the store is read afresh after
 * taking it, so a pass sees what the previous holder marked sent. A pass that finds the lease taken
 * delivers nothing and reports who holds it (`elsewhere`); the timer tries again after `leaseRetryMs`.
 * A pass checks `holds()` before each request and stops when another process took a stale lease over.
 */
import type { DeliveryLease, LeaseHolder } from './lease';
import { busyMessage } from './lease';

export interface LoopResult {
  pending: number;
  lastError: string | null;
}

export interface DeliveryLoopOptions<R extends LoopResult> {
  /** Log prefix: 'Opik export', 'OTLP push'. */
  label: string;
  /** What the lease guards, for messages: 'The Opik outbox'. */
  what: string;
  /** One pass. `holds()` is false once the lease was lost: stop before the next request. */
  drain(force: boolean, holds: () => Promise<boolean>): Promise<R>;
  /** The result of a pass left to `holder` (nothing delivered); `message` says who delivers. */
  elsewhere(message: string, holder: LeaseHolder | null): Promise<R>;
  /** null: no other process shares the outbox (tests, the legacy file outbox). */
  lease: DeliveryLease | null;
  /** Re-check this often while entries wait. */
  pollMs: number;
  /** Try the lease again this long after finding it taken (default: min(pollMs, 15 s)). */
  leaseRetryMs?: number;
  /** How long `syncNow()` waits for the lease by default (default 10 s). */
  syncWaitMs?: number;
  now(): number;
  log?(level: 'info' | 'warn' | 'error', message: string): void;
  /** After each pass this process delivered (not after one left to another process). */
  onRun?(r: R): void;
}

export class DeliveryLoop<R extends LoopResult> {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<R> | null = null;
  private started = false;
  /** A pass was asked for while one ran: run again right after it. */
  private again = false;
  private pausedUntilMs = 0;
  private failures = 0;
  private blocked: string | null = null;

  constructor(private readonly opts: DeliveryLoopOptions<R>) {}

  /** Starts timer-driven delivery (first pass right away). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.schedule(0);
  }

  /** Stops the timer and waits for a pass in progress (which gives the lease back). Can be started again. */
  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** Something was queued: deliver soon (after a pause in progress). */
  kick(): void {
    if (!this.started) return;
    this.schedule(Math.max(50, this.pausedUntilMs - this.opts.now()));
  }

  /** One pass now, ignoring the pause and backoff; waits up to `leaseWaitMs` for another process's pass. */
  async syncNow(leaseWaitMs = this.opts.syncWaitMs ?? 10_000): Promise<R> {
    while (this.running) await this.running.catch(() => undefined);
    return this.run(true, leaseWaitMs);
  }

  /** The last failure that concerned every entry, not yet followed by a delivery; null when all is well. */
  get lastError(): string | null {
    return this.blocked;
  }

  /** False while paused after a failure (a forced pass goes anyway). */
  mayDeliver(force: boolean): boolean {
    return force || this.opts.now() >= this.pausedUntilMs;
  }

  /** A failure that concerns every entry: pause for `delayFor(consecutive failures)`; returns when to try again. */
  pause(message: string, delayFor: (failures: number) => number): number {
    this.failures += 1;
    const delay = delayFor(this.failures);
    this.pausedUntilMs = this.opts.now() + delay;
    this.blocked = message;
    this.opts.log?.('warn', `${this.opts.label} paused for ${Math.round(delay / 1000)} s: ${message}`);
    return this.pausedUntilMs;
  }

  /** A delivery went through: the pause and the error are over. */
  delivered(): void {
    this.failures = 0;
    this.pausedUntilMs = 0;
    this.blocked = null;
  }

  private schedule(delayMs: number): void {
    if (!this.started) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run(false, 0).catch((err: unknown) => this.opts.log?.('error', `${this.opts.label}: ${String(err)}`));
    }, Math.max(0, delayMs));
    this.timer.unref?.();
  }

  private run(force: boolean, leaseWaitMs: number): Promise<R> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    let elsewhere = false;
    const p = this.pass(force, leaseWaitMs, () => (elsewhere = true)).finally(() => {
      this.running = null;
    });
    this.running = p;
    void p.then(
      (r) => this.afterRun(r, elsewhere),
      () => this.afterRun(null, false),
    );
    return p;
  }

  private async pass(force: boolean, leaseWaitMs: number, leftToOther: () => void): Promise<R> {
    const lease = this.opts.lease;
    if (!lease) return this.opts.drain(force, () => Promise.resolve(true));
    if (!(await (leaseWaitMs > 0 ? lease.acquire(leaseWaitMs) : lease.tryAcquire()))) {
      leftToOther();
      const holder = await lease.holder();
      this.opts.log?.('info', `${this.opts.label}: ${busyMessage(this.opts.what, holder)}`);
      return this.opts.elsewhere(busyMessage(this.opts.what, holder), holder);
    }
    try {
      return await this.opts.drain(force, () => lease.renew());
    } finally {
      await lease.release();
    }
  }

  private afterRun(r: R | null, elsewhere: boolean): void {
    if (r && !elsewhere) this.opts.onRun?.(r);
    const again = this.again;
    this.again = false;
    if (!this.started || this.timer) return;
    const now = this.opts.now();
    if (elsewhere) this.schedule(this.opts.leaseRetryMs ?? Math.min(this.opts.pollMs, 15_000));
    else if (this.pausedUntilMs > now) this.schedule(this.pausedUntilMs - now);
    else if (again) this.schedule(0);
    else if (r === null || r.pending > 0) this.schedule(this.opts.pollMs);
  }
}
