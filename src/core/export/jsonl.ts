/**
 * JSONL export and import of traces: one trace per line, lossless and re-importable.
 *
 * A line is `{"format":"codi.trace/1","trace":TraceRecord,"prompts":[PromptVersionRecord…]}`: the whole
 * trace (spans, judge scores, user ratings, tags, metadata) and the templates of the prompt versions its
 * metadata names (`metadata.prompts`), so an import into an empty store recreates them too. Every line
 * stands alone, so files can be concatenated, split or filtered with `grep`/`jq`.
 *
 * Import is idempotent by trace id (a trace already in the store is skipped, never overwritten), checks
 * every line and reports bad ones with their line number, and writes each trace with its prompt versions
 * in one durable store write: a bad or interrupted line never leaves half a trace behind.
 */
import type { PromptVersionRecord } from '../prompts/prompt';
import { promptVersion } from '../prompts/prompt';
import type { TraceFilter } from '../store/queries';
import type { TracePage, TraceQuery } from '../store/queries';
import type { TraceExtras } from '../tracing/tracer';
import type { TraceRecord } from '../../shared/types';
import { checkTrace } from './validate';

export const JSONL_FORMAT = 'codi.trace/1';

/** One line of a JSONL export. */
export interface JsonlLine {
  format: typeof JSONL_FORMAT;
  trace: TraceRecord;
  /** The templates of the prompt versions the trace used (metadata.prompts), each once. */
  prompts: PromptVersionRecord[];
}

/** What export reads (TraceStore implements it). */
export interface ExportSource {
  query(q: TraceQuery): TracePage;
  get(id: string): Promise<TraceRecord | null>;
  getPromptVersion(name: string, version: string): Promise<{ name: string; version: string; system: string; user: string } | null>;
}

/** What import writes to (TraceStore implements it). */
export interface ImportTarget {
  get(id: string): Promise<TraceRecord | null>;
  saveTrace(trace: TraceRecord, extras?: TraceExtras): Promise<void>;
}

/** `{name: version}` of the prompts a trace used (the tracer's `metadata.prompts`). */
export function promptsOf(trace: TraceRecord): Array<[string, string]> {
  const p = trace.metadata?.prompts;
  if (!p || typeof p !== 'object' || Array.isArray(p)) return [];
  return Object.entries(p as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string');
}

/**
 * The full traces matching `filter`, newest first, each with its prompt versions. Summaries are paged from
 * the index; payloads are read one trace at a time, so memory stays flat whatever the store's size.
 */
export async function* exportTraces(source: ExportSource, filter: TraceFilter, opts: { limit?: number } = {}): AsyncGenerator<JsonlLine> {
  const limit = opts.limit ?? Number.MAX_SAFE_INTEGER;
  const versions = new Map<string, PromptVersionRecord | null>();
  let cursor: string | null = null;
  let n = 0;
  do {
    const page = source.query({ ...filter, limit: Math.min(500, limit - n), cursor });
    for (const s of page.items) {
      const trace = await source.get(s.id);
      if (!trace) continue; // deleted meanwhile
      const prompts: PromptVersionRecord[] = [];
      for (const [name, version] of promptsOf(trace)) {
        const key = `${name}@${version}`;
        if (!versions.has(key)) {
          const v = await source.getPromptVersion(name, version);
          versions.set(key, v && { name: v.name, version: v.version, system: v.system, user: v.user });
        }
        const v = versions.get(key);
        if (v) prompts.push(v);
      }
      yield { format: JSONL_FORMAT, trace, prompts };
      if (++n >= limit) return;
    }
    cursor = page.nextCursor;
  } while (cursor);
}

/** One line as text (no newline). */
export function jsonlText(line: JsonlLine): string {
  return JSON.stringify(line);
}

export interface BadLine {
  /** 1-based line number in the file. */
  line: number;
  message: string;
}

/** A checked line, or why it is bad. Blank lines are `null` (ignored). */
export function parseJsonlLine(text: string): JsonlLine | { error: string } | null {
  if (!text.trim()) return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { error: `not JSON (${e instanceof Error ? e.message : String(e)})` };
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return { error: 'not a JSON object' };
  const o = v as Record<string, unknown>;
  if (o.format !== JSONL_FORMAT) return { error: `"format" must be "${JSONL_FORMAT}" (is this a CODI JSONL export?)` };
  const bad = checkTrace(o.trace);
  if (bad) return { error: bad };
  const prompts = o.prompts ?? [];
  if (!Array.isArray(prompts)) return { error: '"prompts" must be an array' };
  for (const [i, p] of prompts.entries()) {
    const r = p as Record<string, unknown> | null;
    if (!r || typeof r.name !== 'string' || typeof r.version !== 'string' || typeof r.system !== 'string' || typeof r.user !== 'string') {
      return { error: `prompts[${i}] needs name, version, system and user strings` };
    }
    if (promptVersion({ name: r.name, system: r.system, user: r.user }) !== r.version) {
      return { error: `prompts[${i}] (${r.name}): its text does not match version ${r.version}` };
    }
  }
  return { format: JSONL_FORMAT, trace: o.trace as TraceRecord, prompts: prompts as PromptVersionRecord[] };
}

export interface ImportResult {
  imported: number;
  /** Already in the store (same trace id). */
  skipped: number;
  bad: BadLine[];
}

/**
 * Imports lines (from a file read line by line). Each good trace is written with its prompt versions in
 * one durable write; traces already in the store are skipped; bad lines are collected, not fatal.
 */
export async function importTraces(target: ImportTarget, lines: AsyncIterable<string> | Iterable<string>, onProgress?: (r: ImportResult) => void): Promise<ImportResult> {
  const result: ImportResult = { imported: 0, skipped: 0, bad: [] };
  const seen = new Set<string>();
  let n = 0;
  for await (const text of lines) {
    n += 1;
    const parsed = parseJsonlLine(text);
    if (parsed === null) continue;
    if ('error' in parsed) {
      result.bad.push({ line: n, message: parsed.error });
      continue;
    }
    const { trace, prompts } = parsed;
    if (seen.has(trace.id) || (await target.get(trace.id).catch(() => trace)) !== null) {
      result.skipped += 1;
    } else {
      await target.saveTrace(trace, prompts.length ? { prompts } : undefined);
      result.imported += 1;
    }
    seen.add(trace.id);
    onProgress?.(result);
  }
  return result;
}

/** "3 imported, 1 already there, 2 bad lines (line 4: …; line 9: …)". */
export function describeImport(r: ImportResult, maxBad = 5): string {
  const parts = [`${r.imported} imported`, `${r.skipped} already in the store`];
  if (r.bad.length) {
    const shown = r.bad.slice(0, maxBad).map((b) => `line ${b.line}: ${b.message}`);
    if (r.bad.length > maxBad) shown.push(`${r.bad.length - maxBad} more`);
    parts.push(`${r.bad.length} bad line${r.bad.length === 1 ? '' : 's'} not imported (${shown.join('; ')})`);
  }
  return parts.join(', ');
}
