import type { SpanRecord, SpanType, TraceRecord } from '../../src/shared/types';
import { h, icon } from '../shared/dom';
import { formatCost, formatDuration, formatTokensShort } from '../shared/format';

export const spanTypeIcon: Record<SpanType, string> = {
  llm: 'sparkle',
  judge: 'law',
  tool: 'tools',
  general: 'symbol-event',
};

export interface SpanNode {
  span: SpanRecord;
  depth: number;
  hasChildren: boolean;
}

export interface Timeline {
  start: number;
  end: number;
  total: number;
}

/** Start and end of the whole trace; spans may outlive a trace end that was written early. */
export function timelineOf(trace: TraceRecord, now: number = Date.now()): Timeline {
  let start = trace.startTime;
  let end = trace.endTime ?? trace.startTime;
  for (const s of trace.spans) {
    start = Math.min(start, s.startTime);
    end = Math.max(end, s.endTime ?? (trace.endTime === null ? now : s.startTime));
  }
  return { start, end, total: Math.max(1, end - start) };
}

export function spanDuration(span: SpanRecord): number | null {
  return span.endTime === null ? null : Math.max(0, span.endTime - span.startTime);
}

/**
 * Spans in tree order (depth first, siblings by start time). A span whose parent is missing is shown as a
 * root rather than dropped, so a partially written trace still shows everything it has.
 */
export function flattenSpans(spans: SpanRecord[], collapsed: ReadonlySet<string> = new Set()): SpanNode[] {
  const ids = new Set(spans.map((s) => s.id));
  const children = new Map<string | null, SpanRecord[]>();
  for (const s of spans) {
    const parent = s.parentSpanId !== null && ids.has(s.parentSpanId) && s.parentSpanId !== s.id ? s.parentSpanId : null;
    const list = children.get(parent) ?? [];
    list.push(s);
    children.set(parent, list);
  }
  for (const list of children.values()) list.sort((a, b) => a.startTime - b.startTime || a.name.localeCompare(b.name));
  const out: SpanNode[] = [];
  const seen = new Set<string>();
  const walk = (parent: string | null, depth: number): void => {
    for (const span of children.get(parent) ?? []) {
      if (seen.has(span.id)) continue; // a parent cycle in bad data must not loop forever
      seen.add(span.id);
      const kids = children.get(span.id) ?? [];
      out.push({ span, depth, hasChildren: kids.length > 0 });
      if (!collapsed.has(span.id)) walk(span.id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

export interface RowHandlers {
  onSelect(spanId: string): void;
  onToggle(spanId: string): void;
}

/**
 * Axis ticks at round durations (1, 2 or 5 × a power of ten), about four over the timeline, so the labels
 * read "0, 500 ms, 1.0 s, 1.5 s" rather than quarters like "0.31 s". Each is a fraction (0..1) and a time.
 */
export function axisTicks(total: number, target = 4): { at: number; ms: number }[] {
  const raw = Math.max(1, total) / target;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? raw;
  const ticks: { at: number; ms: number }[] = [];
  for (let ms = 0; ms <= total + 1e-9; ms += step) ticks.push({ at: ms / total, ms });
  return ticks;
}

/** Column header with a time axis above the bars. */
export function waterfallHeader(timeline: Timeline): HTMLElement {
  const axis = h('div', { class: 'axis' });
  const ticks = axisTicks(timeline.total);
  ticks.forEach(({ at, ms }, i) => {
    // The first label starts at its tick and labels near the end end at theirs, so none leaves the column.
    const edge = i === 0 ? ' tick-first' : at > 0.85 ? ' tick-last' : '';
    const tick = h('span', { class: `tick${edge}${i % 2 ? ' tick-odd' : ''}` }, formatDuration(ms));
    tick.style.left = `${(at * 100).toFixed(2)}%`;
    axis.append(tick);
  });
  return h(
    'div',
    { class: 'waterfall-header', role: 'presentation' },
    h('span', { class: 'col-name' }, 'Span'),
    h('span', { class: 'col-timeline' }, axis),
    h('span', { class: 'col-num' }, 'Duration'),
    h('span', { class: 'col-num col-tokens' }, 'Tokens'),
    h('span', { class: 'col-num col-cost' }, 'Cost'),
  );
}

export function spanRow(node: SpanNode, timeline: Timeline, selected: boolean, collapsed: boolean, handlers: RowHandlers): HTMLElement {
  const { span, depth } = node;
  const duration = spanDuration(span);
  const running = span.endTime === null;

  const twistie = node.hasChildren
    ? h('span', {
        class: `twistie codicon codicon-chevron-${collapsed ? 'right' : 'down'}`,
        attrs: { 'aria-hidden': 'true' },
        on: {
          click: (e) => {
            e.stopPropagation();
            handlers.onToggle(span.id);
          },
        },
      })
    : h('span', { class: 'twistie' });
  const nameCell = h(
    'span',
    { class: 'col-name span-name-cell' },
    twistie,
    icon(spanTypeIcon[span.type] ?? 'symbol-event', `span-icon type-${span.type}`),
    h(
      'span',
      { class: 'span-label' },
      h('span', { class: 'span-name', title: span.name }, span.name),
      span.model ? h('span', { class: 'span-model', title: span.model }, span.model) : null,
    ),
    span.error ? h('span', { class: 'span-error codicon codicon-error', title: span.error.message, attrs: { 'aria-label': `Error: ${span.error.message}` } }) : null,
  );
  nameCell.style.paddingLeft = `calc(${depth} * var(--indent, 16px))`;

  const bar = h('span', { class: `bar type-${span.type}${span.error ? ' bar-error' : ''}${running ? ' bar-running' : ''}` });
  const startPct = ((span.startTime - timeline.start) / timeline.total) * 100;
  const endAt = span.endTime ?? timeline.end;
  const widthPct = ((endAt - span.startTime) / timeline.total) * 100;
  bar.style.left = `${Math.max(0, Math.min(100, startPct)).toFixed(2)}%`;
  bar.style.width = `${Math.max(0.4, Math.min(100 - startPct, widthPct)).toFixed(2)}%`;

  const tokens = span.usage ? span.usage.totalTokens : null;
  const row = h(
    'div',
    {
      class: `span-row${selected ? ' selected' : ''}${span.error ? ' has-error' : ''}`,
      role: 'treeitem',
      attrs: {
        'data-span-id': span.id,
        'data-span-type': span.type,
        'aria-level': String(depth + 1),
        'aria-selected': String(selected),
        tabindex: selected ? '0' : '-1',
      },
      on: { click: () => handlers.onSelect(span.id) },
    },
    nameCell,
    h('span', { class: 'col-timeline track' }, bar),
    h('span', { class: 'col-num span-duration' }, running ? 'running…' : formatDuration(duration)),
    h('span', { class: 'col-num col-tokens span-tokens', title: span.usage ? `${span.usage.promptTokens} in · ${span.usage.outputTokens} out · ${span.usage.thinkingTokens} thinking` : '' }, tokens === null ? '' : formatTokensShort(tokens)),
    h('span', { class: 'col-num col-cost span-cost' }, span.costUsd === null ? '' : formatCost(span.costUsd)),
  );
  if (node.hasChildren) row.setAttribute('aria-expanded', String(!collapsed));
  return row;
}
