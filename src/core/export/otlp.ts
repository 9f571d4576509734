/**
 * CODI traces as OTLP (OpenTelemetry) spans, following the GenAI semantic conventions, serialised by the
 * OpenTelemetry JS packages (otlp-transformer's JsonTraceSerializer over ReadableSpan-shaped objects).
 *
 * Mapping (one CODI trace → one OTLP trace):
 * - The trace itself is the root span (kind INTERNAL, `gen_ai.operation.name` = invoke_workflow, the
 *   thread as `gen_ai.conversation.id`, usage totals, cost, tags). Spans without a parent hang under it.
 * - An LLM or judge span with a model is a CLIENT span `generate_content <model>` with
 *   `gen_ai.provider.name` = gcp.gemini, `gen_ai.request.model` (the requested model, before a fallback),
 *   `gen_ai.response.model` (the model that answered), `gen_ai.usage.input_tokens` and
 *   `gen_ai.usage.output_tokens` (thinking tokens are billed as output, as Gemini does; also given apart
 *   as `gen_ai.usage.reasoning.output_tokens`). Tool spans are `execute_tool`; others INTERNAL.
 * - Errors are span status ERROR with the message, and `error.type` = the CODI error kind.
 * - Scores are `gen_ai.evaluation.result` events on the span they belong to (the root for trace scores).
 * - Ids: the trace id is the UUIDv7 without dashes (so the same trace keeps its id everywhere); span ids
 *   are the first 8 bytes of a SHA-256 of the CODI span id (stable, so a re-send is the same span).
 * - CODI's own fields go under `codi.*` (ids, types, cost, attributes); inputs and outputs as
 *   `input.value` / `output.value` (cut to 32 KB), which Phoenix shows.
 * Strings are redacted (the caller's Redactor) before anything is converted: the output leaves the machine.
 */
import { createHash } from 'node:crypto';
import type { Attributes, AttributeValue, HrTime, SpanContext } from '@opentelemetry/api';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { Resource } from '@opentelemetry/resources';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import type { Redactor } from '../redact/redact';
import type { ErrorInfo, Score, SpanRecord, TraceRecord, Usage } from '../../shared/types';

/** GenAI semantic-convention names used here (semantic-conventions 1.45, gen_ai.* registry). */
export const GENAI = {
  operation: 'gen_ai.operation.name',
  provider: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  responseModel: 'gen_ai.response.model',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  reasoningTokens: 'gen_ai.usage.reasoning.output_tokens',
  finishReasons: 'gen_ai.response.finish_reasons',
  conversationId: 'gen_ai.conversation.id',
  promptName: 'gen_ai.prompt.name',
  toolName: 'gen_ai.tool.name',
  evaluationEvent: 'gen_ai.evaluation.result',
  evaluationName: 'gen_ai.evaluation.name',
  evaluationScore: 'gen_ai.evaluation.score.value',
  evaluationExplanation: 'gen_ai.evaluation.explanation',
  errorType: 'error.type',
} as const;

export const GEMINI_PROVIDER = 'gcp.gemini';
const MAX_TEXT = 32 * 1024;

export interface OtlpOptions {
  /** Redacts every string of the trace first (defaultRedactor or the user's). */
  redactor: Redactor;
  /** `service.version` and the instrumentation scope's version. */
  version: string;
  /** Where the traces come from: 'vscode' or 'cli' (resource attribute `codi.client`). */
  client: string;
}

const hex = (s: string, chars: number) => createHash('sha256').update(s).digest('hex').slice(0, chars);

/** The OTLP trace id of a CODI trace: its UUID's 32 hex digits (a hash for ids of another shape). */
export function otlpTraceId(traceId: string): string {
  const h = traceId.replace(/-/g, '').toLowerCase();
  return /^[0-9a-f]{32}$/.test(h) ? h : hex(traceId, 32);
}

/** The OTLP span id of a CODI span (the root span of a trace: `otlpSpanId('trace:' + id)`). */
export function otlpSpanId(spanId: string): string {
  return hex(spanId, 16);
}

const hr = (ms: number): HrTime => [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];

function text(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s;
}

function usageAttrs(u: Usage | null): Attributes {
  if (!u) return {};
  return { [GENAI.inputTokens]: u.promptTokens, [GENAI.outputTokens]: u.outputTokens + u.thinkingTokens, [GENAI.reasoningTokens]: u.thinkingTokens, 'codi.usage.total_tokens': u.totalTokens };
}

/** CODI's free-form attributes under `prefix` (scalars and string arrays as they are, the rest as JSON). */
function codiAttrs(attrs: Record<string, unknown>, prefix: string): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[`${prefix}${k}`] = v;
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[`${prefix}${k}`] = v as string[];
    else if (v !== null && v !== undefined) out[`${prefix}${k}`] = text(v) ?? '';
  }
  return out;
}

function statusOf(error: ErrorInfo | null): { code: SpanStatusCode; message?: string } {
  return error ? { code: SpanStatusCode.ERROR, message: error.message } : { code: SpanStatusCode.UNSET };
}

function scoreEvent(s: Score, at: number): TimedEvent {
  const attributes: Attributes = { [GENAI.evaluationName]: s.name, [GENAI.evaluationScore]: s.value, 'codi.score.source': s.source };
  if (s.reason) attributes[GENAI.evaluationExplanation] = s.reason;
  return { name: GENAI.evaluationEvent, time: hr(at), attributes, droppedAttributesCount: 0 };
}

function clean(a: Record<string, AttributeValue | undefined | null>): Attributes {
  return Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined && v !== null)) as Attributes;
}

