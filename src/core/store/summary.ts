import type { Score, SpanRecord, TraceRecord, TraceSummary } from '../../shared/types';
import { encodeRecord, RecordKind } from './codec';

/** Overall judge score of a trace: the trace-level judge score named "overall", if any (the last one wins). */
export function overallScore(t: { scores: Score[] }): number | null {
  return overallOf(t.scores);
}

export function overallOf(scores: Score[]): number | null {
  let v: number | null = null;
  for (const s of scores) if (s.source === 'judge' && s.name === 'overall' && !s.spanId && typeof s.value === 'number') v = s.value;
  return v;
}

/** The user's own rating of a trace (0..1: thumbs 0/1, stars (n-1)/4): the last trace-level user score, if any. */
export function userRatingOf(scores: Score[]): number | null {
  let v: number | null = null;
  for (const s of scores) if (s.source === 'user' && !s.spanId && typeof s.value === 'number') v = s.value;
  return v;
}

/** The LLM span that produced the answer: the first one that is not inside a judge span. */
export function answerSpan(t: Pick<TraceRecord, 'spans'>): SpanRecord | null {
  const spans = Array.isArray(t.spans) ? t.spans : [];
  const byId = new Map(spans.map((s) => [s.id, s]));
  const underJudge = (s: SpanRecord): boolean => {
    for (let p: SpanRecord | undefined = s, depth = 0; p && depth < 64; p = p.parentSpanId ? byId.get(p.parentSpanId) : undefined, depth++) if (p.type === 'judge') return true;
    return false;
  };
  return spans.find((s) => s.type === 'llm' && !underJudge(s)) ?? null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);
const attr = (o: unknown, k: string): unknown => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined);

/**
 * What the dashboard groups by, derived once when a trace is indexed: the model that answered (the
 * fallback when one was used), `name@version` of the prompt that produced the answer, the error kind
 * (`blocked` for an answer withheld by safety filters), and the time to first token.
 */
export function analysisOf(t: TraceRecord): { answerModel: string | null; promptVersion: string | null; errorKind: string | null; ttftMs: number | null } {
  const span = answerSpan(t);
  const m = t.metadata ?? {};
  const name = str(attr(span?.input, 'prompt')) ?? str(m.prompt);
  const version = str(attr(span?.input, 'promptVersion')) ?? str(m.promptVersion);
  const blocked = (t.spans ?? []).some((s) => str(s.attributes?.blockReason));
  const kind = t.error ? (t.error.kind === 'model-output' && blocked ? 'blocked' : String(t.error.kind)) : null;
  const ttft = span?.attributes?.ttftMs;
  return {
    answerModel: span?.model ?? str(m.model),
    promptVersion: name && version ? `${name}@${version}` : null,
    errorKind: kind,
    ttftMs: typeof ttft === 'number' && Number.isFinite(ttft) ? Math.round(ttft) : null,
  };
}

/**
 * How much of each payload the index keeps for text search. The title is searched whole; inputs and
 * outputs by their first characters: the full payloads stay on disk (see the design note in traceStore.ts).
 */
export const SEARCH_NAME_CHARS = 200;
export const SEARCH_PAYLOAD_CHARS = 240;

/** The string content of a payload, depth first, up to `max` characters. */
export function textOf(value: unknown, max: number): string {
  const parts: string[] = [];
  let left = max;
  const walk = (v: unknown, depth: number) => {
    if (left <= 0 || v === null || v === undefined || depth > 8) return;
    if (typeof v === 'string') {
      const s = v.length > left ? v.slice(0, left) : v;
      parts.push(s);
      left -= s.length + 1;
    } else if (typeof v === 'number' || typeof v === 'boolean') {
      walk(String(v), depth);
    } else if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
    } else if (typeof v === 'object') {
      for (const x of Object.values(v as Record<string, unknown>)) walk(x, depth + 1);
    }
  };
  walk(value, 0);
  return parts.join(' ');
}

/** The lower-cased text the index searches: title, start of the input, start of the output. */
export function searchTextOf(t: TraceRecord): string {
  const raw = `${t.name.slice(0, SEARCH_NAME_CHARS)}\n${textOf(t.input, SEARCH_PAYLOAD_CHARS)}\n${textOf(t.output, SEARCH_PAYLOAD_CHARS)}`;
  return raw.toLowerCase().replace(/\s+/g, ' ');
}

