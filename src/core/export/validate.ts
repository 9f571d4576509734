/** Shape checks for traces read from outside (a JSONL import): a message naming the first bad field, or null. */
import type { SpanType, TraceType } from '../../shared/types';
import { isUuid } from '../ids';

const TRACE_TYPES: readonly TraceType[] = ['explain', 'summarize', 'generate', 'judge', 'experiment'];
const SPAN_TYPES: readonly SpanType[] = ['llm', 'judge', 'tool', 'general'];
const SCORE_SOURCES = ['judge', 'user', 'heuristic'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
const isNum = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const numOrNull = (v: unknown) => v === null || isNum(v);
const strOrNull = (v: unknown) => v === null || typeof v === 'string';

function checkUsage(u: unknown, where: string): string | null {
  if (u === null) return null;
  if (!isObj(u) || !['promptTokens', 'outputTokens', 'thinkingTokens', 'totalTokens'].every((k) => isNum(u[k]))) return `${where}.usage needs promptTokens, outputTokens, thinkingTokens and totalTokens numbers`;
  return null;
}

function checkError(e: unknown, where: string): string | null {
  if (e === null) return null;
  if (!isObj(e) || typeof e.kind !== 'string' || typeof e.message !== 'string') return `${where}.error needs kind and message strings`;
  return null;
}

function checkSpan(s: unknown, i: number, traceId: string): string | null {
  const w = `trace.spans[${i}]`;
  if (!isObj(s)) return `${w} is not an object`;
  if (typeof s.id !== 'string' || !s.id) return `${w}.id must be a non-empty string`;
  if (s.traceId !== traceId) return `${w}.traceId must be the trace's id`;
  if (!strOrNull(s.parentSpanId)) return `${w}.parentSpanId must be a string or null`;
  if (typeof s.name !== 'string') return `${w}.name must be a string`;
  if (!SPAN_TYPES.includes(s.type as SpanType)) return `${w}.type must be one of ${SPAN_TYPES.join(', ')}`;
  if (!isNum(s.startTime) || !numOrNull(s.endTime)) return `${w}.startTime must be a number (epoch ms) and endTime a number or null`;
  if (!strOrNull(s.model) || !strOrNull(s.provider)) return `${w}.model and provider must be strings or null`;
  if (!numOrNull(s.costUsd)) return `${w}.costUsd must be a number or null`;
  if (!isObj(s.attributes)) return `${w}.attributes must be an object`;
  return checkUsage(s.usage, w) ?? checkError(s.error, w);
}

/** Checks a trace record read from outside. */
export function checkTrace(t: unknown): string | null {
  if (!isObj(t)) return '"trace" must be an object';
  // A whole UUID: the store also finds traces by id prefix, so a short id could match another trace.
  if (typeof t.id !== 'string' || !isUuid(t.id)) return 'trace.id must be a trace id (a UUID)';
  if (typeof t.name !== 'string') return 'trace.name must be a string';
  if (!TRACE_TYPES.includes(t.type as TraceType)) return `trace.type must be one of ${TRACE_TYPES.join(', ')}`;
  if (!isNum(t.startTime) || !numOrNull(t.endTime)) return 'trace.startTime must be a number (epoch ms) and endTime a number or null';
  if (!isObj(t.metadata)) return 'trace.metadata must be an object';
  if (!Array.isArray(t.tags) || !t.tags.every((x) => typeof x === 'string')) return 'trace.tags must be an array of strings';
  if (!strOrNull(t.threadId)) return 'trace.threadId must be a string or null';
  if (!numOrNull(t.costUsd)) return 'trace.costUsd must be a number or null';
  const bad = checkUsage(t.usage, 'trace') ?? checkError(t.error, 'trace');
  if (bad) return bad;
  if (!Array.isArray(t.spans)) return 'trace.spans must be an array';
  for (const [i, s] of t.spans.entries()) {
    const e = checkSpan(s, i, t.id);
    if (e) return e;
  }
  if (!Array.isArray(t.scores)) return 'trace.scores must be an array';
  for (const [i, s] of t.scores.entries()) {
    if (!isObj(s) || typeof s.name !== 'string' || !isNum(s.value) || typeof s.reason !== 'string' || !SCORE_SOURCES.includes(String(s.source))) {
      return `trace.scores[${i}] needs name, value (number), reason and source (${SCORE_SOURCES.join(', ')})`;
    }
  }
  return null;
}
