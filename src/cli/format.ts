import { annotationLine } from '../shared/annotation';
import type { Score, SpanRecord, TraceRecord, TraceSummary } from '../shared/types';

export const fmtMs = (ms: number | null | undefined) => (ms === null || ms === undefined ? '—' : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);
export const fmtCost = (c: number | null | undefined) => (c === null || c === undefined ? '—' : `$${c < 0.01 ? c.toFixed(5) : c.toFixed(4)}`);
export const fmtScore = (s: number | null | undefined) => (s === null || s === undefined ? '—' : s.toFixed(2));
export const fmtInt = (n: number | null | undefined) => (n === null || n === undefined ? '—' : n.toLocaleString('en-US'));

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

/** `traces list` as a table. */
export function formatList(rows: TraceSummary[]): string {
  if (rows.length === 0) return 'No traces yet. Run `codi explain <file>` to record one.';
  const head = ['ID', 'STARTED (UTC)', 'TYPE', 'SCORE', 'DURATION', 'TOKENS', 'COST', 'NAME'];
  const body = rows.map((r) => [r.id, iso(r.startTime), r.type, r.error ? `error:${r.error.kind}` : fmtScore(r.score), fmtMs(r.durationMs), fmtInt(r.totalTokens), fmtCost(r.costUsd), r.name]);
  return columns(head, body);
}

/** Rows as aligned columns (the last column is not padded). */
export function columns(head: string[], body: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  return [head, ...body].map((cols) => cols.map((c, i) => (i === cols.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

function spanLine(s: SpanRecord, depth: number, t0: number): string {
  const bits = [`${'  '.repeat(depth)}${s.name} [${s.type}]`, `+${fmtMs(s.startTime - t0)}`, fmtMs(s.endTime === null ? null : s.endTime - s.startTime)];
  if (s.model) bits.push(s.model);
  if (s.usage) bits.push(`${fmtInt(s.usage.totalTokens)} tok`);
  if (s.costUsd !== null) bits.push(fmtCost(s.costUsd));
  if (s.error) bits.push(`ERROR ${s.error.kind}: ${s.error.message}`);
  return bits.join('  ');
}

/** A trace's Opik export state, as `traces show` reports it. */
export interface OpikLine {
  state: 'off' | 'pending' | 'sent' | 'failed';
  url: string | null;
  lastError: string | null;
}

function opikText(o: OpikLine): string {
  if (o.state === 'sent') return `sent  ${o.url ?? '(no link yet)'}`;
  if (o.state === 'off') return 'off (not exported; `codi opik sync <id>` exports it)';
  return o.lastError ? `${o.state}: ${o.lastError}` : o.state;
}

/** `traces show` for people: header, span tree, scores, output. */
export function formatTrace(t: TraceRecord, opik?: OpikLine): string {
  const out: string[] = [];
  out.push(`${t.name}`, `  id        ${t.id}`, `  type      ${t.type}`, `  started   ${iso(t.startTime)} UTC`);
  out.push(`  duration  ${fmtMs(t.endTime === null ? null : t.endTime - t.startTime)}`);
  out.push(`  tokens    ${fmtInt(t.usage?.totalTokens)} (prompt ${fmtInt(t.usage?.promptTokens)}, output ${fmtInt(t.usage?.outputTokens)}, thinking ${fmtInt(t.usage?.thinkingTokens)})`);
  out.push(`  cost      ${fmtCost(t.costUsd)}`);
  if (t.error) out.push(`  error     ${t.error.kind}: ${t.error.message}`);
  if (opik) out.push(`  opik      ${opikText(opik)}`);
  const review = annotationLine(t.annotation, 200);
  if (review) out.push(`  review    ${review}`);
  out.push('', 'Spans');
  const children = new Map<string | null, SpanRecord[]>();
  for (const s of t.spans) children.set(s.parentSpanId, [...(children.get(s.parentSpanId) ?? []), s]);
  const walk = (parent: string | null, depth: number) => {
    for (const s of children.get(parent) ?? []) {
      out.push(`  ${spanLine(s, depth, t.startTime)}`);
      walk(s.id, depth + 1);
    }
  };
  walk(null, 0);
  if (t.scores.length) {
    out.push('', 'Scores');
    for (const s of t.scores as Score[]) out.push(`  ${s.name.padEnd(14)} ${fmtScore(s.value)}  (${s.source})  ${s.reason}`);
  }
  if (typeof t.output === 'string' && t.output) out.push('', 'Output', t.output);
  return out.join('\n');
}

/** The `traces show --json` contract: the trace with `spans` and `scores` in their documented shapes, and its Opik export state. */
export function traceJson(t: TraceRecord, opik: OpikLine = { state: 'off', url: null, lastError: null }) {
  return {
    id: t.id,
    name: t.name,
    type: t.type,
    startTime: t.startTime,
    endTime: t.endTime,
    durationMs: t.endTime === null ? null : t.endTime - t.startTime,
    input: t.input,
    output: t.output,
    metadata: t.metadata,
    tags: t.tags,
    threadId: t.threadId,
    error: t.error,
    usage: t.usage,
    costUsd: t.costUsd,
    spans: t.spans.map((s) => ({
      id: s.id,
      parentSpanId: s.parentSpanId,
      name: s.name,
      type: s.type,
      startTime: s.startTime,
      endTime: s.endTime,
      model: s.model,
      usage: s.usage,
      costUsd: s.costUsd,
      error: s.error,
      input: s.input,
      output: s.output,
      attributes: s.attributes,
    })),
    scores: t.scores.map((s) => ({ name: s.name, value: s.value, reason: s.reason, source: s.source, spanId: s.spanId ?? null })),
    opik: { state: opik.state, url: opik.url, lastError: opik.lastError },
    annotation: t.annotation ?? null,
  };
}
