import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { checkFrame, encodeRecord, RecordKind } from './codec';
import { listSegments, readAll, syncDir, writerAlive } from './journal';
import { STORE_VERSION } from './manifest';
import type { StoreIssue } from './replay';
import { removeStaleTemps, STORE_LOCK } from './housekeeping';
import { SegmentBuilder } from './segmentBuilder';
import type { SegmentInfo, TraceIndex } from './traceIndex';

/**
 * Compaction: copies the live records of closed segments (sealed, or whose writer is dead) into one new
 * sealed segment, then removes the old ones. Runs under the store's compaction lock file, so only one
 * process compacts at a time; writers never wait for it (each appends to its own segment).
 *
 * Crash safety: the new segment is written under a temporary name, synced and published by rename; its
 * header lists the segments it supersedes, so from that instant every reader ignores them, whether or
 * not they are deleted yet (a later compaction deletes leftovers). Before the rename nothing changed.
 * Records are copied byte for byte (their checksums travel with them). Segments in which damaged bytes
 * were found are moved to journal/damaged/ instead of being deleted. Prompt versions are never dropped:
 * of each version's copies in the rewritten segments, the earliest is copied (promptVersions.ts). Of the
 * Opik outbox and of annotations, only each entry's latest record is copied (the index knows no other;
 * outboxRecords.ts, annotations.ts).
 */

export interface CompactionResult {
  ran: boolean;
  reason: string;
  segmentsIn: number;
  bytesIn: number;
  bytesOut: number;
  records: number;
  removed: number;
  quarantined: string[];
  ms: number;
}

export interface CompactionContext {
  journalDir: string;
  index: TraceIndex;
  isOwn(name: string): boolean;
  report(issue: StoreIssue): void;
  force: boolean;
}

const READ_CHUNK = 4 * 1024 * 1024;
/** A big compacted segment is rewritten only when at least this share of it is garbage. */
const REWRITE_GARBAGE = 0.25;
const BIG_SEGMENT = 64 * 1024 * 1024;
const TOMBSTONE_BATCH = 5000;

interface Item {
  seg: number;
  off: number;
  len: number;
  what: 'T' | 'S' | 'O' | 'P' | 'B' | 'A';
  key: string | null;
  kind: number;
  newOff?: number;
}

async function sizes(journalDir: string, names: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const n of names) {
    const st = await fs.stat(join(journalDir, n)).catch(() => null);
    if (st) out.set(n, st.size);
  }
  return out;
}

/** Reads the frames of `items` (sorted by offset, all in one segment) in large sequential reads. */
async function readFrames(path: string, items: Item[], onFrame: (item: Item, frame: Buffer | null) => Promise<void>): Promise<void> {
  const fh = await fs.open(path, 'r');
  try {
    for (let i = 0; i < items.length; ) {
      let j = i;
      const start = items[i]!.off;
      while (j + 1 < items.length && items[j + 1]!.off + items[j + 1]!.len - start <= READ_CHUNK) j++;
      const buf = Buffer.allocUnsafe(items[j]!.off + items[j]!.len - start);
      const got = await readAll(fh, buf, start);
      for (let k = i; k <= j; k++) {
        const it = items[k]!;
        const frame = it.off - start + it.len <= got ? buf.subarray(it.off - start, it.off - start + it.len) : null;
        const check = frame ? checkFrame(frame, it.off) : null;
        await onFrame(it, check?.ok && check.record.len === it.len ? frame : null);
      }
      i = j + 1;
    }
  } finally {
    await fh.close();
  }
}

