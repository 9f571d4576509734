/**
 * Moving an old store into the shared one: the extension kept its traces in its own global storage
 * (`<globalStorage>/traces`) before the CLI and the extension shared `~/.codi` (location.ts).
 *
 * Why it is safe to interrupt and run again: a trace is copied only when the target lacks its id, and each
 * copy is durable (fsync) before the next, so a crash mid-way leaves some traces copied and a re-run copies
 * the rest, never one twice. Appended ratings and late judge scores travel inside the copied record (`get`
 * merges them), the prompt versions a trace used travel with it, the Opik outbox entries (sent links,
 * pending deliveries, pending score updates) are adopted per trace, experiment files are copied when absent.
 * The old folder is left untouched until every trace was read back from the target; only then is it renamed
 * to `<name>.migrated-<time>` with a note inside saying where its traces went. Never deleted.
 */
import { constants, promises as fs } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { TraceRecord } from '../../shared/types';
import type { PromptVersionRecord } from '../prompts/prompt';
import { withFileLock } from './fileLock';
import type { StoreLogger } from './options';
import type { StoreIssue } from './traceStore';
import { TraceStore } from './traceStore';

export interface LegacyMoveOptions {
  /** The old store folder (absent: nothing to do). */
  from: string;
  /** The open shared store. */
  to: TraceStore;
  wasmPath: string;
  logger?: StoreLogger;
  now?: () => number;
}

export interface LegacyMoveResult {
  /** Traces copied now. */
  moved: number;
  /** Traces the target already had (an earlier, interrupted run; or the same trace in both). */
  present: number;
  /** Traces that could not be read from the old store (it is then kept where it is). */
  unreadable: string[];
  /** Damage the old store reported on open (records it could not index): it is then kept where it is. */
  problems: string[];
  /** Traces whose Opik outbox entries were adopted. */
  outbox: number;
  experiments: number;
  /** Where the old folder went once verified; null when it was kept (see `unreadable`). */
  renamedTo: string | null;
}

const MIGRATE_LOCK = 'migrate.lock';
const PAGE = 1000;
const BATCH = 64;
/** Issues of the old store that may hide a trace: the folder is then kept for a person to look at. */
const KEEP_ON: ReadonlySet<StoreIssue['kind']> = new Set(['damaged-record', 'damaged-segment', 'newer-segment', 'unindexed-record']);

/** Moves the traces of the store at `from` into `to`; null when there is no old store (or it is the target). */
export async function moveLegacyStore(opts: LegacyMoveOptions): Promise<LegacyMoveResult | null> {
  const from = resolve(opts.from);
  if (from === resolve(opts.to.dir) || !(await isDir(from))) return null;
  // Two windows starting at once: the second waits and finds the old folder gone.
  return withFileLock(join(opts.to.dir, MIGRATE_LOCK), async () => ((await isDir(from)) ? run(from, opts) : null), 120_000);
}

async function run(from: string, opts: LegacyMoveOptions): Promise<LegacyMoveResult> {
  const { to } = opts;
  const now = opts.now ?? Date.now;
  const old = await TraceStore.open({ dir: from, wasmPath: opts.wasmPath, ...(opts.logger ? { logger: opts.logger } : {}) });
  const result: LegacyMoveResult = { moved: 0, present: 0, unreadable: [], problems: [], outbox: 0, experiments: 0, renamedTo: null };
  const ids: string[] = [];
  try {
    for (let cursor: string | null = null; ; ) {
      const page = old.query({ limit: PAGE, ...(cursor ? { cursor } : {}) });
      // A batch of saves at once shares the journal's fsyncs (group commit); each save is still durable on its own.
      for (let i = 0; i < page.items.length; i += BATCH) {
        const settled = await Promise.allSettled(
          page.items.slice(i, i + BATCH).map(async (s) => {
            ids.push(s.id);
            if (await to.get(s.id)) return void result.present++;
            const trace = await old.get(s.id).catch(() => null);
            if (!trace) return void result.unreadable.push(s.id);
            const prompts = await promptsOf(old, trace);
            await to.saveTrace(trace, prompts.length ? { prompts } : undefined);
            result.moved++;
          }),
        );
        // Every save of the batch has settled (none still writing) before a failure stops the move.
        const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
      }
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    result.outbox = await to.outbox().adopt(await old.outbox().entries(), now());
    result.problems = old.issues.filter((i) => KEEP_ON.has(i.kind)).map((i) => i.message);
  } finally {
    await old.close();
  }
  result.experiments = await copyExperiments(from, to.dir);
  if (result.unreadable.length || result.problems.length) {
    const what = [result.unreadable.length ? `${result.unreadable.length} trace(s) could not be read` : '', ...result.problems].filter(Boolean).join('; ');
    opts.logger?.warn(`Trace store: ${from}: ${what}. The folder is kept as it is (the readable traces were moved).`);
    return result;
  }
  // Verified: every trace of the old store reads back from the shared one before the old folder is set aside.
  for (const id of ids) if (!(await to.get(id))) throw new Error(`trace ${id} was copied to ${to.dir} but does not read back; ${from} is kept`);
  result.renamedTo = await setAside(from, to.dir, ids.length, now());
  opts.logger?.info?.(`Trace store: moved ${result.moved} trace(s) from ${from} into ${to.dir} (${result.present} already there); the old folder is now ${result.renamedTo}.`);
  return result;
}

/** The templates of the prompt versions a trace used, as the old store kept them. */
async function promptsOf(old: TraceStore, trace: TraceRecord): Promise<PromptVersionRecord[]> {
  const used = trace.metadata.prompts;
  if (typeof used !== 'object' || used === null) return [];
  const out: PromptVersionRecord[] = [];
  for (const [name, version] of Object.entries(used as Record<string, unknown>)) {
    if (typeof version !== 'string') continue;
    const p = await old.getPromptVersion(name, version);
    if (p) out.push({ name: p.name, version: p.version, system: p.system, user: p.user });
  }
  return out;
}

/** Experiment run files (one JSON per run) the shared store lacks. */
async function copyExperiments(from: string, toDir: string): Promise<number> {
  const src = join(from, 'experiments');
  const names = await fs.readdir(src).catch(() => [] as string[]);
  let n = 0;
  for (const name of names.filter((f) => f.endsWith('.json'))) {
    await fs.mkdir(join(toDir, 'experiments'), { recursive: true, mode: 0o700 });
    try {
      await fs.copyFile(join(src, name), join(toDir, 'experiments', name), constants.COPYFILE_EXCL);
      n++;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  return n;
}

async function setAside(from: string, toDir: string, count: number, at: number): Promise<string> {
  const stamp = new Date(at).toISOString().replace(/[:.]/g, '-');
  const target = join(dirname(from), `${basename(from)}.migrated-${stamp}`);
  await fs.writeFile(
    join(from, 'MIGRATED.txt'),
    `The ${count} trace(s) of this store were moved into ${toDir} on ${new Date(at).toISOString()} and read back from there.\nThis folder is no longer used; delete it when you no longer need it.\n`,
  );
  await fs.rename(from, target);
  return target;
}

async function isDir(p: string): Promise<boolean> {
  return fs.stat(p).then((s) => s.isDirectory(), () => false);
}
