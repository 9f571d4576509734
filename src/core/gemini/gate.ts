/**
 * One rate limiter shared by concurrent runs (an experiment's workers): when any call is told to wait
 * (429 with RetryInfo or Retry-After), every worker's next request waits until then, instead of each worker
 * finding the limit on its own and retrying on its own schedule.
 */
export class RateGate {
  private until = 0;

  /** Holds every request until `ms` from now (a later pause extends it, an earlier one does not shorten it). */
  pause(ms: number): void {
    this.until = Math.max(this.until, Date.now() + ms);
  }

  /** Resolves when requests may go out; rejects with the signal's reason when cancelled while waiting. */
  async wait(signal?: AbortSignal): Promise<void> {
    for (let left = this.until - Date.now(); left > 0; left = this.until - Date.now()) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(done, left);
        function done(): void {
          signal?.removeEventListener('abort', abort);
          resolve();
        }
        function abort(): void {
          clearTimeout(t);
          reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
        }
        if (signal?.aborted) return abort();
        signal?.addEventListener('abort', abort, { once: true });
      });
    }
  }
}