export async function compact(ctx: CompactionContext): Promise<CompactionResult> {
  const t0 = performance.now();
  const { index, journalDir } = ctx;
  const result: CompactionResult = { ran: false, reason: '', segmentsIn: 0, bytesIn: 0, bytesOut: 0, records: 0, removed: 0, quarantined: [], ms: 0 };
  const done = (reason: string) => ({ ...result, reason, ms: performance.now() - t0 });
  // This process holds compact.lock: temporaries of earlier compactions are stale (housekeeping.ts).
  const noMigration = !(await fs.stat(join(dirname(journalDir), STORE_LOCK)).then(
    () => true,
    () => false,
  ));
  await removeStaleTemps(journalDir, noMigration);
  await removeStaleTemps(dirname(journalDir), noMigration);
  const present = await listSegments(journalDir);
  const size = await sizes(journalDir, present);

  // Leftovers of an earlier compaction that stopped before deleting what it had replaced.
  for (const info of index.segments().filter((i) => i.gone && size.has(i.name))) {
    if (await removeSegment(journalDir, info, result)) index.forgetSegment(info);
  }

  let candidates = index.segments().filter((i) => size.has(i.name) && !i.gone && !ctx.isOwn(i.name) && (i.sealed || !writerAlive(i)) && i.covered === size.get(i.name));
  if (!candidates.length) return done('nothing to compact');
  const live = new Map<number, number>();
  const list = candidates.map((i) => i.seg).join(',');
  for (const [seg, bytes] of index.sql.all(`SELECT seg, TOTAL(len) FROM (SELECT seg, len FROM traces WHERE seg IN (${list}) UNION ALL SELECT seg, len FROM score_records WHERE seg IN (${list}) UNION ALL SELECT seg, len FROM other_records WHERE seg IN (${list}) UNION ALL SELECT seg, len FROM prompt_versions WHERE seg IN (${list}) UNION ALL SELECT seg, len FROM outbox WHERE seg IN (${list}) UNION ALL SELECT seg, len FROM annotations WHERE seg IN (${list})) GROUP BY seg`)) {
    live.set(Number(seg), Number(bytes));
  }
  const garbage = (i: SegmentInfo) => 1 - (live.get(i.seg) ?? 0) / Math.max(1, size.get(i.name)!);
  if (!ctx.force) candidates = candidates.filter((i) => i.role !== 'compact' || size.get(i.name)! < BIG_SEGMENT || garbage(i) >= REWRITE_GARBAGE || i.damaged);
  if (!ctx.force && (candidates.length < 2 && !candidates.some((i) => garbage(i) >= REWRITE_GARBAGE || i.damaged))) return done('not worth it');
  if (!candidates.length) return done('not worth it');

  const segs = candidates.map((i) => i.seg).join(',');
  const items: Item[] = index.sql
    .all(
      `SELECT seg, off, len, 'T', id, ${RecordKind.Trace} FROM traces WHERE seg IN (${segs})
       UNION ALL SELECT seg, off, len, 'S', key, ${RecordKind.Scores} FROM score_records WHERE seg IN (${segs})
       UNION ALL SELECT seg, off, len, 'O', NULL, kind FROM other_records WHERE seg IN (${segs})
       UNION ALL SELECT seg, off, len, 'B', key, ${RecordKind.OutboxState} FROM outbox WHERE seg IN (${segs})
       UNION ALL SELECT seg, off, len, 'A', key, ${RecordKind.Annotation} FROM annotations WHERE seg IN (${segs})
       UNION ALL SELECT seg, off, len, 'P', NULL, ${RecordKind.PromptVersion} FROM prompt_versions AS p WHERE seg IN (${segs}) AND NOT EXISTS (
         SELECT 1 FROM prompt_versions AS q WHERE q.name = p.name AND q.version = p.version AND q.seg IN (${segs}) AND (q.created_at, q.seg, q.off) < (p.created_at, p.seg, p.off))
       ORDER BY 1, 2`,
    )
    .map(([seg, off, len, what, key, kind]) => ({ seg: Number(seg), off: Number(off), len: Number(len), what: what as Item['what'], key: key === null ? null : String(key), kind: Number(kind) }));
  // Tombstones whose record sits in a segment that stays (a live writer's) must be carried over.
  const carried = index.sql.all(`SELECT id FROM tombstones WHERE seg IS NOT NULL AND seg NOT IN (${segs})`).map((r) => String(r[0]));

  const b = await SegmentBuilder.create(journalDir, 'compact', STORE_VERSION, candidates.map((i) => i.name));
  let newSize: number;
  try {
    for (const info of candidates) {
      const mine = items.filter((it) => it.seg === info.seg);
      if (!mine.length) continue;
      await readFrames(join(journalDir, info.name), mine, async (it, frame) => {
        if (!frame) {
          index.markDamaged(info);
          ctx.report({ kind: 'damaged-record', segment: info.name, offset: it.off, message: `The record at ${info.name}:${it.off} was damaged when compaction read it; it was not copied, and the segment is kept in journal/damaged/.` });
          return;
        }
        it.newOff = await b.add(frame);
      });
    }
    for (let i = 0; i < carried.length; i += TOMBSTONE_BATCH) await b.add(encodeRecord(RecordKind.Delete, { at: Date.now(), ids: carried.slice(i, i + TOMBSTONE_BATCH), reason: 'compaction' }));
    newSize = await b.commit();
  } catch (e) {
    await b.abort();
    throw e;
  }

  // Published: move the index onto the new segment, in batches so this process stays responsive.
  const out = index.addSegment(b.name, b.header, newSize);
  index.markSealed(out);
  const copied = items.filter((it) => it.newOff !== undefined);
  for (let i = 0; i < copied.length; i += 5000) {
    index.sql.tx(() => {
      for (const it of copied.slice(i, i + 5000)) {
        if (it.what === 'T') index.sql.run('UPDATE traces SET seg = ?, off = ? WHERE id = ? AND seg = ? AND off = ?', [out.seg, it.newOff!, it.key!, it.seg, it.off]);
        else if (it.what === 'S') index.sql.run('UPDATE score_records SET seg = ?, off = ? WHERE key = ? AND seg = ?', [out.seg, it.newOff!, it.key!, it.seg]);
        else if (it.what === 'B') index.sql.run('UPDATE outbox SET seg = ?, off = ? WHERE key = ? AND seg = ?', [out.seg, it.newOff!, it.key!, it.seg]);
        else if (it.what === 'A') index.sql.run('UPDATE annotations SET seg = ?, off = ? WHERE key = ? AND seg = ?', [out.seg, it.newOff!, it.key!, it.seg]);
        else if (it.what === 'P') index.sql.run('UPDATE prompt_versions SET seg = ?, off = ? WHERE seg = ? AND off = ?', [out.seg, it.newOff!, it.seg, it.off]);
        else index.sql.run('INSERT OR IGNORE INTO other_records (seg, off, len, kind) VALUES (?, ?, ?, ?)', [out.seg, it.newOff!, it.len, it.kind]);
      }
    });
    await new Promise((r) => setImmediate(r));
  }
  index.sql.run(`DELETE FROM tombstones WHERE seg IS NULL OR seg IN (${segs})`);
  for (const info of candidates) index.markGone(info);
  index.dropRowsIn(candidates);

  for (const info of candidates) if (await removeSegment(journalDir, info, result)) index.forgetSegment(info);
  await syncDir(journalDir);
  return {
    ...result,
    ran: true,
    reason: ctx.force ? 'forced' : 'compacted',
    segmentsIn: candidates.length,
    bytesIn: candidates.reduce((n, i) => n + size.get(i.name)!, 0),
    bytesOut: newSize,
    records: copied.length + carried.length,
    ms: performance.now() - t0,
  };
}

/** Deletes a replaced segment, or moves it to journal/damaged/ if damaged bytes were found in it. */
async function removeSegment(journalDir: string, info: SegmentInfo, result: CompactionResult): Promise<boolean> {
  try {
    if (info.damaged) {
      await fs.mkdir(join(journalDir, 'damaged'), { recursive: true, mode: 0o700 });
      await fs.rename(join(journalDir, info.name), join(journalDir, 'damaged', info.name));
      result.quarantined.push(info.name);
    } else {
      await fs.rm(join(journalDir, info.name), { force: true });
    }
    result.removed++;
    return true;
  } catch {
    return false; // Still open elsewhere (Windows): retried by the next compaction.
  }
}
