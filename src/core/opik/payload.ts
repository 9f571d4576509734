/**
 * CODI's TraceRecord → Opik REST bodies, in the wire shape of Opik's OpenAPI (`Trace_Write`, `Span_Write`,
 * `FeedbackScoreBatchItem`; snake_case). Every content string is redacted here, so nothing that leaves
 * the machine skips redaction. Mapping decisions:
 *
 * - input/output: Opik renders objects best, so non-object values are wrapped the way Opik's own Python
 *   SDK does: `{input: v}` / `{output: v}` (a string answer becomes `{output: "…"}`).
 * - Opik's `Trace_Write` has no usage or cost (Opik sums them from the spans), so the trace's totals also
 *   go into its metadata as `usage` and `total_estimated_cost` (USD), next to model, prompt name/version,
 *   CODI client and version, and trace type. Trace tags get `codi` and the trace type added.
 * - span type: llm→llm, judge→llm (name prefixed "judge: " unless it says judge, metadata.codi_span_type
 *   = "judge"), tool→tool, general→general. LLM spans get `provider: "google_ai"`.
 * - usage is a flat map of integers (Opik stores Map(String, Int32)): prompt_tokens, completion_tokens,
 *   total_tokens, thinking_tokens. completion_tokens INCLUDES thinking tokens: Gemini bills thinking as
 *   output, so prompt + completion = total and Opik's cost/usage charts match the bill; thinking_tokens
 *   is the thinking part of it, visible_completion_tokens the rest.
 * - scores: name `<source>_<name>` (judge_overall, judge_correctness, user_rating, heuristic_parses);
 *   source judge/heuristic → "sdk" (computed by a program), user → "ui" (a human's feedback; Opik
 *   treats "ui" scores as human annotations). Scores with a spanId go to span feedback scores.
 */
import type { ErrorInfo, Score, SpanRecord, SpanType, TraceRecord, Usage } from '../../shared/types';
import { fitForOpik, OPIK_FIELD_MAX_CHARS } from './limits';
import type { Redactor } from '../redact/redact';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface OpikErrorInfo {
  exception_type: string;
  message?: string;
  traceback: string;
}

export interface OpikTraceWrite {
  id: string;
  project_name: string;
  name: string;
  start_time: string;
  end_time?: string;
  input?: JsonObject;
  output?: JsonObject;
  metadata?: JsonObject;
  tags?: string[];
  error_info?: OpikErrorInfo;
  thread_id?: string;
  /** Time to first token of the first LLM call, ms. */
  ttft?: number;
}

export type OpikSpanType = 'general' | 'tool' | 'llm' | 'guardrail';

export interface OpikSpanWrite {
  id: string;
  project_name: string;
  trace_id: string;
  parent_span_id?: string;
  name: string;
  type: OpikSpanType;
  start_time: string;
  end_time?: string;
  input?: JsonObject;
  output?: JsonObject;
  metadata?: JsonObject;
  model?: string;
  provider?: string;
  usage?: Record<string, number>;
  total_estimated_cost?: number;
  error_info?: OpikErrorInfo;
  ttft?: number;
}

export type OpikScoreSource = 'ui' | 'sdk' | 'online_scoring';

export interface OpikFeedbackScore {
  /** The trace id (trace scores) or span id (span scores). */
  id: string;
  project_name: string;
  name: string;
  /** Categorical scores (annotation labels): the category chosen. */
  category_name?: string;
  value: number;
  reason?: string;
  source: OpikScoreSource;
}

export interface OpikTraceBundle {
  trace: OpikTraceWrite;
  spans: OpikSpanWrite[];
  traceScores: OpikFeedbackScore[];
  spanScores: OpikFeedbackScore[];
}

export interface PayloadOptions {
  projectName: string;
  redactor: Redactor;
  /** Extension or CLI version. */
  clientVersion?: string | null;
  /** Which CODI sent it. */
  client?: 'vscode' | 'cli' | string;
}

