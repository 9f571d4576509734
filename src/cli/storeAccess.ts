/**
 * How the CLI opens the trace store and meets its faults, so that nothing paid for is lost:
 *
 * - Opening: any file-system failure (unwritable CODI_HOME, a folder where the snapshot should be…)
 *   becomes a StoreFault, printed as one clean message with a next step (exit 6), never a stack.
 * - Before a paid call: a small write + sync proves the store can take the trace; if it cannot, the
 *   model is not called.
 * - Saving: the tracer writes through a guard that never throws. When the trace cannot be saved (the
 *   disk filled up during the run), the answer is still printed, the failure is remembered here, and
 *   the command says that the trace was NOT saved and why, instead of claiming it was.
 * - Damage: the store's issues (skipped damaged or torn records) become one warning line on stderr
 *   with the count and what to do; `codi store check` lists them.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { describeFsFailure, isFsFailure } from '../core/store/fsErrors';
import { segmentCount } from '../core/store/housekeeping';
import type { StoreIssue } from '../core/store/traceStore';
import { StoreVersionError, TraceStore } from '../core/store/traceStore';
import type { TraceExtras, TraceSink } from '../core/tracing/tracer';
import type { TraceRecord } from '../shared/types';

/** A trace-store failure the CLI explains and exits 5 for. */
export class StoreFault extends Error {
  constructor(
    message: string,
    readonly next: string,
  ) {
    super(message);
    this.name = 'StoreFault';
  }
}

/** Issue kinds that mean traces are not listed (the rest are repairs the store made by itself). */
const LOSS_KINDS: ReadonlySet<StoreIssue['kind']> = new Set(['torn-record', 'damaged-record', 'damaged-segment', 'missing-segment', 'newer-segment']);

/** Wraps a failure to open or read the store in `dir` as a StoreFault; other errors pass through. */
export function storeFaultOf(e: unknown, dir: string, doing: string): unknown {
  if (e instanceof StoreFault) return e;
  if (e instanceof StoreVersionError) return new StoreFault(e.message, 'Install the newer CODI, or point CODI_HOME at another folder.');
  if (!isFsFailure(e)) return e;
  const f = describeFsFailure(e, dir);
  return new StoreFault(`Cannot ${doing} the trace store at ${dir}: ${f.reason}${f.code ? ` (${f.code})` : ''}.`, f.next);
}

let warned = false;

/** One line on stderr for the damage this process found in the store (once per process). */
function warnAboutDamage(store: TraceStore): void {
  const lost = store.issues.filter((i) => LOSS_KINDS.has(i.kind));
  if (warned || lost.length === 0) return;
  warned = true;
  process.stderr.write(
    `codi: warning: the trace store found damage in ${lost.length} place(s) of its journal; the traces stored there are not listed. \`codi store check\` lists them, \`codi store compact\` sets the damaged segments aside in journal/damaged/.\n`,
  );
}

/**
 * Proves the store can take a trace: writes and syncs a small file in the journal folder, then removes
 * it. Cheap (one 4 KB write) and done before any paid call.
 */
async function checkWritable(store: TraceStore): Promise<void> {
  const path = join(store.journalDir, `.write-check-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  let created = false;
  try {
    const fh = await fs.open(path, 'wx', 0o600);
    created = true;
    try {
      await fh.write(Buffer.alloc(4096), 0, 4096, 0);
      await fh.datasync();
    } finally {
      await fh.close();
    }
  } catch (e) {
    const f = describeFsFailure(e, store.dir);
    throw new StoreFault(`The trace store at ${store.dir} cannot record this run: ${f.reason}${f.code ? ` (${f.code})` : ''}. Nothing was sent to the model.`, f.next);
  } finally {
    if (created) await fs.rm(path, { force: true }).catch(() => undefined);
  }
}

/**
 * Opens the store with a logger (damage is reported, not silent). `forRun`: a model command is about to
 * pay for a call, so the store must prove it can take the trace first.
 */
export async function openCliStore(dir: string, wasmPath: string, forRun = false): Promise<TraceStore> {
  let opened: TraceStore | null = null;
  const early: string[] = [];
  // Lost records are summed up in one line (warnAboutDamage); other warnings (a rebuilt index, a snapshot
  // that could not be written) are worth their own line.
  const show = (s: TraceStore, m: string) => {
    const issue = s.issues.find((i) => m === `Trace store: ${i.message}`);
    if (!issue || !LOSS_KINDS.has(issue.kind)) process.stderr.write(`codi: warning: ${m}\n`);
  };
  let store: TraceStore;
  try {
    store = await TraceStore.open({ dir, wasmPath, logger: { warn: (m) => (opened ? show(opened, m) : early.push(m)) } });
  } catch (e) {
    throw storeFaultOf(e, dir, 'open');
  }
  opened = store;
  for (const m of early) show(store, m);
  warnAboutDamage(store);
  if (forRun) {
    try {
      await checkWritable(store);
    } catch (e) {
      await store.close().catch(() => undefined);
      throw e;
    }
  }
  return store;
}

/** Traces this process could not save, by id, with why. */
const unsaved = new Map<string, StoreFault>();

/**
 * The sink the CLI's tracer writes to: saves to the store, and never throws. A failed save is kept
 * (`unsavedTrace`) so the command prints the answer anyway and says the trace was not saved.
 */
export function guardedSink(store: TraceStore): TraceSink {
  return {
    async saveTrace(trace: TraceRecord, extras?: TraceExtras): Promise<void> {
      try {
        await store.saveTrace(trace, extras);
        unsaved.delete(trace.id);
      } catch (e) {
        const f = describeFsFailure(e, store.dir);
        unsaved.set(trace.id, new StoreFault(`The trace ${trace.id} could not be saved in ${store.dir}: ${f.reason}${f.code ? ` (${f.code})` : ''}. The answer above is all there is of this run.`, f.next));
      }
    },
  };
}

/** Why trace `id` could not be saved, or null if it was (or was never tried here). */
export function unsavedTrace(id: string): StoreFault | null {
  return unsaved.get(id) ?? null;
}

/** "trace <id>" for footers, or a warning that it was not saved. */
export function traceLabel(id: string): string {
  return unsaved.has(id) ? `trace ${id} NOT SAVED` : `trace ${id}`;
}

/** The CLI writes one journal segment per run; past this many, a model command compacts after its run. */
export const AUTO_COMPACT_SEGMENTS = 32;

/** After a model run: merges the CLI's one-segment-per-run leftovers once they pile up. Never fails the run. */
export async function compactIfPiledUp(store: TraceStore): Promise<void> {
  try {
    if ((await segmentCount(store.dir)) >= AUTO_COMPACT_SEGMENTS) await store.compact();
  } catch (e) {
    process.stderr.write(`codi: note: the trace store could not be compacted (${e instanceof Error ? e.message : String(e)}); \`codi store compact\` tries again.\n`);
  }
}