/** The index row of a trace (everything but the payloads). */
export interface TraceRow {
  id: string;
  name: string;
  type: string;
  startTime: number;
  endTime: number | null;
  ownScore: number | null;
  tags: string[];
  threadId: string | null;
  model: string | null;
  totalTokens: number | null;
  costUsd: number | null;
  error: string | null;
  search: string;
  /** Analysis columns (analysisOf); absent in rows of summary version 1. */
  answerModel: string | null;
  promptVersion: string | null;
  errorKind: string | null;
  ttftMs: number | null;
  /** The user's rating carried inside the trace record (later ratings are appended score records). */
  ownUserScore: number | null;
  /**
   * The folder the trace was recorded in (metadata.workspace: the window's workspace folder, the CLI's working
   * folder). Absent in rows written before it was recorded, whose traces carry none: null is exact for them, so
   * SUMMARY_VERSION did not change.
   */
  workspace?: string | null;
}

export function rowOf(t: TraceRecord): TraceRow {
  const model = typeof t.metadata?.model === 'string' ? t.metadata.model : (t.spans?.find((s) => s.model)?.model ?? null);
  return {
    id: t.id,
    name: String(t.name ?? ''),
    type: String(t.type),
    startTime: Number(t.startTime) || 0,
    endTime: typeof t.endTime === 'number' ? t.endTime : null,
    ownScore: overallScore({ scores: Array.isArray(t.scores) ? t.scores : [] }),
    tags: Array.isArray(t.tags) ? t.tags.map(String) : [],
    threadId: t.threadId ?? null,
    model,
    totalTokens: t.usage?.totalTokens ?? null,
    costUsd: typeof t.costUsd === 'number' ? t.costUsd : null,
    error: t.error ? JSON.stringify(t.error) : null,
    search: searchTextOf(t),
    ...analysisOf(t),
    ownUserScore: userRatingOf(Array.isArray(t.scores) ? t.scores : []),
    workspace: typeof t.metadata?.workspace === 'string' ? t.metadata.workspace : null,
  };
}

/**
 * Version of the index row kept in a trace record's summary section. A rebuild uses summaries of this
 * version and parses the whole trace for any other, so changing rowOf() only needs a bump here. 2 added
 * the analysis columns (answer model, prompt version, error kind, time to first token, user rating).
 */
export const SUMMARY_VERSION = 2;

export interface TraceSummarySection {
  v: number;
  at: number;
  row: TraceRow;
}

/** A span output equal to the trace's output (the answer, repeated by the root and the LLM span) is stored as this reference. */
const SAME_AS_OUTPUT = { $sameAs: 'trace.output' } as const;
/** Shorter outputs are cheaper to repeat than to reference. */
const SHARE_MIN_CHARS = 1024;

/** The trace as stored: a long answer is kept once, the spans that repeat it refer to it. */
export function shareOutputs(trace: TraceRecord): TraceRecord {
  const out = trace.output;
  if (typeof out !== 'string' || out.length < SHARE_MIN_CHARS || !trace.spans?.some((sp) => sp.output === out)) return trace;
  return { ...trace, spans: trace.spans.map((sp) => (sp.output === out ? { ...sp, output: SAME_AS_OUTPUT } : sp)) };
}

/** The trace as recorded: references to the trace's output are filled in again (in place). */
export function unshareOutputs(trace: TraceRecord): TraceRecord {
  for (const sp of trace.spans ?? []) {
    const o = sp.output as { $sameAs?: unknown } | null;
    if (o && typeof o === 'object' && o.$sameAs === SAME_AS_OUTPUT.$sameAs && Object.keys(o).length === 1) sp.output = trace.output;
  }
  return trace;
}

/** The journal record of a trace, with its index row in the summary section. */
export function encodeTrace(at: number, trace: TraceRecord): { frame: Buffer; row: TraceRow } {
  const row = rowOf(trace);
  const section: TraceSummarySection = { v: SUMMARY_VERSION, at, row };
  return { frame: encodeRecord(RecordKind.Trace, { at, trace: shareOutputs(trace) }, section), row };
}

/** Columns selected for a summary, in this order (see toSummary). */
export const SUMMARY_COLUMNS = 'id, name, type, start_time, end_time, score, tags, thread_id, model, total_tokens, cost_usd, error';

export function toSummary(v: unknown[]): TraceSummary {
  const [id, name, type, start, end, score, tags, thread, model, tokens, cost, error] = v;
  const startTime = Number(start);
  const endTime = end === null ? null : Number(end);
  return {
    id: String(id),
    name: String(name),
    type: String(type) as TraceSummary['type'],
    startTime,
    endTime,
    durationMs: endTime === null ? null : endTime - startTime,
    score: score === null ? null : Number(score),
    tags: JSON.parse(String(tags)) as string[],
    threadId: thread === null ? null : String(thread),
    model: model === null ? null : String(model),
    totalTokens: tokens === null ? null : Number(tokens),
    costUsd: cost === null ? null : Number(cost),
    error: error === null ? null : (JSON.parse(String(error)) as TraceSummary['error']),
  };
}