/** Plain JSON: drops undefined/functions/symbols, NaN/±Infinity → null, Date → ISO, bigint → string, cycles cut. */
export function toJson(v: unknown, seen: WeakSet<object> = new WeakSet()): JsonValue | undefined {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) ? v : null;
    case 'bigint':
      return v.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (v === null) return null;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  const obj = v as object;
  if (seen.has(obj)) return '[circular]';
  seen.add(obj);
  let out: JsonValue;
  if (Array.isArray(obj)) {
    out = obj.map((x) => toJson(x, seen) ?? null);
  } else if (obj instanceof Map) {
    out = toJson(Object.fromEntries(obj), seen) ?? null;
  } else {
    const o: JsonObject = {};
    for (const [k, x] of Object.entries(obj)) {
      const j = toJson(x, seen);
      if (j !== undefined) o[k] = j;
    }
    out = o;
  }
  seen.delete(obj);
  return out;
}

function isPlainObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Objects as they are; anything else wrapped as `{[wrapKey]: value}`; null/undefined → undefined (omitted). */
export function toOpikObject(v: unknown, wrapKey: 'input' | 'output'): JsonObject | undefined {
  const j = toJson(v);
  if (j === undefined || j === null) return undefined;
  return isPlainObject(j) ? j : { [wrapKey]: j };
}

const iso = (ms: number): string => new Date(ms).toISOString();
const int = (n: number): number => (Number.isFinite(n) ? Math.max(0, Math.round(n)) : 0);

export function opikUsage(u: Usage): Record<string, number> {
  const thinking = int(u.thinkingTokens);
  const visible = int(u.outputTokens);
  const prompt = int(u.promptTokens);
  const total = int(u.totalTokens) || prompt + visible + thinking;
  return {
    prompt_tokens: prompt,
    completion_tokens: visible + thinking,
    total_tokens: total,
    thinking_tokens: thinking,
    visible_completion_tokens: visible,
  };
}

function opikError(e: ErrorInfo, r: Redactor): OpikErrorInfo {
  const message = r.text(e.message);
  return {
    exception_type: e.kind,
    message,
    traceback: `${e.kind}${e.status ? ` (HTTP ${e.status})` : ''}: ${message}`,
  };
}

