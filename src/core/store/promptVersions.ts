import { join } from 'node:path';
import type { PromptVersionRecord } from '../prompts/prompt';
import type { PromptVersionBody } from './codec';
import { encodeRecord, parseBody, RecordKind } from './codec';
import { readFrameAt, RecordReadError } from './journal';
import type { StoreIssue } from './replay';
import type { Sql } from './sqljs';
import type { TraceIndex } from './traceIndex';

/**
 * Prompt versions in the trace store: each version's unrendered template is kept once, so a trace's LLM
 * spans (which name prompt and version) can always be traced back to the exact text that produced them.
 *
 * - Journal: a PromptVersion record (codec.ts) per version, written in the same write as the first trace
 *   that used it, and only when the index does not know the version yet. Writers in different processes
 *   may each write the same version; the copies are identical.
 * - Index: table prompt_versions keeps the location of every copy (keyed by location, not by version), so
 *   when a segment holding one copy is compacted away, the other copies still count; the API lists each
 *   version once, with the time of its earliest copy as "first seen". Payloads are read lazily.
 * - Compaction copies one copy per version of the segments it rewrites and never drops a version:
 *   retention and "Clear History" remove traces only (templates are tiny and old traces name them).
 */

export interface StoredPromptVersion {
  name: string;
  version: string;
  system: string;
  user: string;
  /** When the version was first written to this store (epoch ms). */
  createdAt: number;
}

export interface PromptVersionInfo {
  name: string;
  version: string;
  createdAt: number;
}

/** Indexes one copy of a prompt version at its location (the same location twice is one row). */
export function applyPromptVersion(sql: Sql, body: PromptVersionBody, seg: number, off: number, len: number): void {
  if (typeof body.name !== 'string' || typeof body.version !== 'string') return;
  const at = typeof body.at === 'number' ? body.at : 0;
  sql.run('INSERT OR IGNORE INTO prompt_versions (name, version, created_at, seg, off, len) VALUES (?, ?, ?, ?, ?, ?)', [body.name, body.version, at, seg, off, len]);
}

export function hasPromptVersion(sql: Sql, name: string, version: string): boolean {
  return !!sql.one('SELECT 1 FROM prompt_versions WHERE name = ? AND version = ? LIMIT 1', [name, version]);
}

/** Every stored version once, by name, then oldest first. */
export function listPromptVersions(sql: Sql): PromptVersionInfo[] {
  return sql
    .all('SELECT name, version, MIN(created_at) AS first FROM prompt_versions GROUP BY name, version ORDER BY name, first, version')
    .map(([name, version, first]) => ({ name: String(name), version: String(version), createdAt: Number(first) }));
}

type Loc = { off: number };

/** A trace save with the prompt-version records that go just before the trace record, in the same write. */
export interface PreparedSave {
  /** The records to write: the new prompt versions' frames, then the trace's. */
  frame: Buffer;
  /**
   * The store's index hooks for `frame` (see TraceStore.append), from the trace's own hooks (which get the
   * trace record's offset): they index the prompt versions too, and undo them with the trace.
   */
  hooks(
    apply: (seg: number, off: number) => void,
    early: (seg: number, off: number) => (() => void) | null,
  ): { apply: (seg: number, loc: Loc) => void; early: (seg: number, loc: Loc) => (() => void) | null };
  /** Call once the write has settled (durable or failed). */
  release(): void;
}

/**
 * Decides which prompt versions a save must write: those neither in the index nor being written by this
 * process right now (another process may write the same version at the same time; that is harmless).
 */
export class PromptVersionWriter {
  private readonly inFlight = new Set<string>();

  constructor(private readonly sql: Sql) {}

  prepare(traceFrame: Buffer, prompts: readonly PromptVersionRecord[] | undefined, at: number): PreparedSave {
    const mine: string[] = [];
    const frames: Buffer[] = [];
    const rows: Array<{ body: PromptVersionBody; off: number; len: number }> = [];
    let off = 0;
    for (const p of prompts ?? []) {
      const key = `${p.name}@${p.version}`;
      if (this.inFlight.has(key) || hasPromptVersion(this.sql, p.name, p.version)) continue;
      const body: PromptVersionBody = { at, name: p.name, version: p.version, system: p.system, user: p.user };
      const f = encodeRecord(RecordKind.PromptVersion, body);
      this.inFlight.add(key);
      mine.push(key);
      frames.push(f);
      rows.push({ body, off, len: f.length });
      off += f.length;
    }
    const traceOff = off;
    const indexPrompts = (seg: number, base: number) => {
      for (const r of rows) applyPromptVersion(this.sql, r.body, seg, base + r.off, r.len);
      return () => {
        for (const r of rows) this.sql.run('DELETE FROM prompt_versions WHERE seg = ? AND off = ?', [seg, base + r.off]);
      };
    };
    return {
      frame: frames.length ? Buffer.concat([...frames, traceFrame]) : traceFrame,
      hooks: (apply, early) => ({
        apply: (seg, loc) => {
          indexPrompts(seg, loc.off);
          apply(seg, loc.off + traceOff);
        },
        early: (seg, loc) => {
          const undoTrace = early(seg, loc.off + traceOff);
          if (!undoTrace) return null; // both are indexed once durable (apply)
          const undoPrompts = indexPrompts(seg, loc.off);
          return () => {
            undoTrace();
            undoPrompts();
          };
        },
      }),
      release: () => {
        for (const k of mine) this.inFlight.delete(k);
      },
    };
  }
}

export interface PromptReadContext {
  journalDir: string;
  index: TraceIndex;
  /** Catches up with the journal (another process may have compacted the segment away). */
  refresh(): Promise<unknown>;
  report(issue: StoreIssue): void;
}

/** A stored prompt version with its template (read from the journal), or null if the store does not have it. */
export async function readPromptVersion(ctx: PromptReadContext, name: string, version: string): Promise<StoredPromptVersion | null> {
  for (let attempt = 0; ; attempt++) {
    const copies = ctx.index.sql.all('SELECT seg, off, len, created_at FROM prompt_versions WHERE name = ? AND version = ? ORDER BY created_at, seg, off', [name, version]);
    if (!copies.length) return null;
    let missing = false;
    for (const [seg, off, len] of copies) {
      const segment = ctx.index.nameOf(Number(seg));
      try {
        const rec = await readFrameAt(join(ctx.journalDir, segment), Number(off), Number(len));
        let body: PromptVersionBody | null = null;
        try {
          body = rec.kind === RecordKind.PromptVersion ? parseBody<PromptVersionBody>(rec) : null;
        } catch {
          body = null;
        }
        if (body?.name !== name || body.version !== version || typeof body.system !== 'string' || typeof body.user !== 'string') {
          throw new RecordReadError(`the record at ${segment}:${String(off)} is not prompt ${name}@${version}`, 'damaged');
        }
        return { name, version, system: body.system, user: body.user, createdAt: Number(copies[0]![3]) };
      } catch (e) {
        if (!(e instanceof RecordReadError)) throw e;
        if (e.code === 'missing') missing = true;
        else ctx.report({ kind: 'damaged-record', segment, offset: Number(off), message: `Prompt version ${name}@${version} could not be read: ${e.message}.` });
      }
    }
    // Compaction in another process moved the records: catch up and look again.
    if (missing && attempt === 0) {
      await ctx.refresh();
      continue;
    }
    throw new Error(`Prompt version ${name}@${version} could not be read from the trace store (${missing ? 'its segment is gone' : 'damaged on disk'}).`);
  }
}
