import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { tryFileLock } from './fileLock';
import { listSegments } from './journal';
import { JOURNAL_DIR } from './manifest';
import { TMP_SUFFIX } from './segmentBuilder';
import type { RetentionOptions } from './options';
import type { Sql } from './sqljs';

/**
 * Temporary files a process left behind when it died while writing them (kill -9 during a compaction
 * leaves a half-written segment of up to the store's size). Removed as soon as it is safe:
 *
 * - `journal/.<segment>.tmp`: written only by compaction (under compact.lock) and migration (under
 *   store.lock). Whoever holds compact.lock while no migration runs knows no one is writing them.
 * - `<name>.<pid>[-<rand>].tmp` (snapshot, manifest, the CLI's write check): their writer's pid is in the
 *   name; gone with it.
 * - anything else ending in .tmp: after STALE_TMP_MS, as before.
 */
export const COMPACT_LOCK = 'compact.lock';
export const STORE_LOCK = 'store.lock';
const STALE_TMP_MS = 10 * 60_000;
const PID_TMP = /\.(\d+)(?:-[0-9a-f]+)?\.tmp$|^\.write-check-(\d+)-[0-9a-f]+\.tmp$/;
const SEGMENT_TMP = /^\..+\.cdj\.tmp$/;

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

const exists = (path: string) => fs.stat(path).then(
  () => true,
  () => false,
);

/** Removes the stale temporaries of `dir`. `segmentsFree`: the caller holds compact.lock and no migration runs. */
export async function removeStaleTemps(dir: string, segmentsFree: boolean): Promise<number> {
  let removed = 0;
  for (const n of await fs.readdir(dir).catch(() => [] as string[])) {
    if (!n.endsWith(TMP_SUFFIX)) continue;
    const st = await fs.stat(join(dir, n)).catch(() => null);
    if (!st?.isFile()) continue;
    const pid = PID_TMP.exec(n);
    const owner = pid ? Number(pid[1] ?? pid[2]) : null;
    const stale = SEGMENT_TMP.test(n) ? segmentsFree : owner !== null ? !alive(owner) : Date.now() - st.mtimeMs > STALE_TMP_MS;
    if (stale && (await fs.rm(join(dir, n), { force: true }).then(() => true, () => false))) removed++;
  }
  return removed;
}

/** A writer writes its header within milliseconds of creating its segment; an empty one this old never will. */
const EMPTY_SEGMENT_MS = 60_000;

/** Empty segments of writers that died (or hit a full disk) before their header: they hold nothing. */
async function removeEmptySegments(journal: string): Promise<number> {
  let removed = 0;
  for (const n of await listSegments(journal)) {
    const st = await fs.stat(join(journal, n)).catch(() => null);
    if (st?.isFile() && st.size === 0 && Date.now() - st.mtimeMs > EMPTY_SEGMENT_MS && (await fs.rm(join(journal, n)).then(() => true, () => false))) removed++;
  }
  return removed;
}

/** On open: removes stale temporaries of the store and its journal (a running compaction keeps its own). */
export async function cleanTemporaries(dir: string): Promise<number> {
  const journal = join(dir, JOURNAL_DIR);
  const r = await tryFileLock(join(dir, COMPACT_LOCK), async () => {
    const segmentsFree = !(await exists(join(dir, STORE_LOCK)));
    return (await removeStaleTemps(journal, segmentsFree)) + (await removeStaleTemps(dir, segmentsFree)) + (await removeEmptySegments(journal));
  }).catch(() => ({ ran: false as const }));
  // Compaction runs elsewhere: only what dead processes left outside its reach.
  if (!r.ran) return (await removeStaleTemps(journal, false)) + (await removeStaleTemps(dir, false));
  return r.value;
}

/** How many journal segments there are: the CLI writes one per run, and compacts when they pile up. */
export async function segmentCount(dir: string): Promise<number> {
  return (await listSegments(join(dir, JOURNAL_DIR))).length;
}

/** Ids of the traces beyond `maxTraces` (oldest first) and older than `maxDays`. */
export function retentionIds(sql: Sql, opts: RetentionOptions, now: number): string[] {
  const ids = new Set<string>();
  if (opts.maxTraces !== undefined && opts.maxTraces >= 0) {
    for (const [id] of sql.all('SELECT id FROM traces ORDER BY start_time DESC, id DESC LIMIT -1 OFFSET ?', [Math.floor(opts.maxTraces)])) ids.add(String(id));
  }
  if (opts.maxDays !== undefined && opts.maxDays > 0) {
    for (const [id] of sql.all('SELECT id FROM traces WHERE start_time < ?', [now - opts.maxDays * 86_400_000])) ids.add(String(id));
  }
  return [...ids];
}