export function opikSpanType(t: SpanType): OpikSpanType {
  return t === 'judge' ? 'llm' : t;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function spanToOpik(s: SpanRecord, opts: PayloadOptions, fit: (o: JsonObject) => JsonObject): OpikSpanWrite {
  const r = opts.redactor;
  const judge = s.type === 'judge';
  const isLlm = s.type === 'llm' || judge;
  const name = judge && !/judge/i.test(s.name) ? `judge: ${s.name}` : s.name;
  const metadata: JsonObject = { ...(toOpikObject(s.attributes, 'input') ?? {}), codi_span_type: s.type };
  const out: OpikSpanWrite = {
    id: s.id,
    project_name: opts.projectName,
    trace_id: s.traceId,
    name: r.text(name),
    type: opikSpanType(s.type),
    start_time: iso(s.startTime),
    metadata: r.value(metadata),
  };
  if (s.parentSpanId) out.parent_span_id = s.parentSpanId;
  if (s.endTime !== null) out.end_time = iso(s.endTime);
  const input = toOpikObject(s.input, 'input');
  if (input) out.input = fit(r.value(input));
  const output = toOpikObject(s.output, 'output');
  if (output) out.output = fit(r.value(output));
  if (s.model) out.model = r.text(s.model);
  const provider = s.provider ?? (isLlm ? 'google_ai' : null);
  if (provider) out.provider = provider;
  if (s.usage) out.usage = opikUsage(s.usage);
  const cost = num(s.costUsd);
  if (cost !== undefined) out.total_estimated_cost = cost;
  if (s.error) out.error_info = opikError(s.error, r);
  const ttft = num(s.attributes.ttftMs);
  if (ttft !== undefined) out.ttft = ttft;
  return out;
}

function traceMetadata(t: TraceRecord, opts: PayloadOptions): JsonObject {
  const m = t.metadata;
  const llm = t.spans.find((s) => s.type === 'llm');
  const base = toOpikObject(m, 'input') ?? {};
  const extra: JsonObject = {
    trace_type: t.type,
    codi_client: opts.client ?? 'codi',
  };
  const model = str(m.model) ?? llm?.model ?? undefined;
  if (model) extra.model = model;
  const promptName = str(m.prompt) ?? str(m.promptName) ?? str(llm?.attributes.promptName);
  if (promptName) extra.prompt_name = promptName;
  const promptVersion = str(m.promptVersion) ?? str(llm?.attributes.promptVersion);
  if (promptVersion) extra.prompt_version = promptVersion;
  const version = opts.clientVersion ?? str(m.clientVersion);
  if (version) extra.codi_version = version;
  if (t.usage) extra.usage = opikUsage(t.usage);
  const cost = num(t.costUsd);
  if (cost !== undefined) extra.total_estimated_cost = cost;
  return { ...base, ...extra };
}

export function opikScoreSource(s: Score['source']): OpikScoreSource {
  return s === 'user' ? 'ui' : 'sdk';
}

export function opikScoreName(s: Pick<Score, 'name' | 'source'>): string {
  const name = s.name.trim() || 'score';
  return name.toLowerCase().startsWith(`${s.source}_`) ? name : `${s.source}_${name}`;
}

/** Trace-level and span-level feedback scores of a trace (skips non-finite values). */
export function scoresToOpik(t: TraceRecord, opts: PayloadOptions): { traceScores: OpikFeedbackScore[]; spanScores: OpikFeedbackScore[] } {
  const traceScores: OpikFeedbackScore[] = [];
  const spanScores: OpikFeedbackScore[] = [];
  for (const s of t.scores) {
    if (!Number.isFinite(s.value)) continue;
    const fs: OpikFeedbackScore = {
      id: s.spanId ?? t.id,
      project_name: opts.projectName,
      name: opts.redactor.text(opikScoreName(s)),
      value: s.value,
      source: opikScoreSource(s.source),
    };
    const reason = s.reason?.trim();
    if (reason) fs.reason = opts.redactor.text(reason);
    (s.spanId ? spanScores : traceScores).push(fs);
  }
  // Annotation labels: one categorical score per label (name `label_<label>`, the label as category, value 1).
  for (const label of t.annotation?.labels ?? []) {
    const name = labelScoreName(label, opts);
    traceScores.push({ id: t.id, project_name: opts.projectName, name, category_name: opts.redactor.text(label), value: 1, reason: 'CODI review label', source: 'ui' });
  }
  return { traceScores, spanScores };
}

export const labelScoreName = (label: string, opts: Pick<PayloadOptions, 'redactor'>): string => opts.redactor.text(`label_${label.replace(/\s+/g, '_')}`);

/** The annotation's note as an Opik comment (redacted), or null when there is none to send or clear. */
export function noteToOpik(t: TraceRecord, opts: Pick<PayloadOptions, 'redactor'>): { id: string; text: string } | null {
  const a = t.annotation;
  return a?.commentId ? { id: a.commentId, text: opts.redactor.text(a.note) } : null;
}

export function traceToOpik(t: TraceRecord, opts: PayloadOptions): OpikTraceBundle {
  const r = opts.redactor;
  const tags = [...new Set(['codi', t.type, ...t.tags])].map((x) => r.text(x));
  const trace: OpikTraceWrite = {
    id: t.id,
    project_name: opts.projectName,
    name: r.text(t.name),
    start_time: iso(t.startTime),
    metadata: r.value(traceMetadata(t, opts)),
    tags,
  };
  if (t.endTime !== null) trace.end_time = iso(t.endTime);
  // Redacted first (a cut must not split a secret the redactor would have found), then cut to size (limits.ts).
  let trimmed = false;
  const fit = (o: JsonObject): JsonObject => {
    const f = fitForOpik(o);
    trimmed ||= f.trimmed;
    return f.value;
  };
  const input = toOpikObject(t.input, 'input');
  if (input) trace.input = fit(r.value(input));
  const output = toOpikObject(t.output, 'output');
  if (output) trace.output = fit(r.value(output));
  const spans = t.spans.map((s) => spanToOpik(s, opts, fit));
  if (trimmed) trace.metadata = { ...trace.metadata, codi_trimmed_for_opik: `texts over ${OPIK_FIELD_MAX_CHARS.toLocaleString('en-US')} characters were cut; the local trace has them in full` };
  if (t.error) trace.error_info = opikError(t.error, r);
  if (t.threadId) trace.thread_id = t.threadId;
  const ttft = num(t.spans.find((s) => s.type === 'llm' && num(s.attributes.ttftMs) !== undefined)?.attributes.ttftMs);
  if (ttft !== undefined) trace.ttft = ttft;
  return { trace, spans, ...scoresToOpik(t, opts) };
}
