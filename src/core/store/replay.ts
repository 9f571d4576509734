import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { RecordKind } from './codec';
import type { HeaderBody } from './codec';
import { listSegments, readHeader, writerAlive } from './journal';
import { STORE_VERSION } from './manifest';
import { scanSegment } from './scan';
import type { SegmentInfo, TraceIndex } from './traceIndex';

/** Something the store noticed and could not fix silently: shown to the user (log) and kept in `issues`. */
export interface StoreIssue {
  kind: 'torn-record' | 'damaged-record' | 'damaged-segment' | 'missing-segment' | 'damaged-index' | 'newer-segment' | 'unindexed-record';
  message: string;
  segment?: string;
  offset?: number;
}

export interface ReplayContext {
  journalDir: string;
  index: TraceIndex;
  /** Segments this process writes (indexed as they are written, never read back). */
  isOwn(name: string): boolean;
  report(issue: StoreIssue): void;
}

/** A header still unreadable after this long belongs to a writer that died while creating it. */
const HEADER_GRACE_MS = 60_000;

async function registerNew(ctx: ReplayContext, name: string, compacted: string[]): Promise<SegmentInfo | null> {
  const path = join(ctx.journalDir, name);
  const h = await readHeader(path);
  if (h === 'missing') return null;
  if (h === 'pending') {
    const st = await fs.stat(path).catch(() => null);
    if (!st || Date.now() - st.mtimeMs < HEADER_GRACE_MS) return null;
  }
  if (typeof h === 'object' && h.schema > STORE_VERSION) {
    ctx.report({ kind: 'newer-segment', segment: name, message: `Journal segment ${name} was written by a newer CODI (store version ${h.schema}); it was not read. Update CODI.` });
    return null;
  }
  const header: HeaderBody | null = typeof h === 'object' ? h : null;
  const info = ctx.index.addSegment(name, header, 0);
  if (!header) {
    ctx.index.markDamaged(info);
    ctx.report({ kind: 'damaged-segment', segment: name, offset: 0, message: `Journal segment ${name} has a damaged header; its readable records are kept, and it is treated as closed.` });
  }
  if (header?.role === 'compact') compacted.push(name);
  for (const s of header?.supersedes ?? []) {
    const old = ctx.index.segment(s) ?? ctx.index.addSegment(s, null, 0, true);
    if (!old.gone) ctx.index.markGone(old);
  }
  return info;
}

/**
 * Brings the index up to date with the journal: registers new segments, reads what was appended since
 * each segment's watermark, and drops rows whose segment was compacted away (after the compacted
 * segment, which holds their live records, has been read). Returns the number of trace, score and
 * delete records applied.
 */
export async function catchUp(ctx: ReplayContext): Promise<number> {
  const { index } = ctx;
  const present = new Set(await listSegments(ctx.journalDir));
  const vanished: SegmentInfo[] = [];
  for (const info of index.segments()) {
    if (present.has(info.name) || ctx.isOwn(info.name)) continue;
    if (!info.gone) {
      vanished.push(info);
      index.markGone(info);
    }
  }
  // Headers first: a compacted segment says which segments it replaces, and those must not be read.
  const compacted: string[] = [];
  for (const name of present) if (!index.segment(name) && !ctx.isOwn(name)) await registerNew(ctx, name, compacted);

  // Compacted segments first, so the rows of the segments they replace are moved to them.
  const rank = (i: SegmentInfo) => (i.role === 'compact' ? 0 : 1);
  const toRead = index
    .segments()
    .filter((i) => present.has(i.name) && !i.gone && !i.sealed && !ctx.isOwn(i.name))
    .sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
  let applied = 0;
  for (const info of toRead) {
    const res = await scanSegment(join(ctx.journalDir, info.name), info.covered, (records) => {
      index.applyBatch(info, records, (r, e) => {
        index.markDamaged(info);
        ctx.report({ kind: 'damaged-record', segment: info.name, offset: r.off, message: `Skipped an unreadable record at ${info.name}:${r.off} (${e instanceof Error ? e.message : String(e)}).` });
      });
      for (const r of records) if (r.kind === RecordKind.Trace || r.kind === RecordKind.Scores || r.kind === RecordKind.Delete || r.kind === RecordKind.Annotation) applied++;
    });
    if (!res) continue;
    for (const s of res.skipped) {
      index.markDamaged(info);
      ctx.report({ kind: 'damaged-record', segment: info.name, offset: s.off, message: `Skipped ${s.end - s.off} damaged bytes (${s.reason}) at ${info.name}:${s.off}; the records after them were kept.` });
    }
    if (!res.tail) {
      index.setCovered(info, res.covered);
    } else if (!info.sealed && writerAlive(info)) {
      // Its writer is alive: the tail is a record being written. Read it next time.
      index.setCovered(info, res.covered);
    } else {
      index.markDamaged(info);
      ctx.report({ kind: 'torn-record', segment: info.name, offset: res.tail.off, message: `Dropped an incomplete record (${res.size - res.tail.off} bytes, ${res.tail.reason}) at the end of ${info.name}, left by a writer that stopped while writing it. A record is acknowledged only once it is complete and synced, so the save in progress then did not complete; if the bytes were complete once, the disk lost them.` });
      index.setCovered(info, res.size);
    }
  }

  const gone = index.segments().filter((i) => i.gone);
  if (gone.length) {
    const dropped = index.dropRowsIn(gone);
    // Segments vanish when a compaction replaced them; without one, someone removed journal files.
    const unexplained = compacted.length ? [] : vanished.filter((v) => v.covered > 0);
    if (dropped > 0 && unexplained.length) {
      ctx.report({ kind: 'missing-segment', segment: unexplained.map((v) => v.name).join(', '), message: `Journal segment(s) ${unexplained.map((v) => v.name).join(', ')} disappeared without being compacted; ${dropped} trace(s) they held are no longer listed.` });
    }
    for (const i of gone) if (!present.has(i.name)) index.forgetSegment(i);
  }
  return applied;
}
