/**
 * Ending a model command early without losing its trace. SIGINT (Ctrl+C), SIGTERM and SIGHUP (the
 * terminal closed) all cancel the run the same way: the model call is aborted, the partial answer is
 * kept and the trace is saved as cancelled before the process ends (exit 130). A second signal makes the
 * end faster (no Opik delivery afterwards) but still waits for the trace; only a third one leaves at
 * once. When the reader of stdout goes away (`codi explain f.ts | head`), the write fails with EPIPE:
 * the run is cancelled the same way and the command ends quietly once the trace is saved (exit 141).
 */

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

const runs = new Set<AbortController>();
let closed = false;
let hurry = false;
let guarded = false;

/** Whether stdout's reader went away (EPIPE): print nothing more, end quietly. */
export function outputClosed(): boolean {
  return closed;
}

/** Whether a second signal asked for a fast end (skip what can wait, e.g. the Opik delivery). */
export function hurried(): boolean {
  return hurry;
}

/** Once per process: an EPIPE on stdout (or stderr) cancels the running model call instead of crashing. */
export function guardOutput(): void {
  if (guarded) return;
  guarded = true;
  // EPIPE, or any other failure of stdout: the output cannot reach anyone, so the run stops as cancelled.
  process.stdout.on('error', () => {
    closed = true;
    for (const r of runs) r.abort();
  });
  // Nobody reads stderr any more: nothing more can be said there; the trace is still saved.
  process.stderr.on('error', () => undefined);
}

/** Runs `fn` with a signal that SIGINT/SIGTERM/SIGHUP and a closed stdout abort (the pipeline then records a cancelled trace). */
export async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  guardOutput();
  const abort = new AbortController();
  if (closed) abort.abort();
  let count = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      abort.abort();
    } else if (count === 2) {
      hurry = true;
      process.stderr.write(`\ncodi: ${sig} again: saving the cancelled trace, then exiting (once more to exit at once, losing it)…\n`);
    } else {
      process.stderr.write(`\ncodi: exiting without saving the trace.\n`);
      process.exit(130);
    }
  };
  runs.add(abort);
  for (const s of SIGNALS) process.on(s, onSignal);
  try {
    return await fn(abort.signal);
  } finally {
    for (const s of SIGNALS) process.off(s, onSignal);
    runs.delete(abort);
  }
}