interface SpanShape {
  name: string;
  kind: SpanKind;
  spanId: string;
  parent: string | null;
  start: number;
  end: number | null;
  attributes: Attributes;
  error: ErrorInfo | null;
  events: TimedEvent[];
}

function readable(traceId: string, s: SpanShape, resource: Resource, scope: { name: string; version: string }): ReadableSpan {
  const ctx: SpanContext = { traceId, spanId: s.spanId, traceFlags: 1 };
  const end = s.end ?? s.start;
  return {
    name: s.name,
    kind: s.kind,
    spanContext: () => ctx,
    parentSpanContext: s.parent ? { traceId, spanId: s.parent, traceFlags: 1 } : undefined,
    startTime: hr(s.start),
    endTime: hr(end),
    duration: hr(Math.max(0, end - s.start)),
    status: statusOf(s.error),
    attributes: s.error ? { ...s.attributes, [GENAI.errorType]: s.error.kind } : s.attributes,
    links: [],
    events: s.events,
    ended: true,
    resource,
    instrumentationScope: scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

function spanShape(sp: SpanRecord, rootId: string, known: Set<string>, scores: Score[], traceEnd: number): SpanShape {
  const isModelCall = (sp.type === 'llm' || sp.type === 'judge') && !!sp.model;
  const attr = sp.attributes ?? {};
  const requested = typeof attr.fallbackFrom === 'string' && attr.fallbackFrom ? attr.fallbackFrom : typeof attr.requestedModel === 'string' ? attr.requestedModel : sp.model;
  const attributes = clean({
    'codi.span.id': sp.id,
    'codi.span.type': sp.type,
    'codi.cost_usd': sp.costUsd,
    ...(isModelCall
      ? {
          [GENAI.operation]: 'generate_content',
          [GENAI.provider]: GEMINI_PROVIDER,
          [GENAI.requestModel]: requested,
          [GENAI.responseModel]: sp.model,
          [GENAI.promptName]: typeof attr.promptName === 'string' ? attr.promptName : undefined,
          [GENAI.finishReasons]: typeof attr.finishReason === 'string' ? [attr.finishReason] : undefined,
        }
      : sp.type === 'tool'
        ? { [GENAI.operation]: 'execute_tool', [GENAI.toolName]: sp.name }
        : {}),
    ...usageAttrs(sp.usage),
    ...codiAttrs(attr, 'codi.attr.'),
    'input.value': text(sp.input),
    'output.value': text(sp.output),
  });
  return {
    name: isModelCall ? `generate_content ${sp.model}` : sp.name,
    kind: isModelCall ? SpanKind.CLIENT : SpanKind.INTERNAL,
    spanId: otlpSpanId(sp.id),
    parent: sp.parentSpanId && known.has(sp.parentSpanId) ? otlpSpanId(sp.parentSpanId) : rootId,
    start: sp.startTime,
    end: sp.endTime,
    attributes,
    error: sp.error,
    events: scores.filter((s) => s.spanId === sp.id).map((s) => scoreEvent(s, sp.endTime ?? traceEnd)),
  };
}

/** The ReadableSpans of traces (root span first, then the trace's spans), redacted. */
export function toReadableSpans(traces: readonly TraceRecord[], opts: OtlpOptions): ReadableSpan[] {
  const resource = resourceFromAttributes({ 'service.name': 'codi', 'service.version': opts.version, 'codi.client': opts.client });
  const scope = { name: 'codi', version: opts.version };
  const out: ReadableSpan[] = [];
  for (const raw of traces) {
    const t = opts.redactor.value(raw);
    const traceId = otlpTraceId(t.id);
    const rootId = otlpSpanId(`trace:${t.id}`);
    const end = t.endTime ?? t.startTime;
    const known = new Set(t.spans.map((s) => s.id));
    const spanScores = new Set(t.spans.map((s) => s.id));
    const meta = t.metadata ?? {};
    const root: SpanShape = {
      name: t.name,
      kind: SpanKind.INTERNAL,
      spanId: rootId,
      parent: null,
      start: t.startTime,
      end: t.endTime,
      attributes: clean({
        [GENAI.operation]: 'invoke_workflow',
        [GENAI.provider]: GEMINI_PROVIDER,
        [GENAI.requestModel]: typeof meta.requestedModel === 'string' ? meta.requestedModel : typeof meta.model === 'string' ? meta.model : undefined,
        [GENAI.responseModel]: typeof meta.model === 'string' ? meta.model : undefined,
        [GENAI.conversationId]: t.threadId,
        'codi.trace.id': t.id,
        'codi.trace.type': t.type,
        'codi.tags': t.tags.length ? t.tags : undefined,
        'codi.cost_usd': t.costUsd,
        ...usageAttrs(t.usage),
        ...codiAttrs(meta, 'codi.metadata.'),
        'input.value': text(t.input),
        'output.value': text(t.output),
      }),
      error: t.error,
      events: t.scores.filter((s) => !s.spanId || !spanScores.has(s.spanId)).map((s) => scoreEvent(s, end)),
    };
    out.push(readable(traceId, root, resource, scope));
    for (const sp of t.spans) out.push(readable(traceId, spanShape(sp, rootId, known, t.scores, end), resource, scope));
  }
  return out;
}

/** An OTLP/HTTP JSON request body (ExportTraceServiceRequest) for these traces. */
export function otlpJson(traces: readonly TraceRecord[], opts: OtlpOptions): Uint8Array {
  const body = JsonTraceSerializer.serializeRequest(toReadableSpans(traces, opts));
  if (!body) throw new Error('The OpenTelemetry serializer returned nothing.');
  return body;
}
