import type { Score, SpanRecord, TraceRecord } from '../../src/shared/types';
import { scoreBadge } from '../shared/badge';
import { h, icon, stat, usageValue, type Child } from '../shared/dom';
import { formatAbsoluteTime, formatCost, formatDuration, formatPayload } from '../shared/format';
import { errorTitle } from '../shared/errors';
import { renderInlineMarkdownInto, renderMarkdownInto } from '../shared/markdown';
import { isUserRatingScore } from '../shared/rating';
import { spanDuration, spanTypeIcon } from './waterfall';

export type CopyFn = (text: string) => void;

const attributeLabels: Record<string, string> = {
  promptName: 'Prompt',
  promptVersion: 'Prompt version',
  ttftMs: 'Time to first token',
  chunks: 'Chunks',
  finishReason: 'Finish reason',
  attempts: 'Attempts',
  retryCount: 'Retries',
  fallbackFrom: 'Fallback from',
  latencyMs: 'Latency',
  modelVersion: 'Model version',
  temperature: 'Temperature',
  thinkingBudget: 'Thinking budget',
};

export const humanize = (key: string): string => {
  const known = attributeLabels[key];
  if (known) return known;
  const words = key.replace(/Ms$/, '').replace(/[_.-]+/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** An attribute as a reader wants it: durations in words, lists joined, nothing as a dash (never `null` or `[]`). */
export function attributeValue(key: string, value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'number' && /Ms$/.test(key)) return formatDuration(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return 'none';
    if (value.every((v) => typeof v === 'string' || typeof v === 'number')) return value.join(', ');
  }
  if (typeof value === 'object' && Object.keys(value).length === 0) return 'none';
  return JSON.stringify(value);
}

/** A key/value list; keys are humanised, `…Ms` values read as durations. */
export function keyValues(entries: [string, unknown][], idPrefix: string): HTMLElement {
  return h(
    'dl',
    { class: 'kv' },
    ...entries.flatMap(([k, v]) => [
      h('dt', { title: k }, humanize(k)),
      h('dd', { attrs: { 'data-key': `${idPrefix}${k}` } }, attributeValue(k, v)),
    ]),
  );
}

const looksLikeJson = (s: string): boolean => /^\s*[[{]/.test(s);

/**
 * Payloads read best in their own shape: model text as Markdown, JSON pretty-printed, and a flat object of
 * prompt-like strings as labelled text blocks (JSON would squash their newlines into "\n").
 */
export function payloadView(value: unknown, asMarkdown: boolean): HTMLElement {
  if (typeof value === 'string') {
    if (looksLikeJson(value)) {
      try {
        return h('pre', { class: 'payload' }, JSON.stringify(JSON.parse(value), null, 2));
      } catch {
        // not JSON after all: fall through to text
      }
    }
    if (asMarkdown) {
      const body = h('div', { class: 'markdown-body payload-markdown' });
      renderMarkdownInto(body, value);
      return body;
    }
    return h('pre', { class: 'payload payload-text' }, value);
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    const flat = entries.every(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v));
    const isBlock = (v: unknown): boolean => typeof v === 'string' && (v.includes('\n') || v.length > 120);
    if (flat && entries.some(([, v]) => isBlock(v))) {
      const short = entries.filter(([, v]) => !isBlock(v));
      return h(
        'div',
        { class: 'payload-fields' },
        short.length ? keyValues(short, 'field.') : null,
        ...entries
          .filter(([, v]) => isBlock(v))
          .map(([k, v]) =>
            h('div', { class: 'payload-field' }, h('div', { class: 'payload-field-name', title: k }, humanize(k)), h('pre', { class: 'payload payload-text' }, String(v))),
          ),
      );
    }
  }
  return h('pre', { class: 'payload' }, formatPayload(value));
}

function copyAction(text: string, copy: CopyFn, label: string): HTMLElement {
  const b = h('vscode-toolbar-button', {
    attrs: { slot: 'actions', icon: 'copy', label },
    title: label,
    on: {
      click: (e) => {
        e.stopPropagation();
        copy(text);
      },
    },
  });
  return b;
}

export function collapsible(heading: string, open: boolean, content: Child, extra: { id?: string; description?: string; actions?: HTMLElement[] } = {}): HTMLElement {
  const c = h('vscode-collapsible', { id: extra.id, class: 'detail-section' });
  c.heading = heading;
  c.open = open;
  if (extra.description) c.description = extra.description;
  c.append(...(extra.actions ?? []), h('div', { class: 'detail-section-body' }, content));
  return c;
}

/** Lets the reader switch rendered Markdown to the exact text the model sent. */
function rawToggle(body: HTMLElement, value: string): HTMLElement {
  const b = h('vscode-toolbar-button', { attrs: { slot: 'actions', icon: 'code', label: 'Show raw text' }, title: 'Show raw text' });
  b.toggleable = true;
  b.addEventListener('click', (e) => e.stopPropagation());
  b.addEventListener('change', () => {
    body.replaceChildren(payloadView(value, !b.checked));
  });
  return b;
}

function payloadSection(heading: string, id: string, value: unknown, asMarkdown: boolean, copy: CopyFn): HTMLElement | null {
  if (value === undefined || value === null || value === '') return null;
  const text = formatPayload(value);
  const body = h('div', { class: 'payload-body' }, payloadView(value, asMarkdown));
  const markdown = asMarkdown && typeof value === 'string' && !looksLikeJson(value);
  return collapsible(heading, true, body, {
    id,
    description: typeof value === 'string' ? `${value.length.toLocaleString('en-US')} chars` : undefined,
    actions: [...(markdown ? [rawToggle(body, value)] : []), copyAction(text, copy, `Copy ${heading.toLowerCase()}`)],
  });
}

function scoreRows(scores: Score[]): HTMLElement {
  return h(
    'ul',
    { class: 'score-list' },
    ...scores.map((s) =>
      h(
        'li',
        { class: 'score-row', attrs: { 'data-name': s.name, 'data-source': s.source } },
        scoreBadge(s.value, { compact: true, name: displayScoreName(s.name) }),
        h('span', { class: 'score-name' }, displayScoreName(s.name)),
        renderInlineMarkdownInto(h('span', { class: 'score-reason' }), s.reason),
      ),
    ),
  );
}

export function spanDetail(trace: TraceRecord, span: SpanRecord, copy: CopyFn): HTMLElement {
  const u = span.usage;
  const offset = span.startTime - trace.startTime;
  // Text a span produced is model prose in every span but tools (whose output is data).
  const proseOutput = span.type !== 'tool';
  const attrs = Object.entries(span.attributes ?? {});
  const spanScores = trace.scores.filter((s) => s.spanId === span.id);
  const stats = h(
    'div',
    { class: 'stats' },
    stat('Start', `+${formatDuration(offset)}`, formatAbsoluteTime(span.startTime)),
    stat('Duration', span.endTime === null ? 'running…' : formatDuration(spanDuration(span))),
    span.model ? stat('Model', span.model, span.provider ? `Provider: ${span.provider}` : undefined) : null,
    u ? stat('Tokens', usageValue(u)) : null,
    span.costUsd !== null ? stat('Cost', formatCost(span.costUsd)) : null,
  );
  return h(
    'section',
    { id: 'span-detail', class: 'section span-detail', attrs: { 'data-span-id': span.id, 'aria-label': `Span ${span.name}` } },
    h(
      'div',
      { class: 'detail-header' },
      icon(spanTypeIcon[span.type] ?? 'symbol-event', `span-icon type-${span.type}`),
      h('h2', { class: 'detail-title' }, span.name),
      h('span', { class: 'chip' }, span.type),
      span.error ? h('span', { class: 'chip chip-error' }, icon('error'), span.error.kind) : null,
    ),
    stats,
    span.error
      ? h('div', { class: 'notice notice-error span-error-box', role: 'alert' }, icon('error'), h('div', { class: 'notice-body' }, h('div', { class: 'notice-title' }, errorTitle(span.error.kind, span.error.status)), h('div', { class: 'notice-message' }, span.error.message)))
      : null,
    h(
      'div',
      { class: 'detail-sections' },
      payloadSection('Input', 'span-input', span.input, false, copy),
      payloadSection('Output', 'span-output', span.output, proseOutput, copy),
      spanScores.length ? collapsible('Scores', true, scoreRows(spanScores), { id: 'span-scores' }) : null,
      attrs.length ? collapsible('Attributes', true, keyValues(attrs, ''), { id: 'span-attributes' }) : null,
      u ? collapsible('Usage', false, keyValues([['promptTokens', u.promptTokens], ['outputTokens', u.outputTokens], ['thinkingTokens', u.thinkingTokens], ['totalTokens', u.totalTokens], ['costUsd', span.costUsd === null ? '—' : formatCost(span.costUsd)]], 'usage.'), { id: 'span-usage' }) : null,
    ),
  );
}

const overallName = /^(judge[._/ -]?)?(overall|quality|score)$|^judge$/i;

/** Criterion names may carry a "judge." prefix in the store; the UI shows the bare criterion. */
export const displayScoreName = (name: string): string => name.replace(/^judge[._/ -]/i, '');

/** The overall judge score and the per-criterion ones, from a trace's scores. */
export function splitJudgeScores(scores: Score[]): { overall: Score | null; criteria: Score[] } {
  const judge = scores.filter((s) => s.source === 'judge' && !s.spanId);
  const overall = judge.find((s) => overallName.test(s.name)) ?? (judge.length === 1 ? judge[0] : null);
  return { overall, criteria: judge.filter((s) => s !== overall) };
}

export function judgeSection(trace: TraceRecord): HTMLElement | null {
  const { overall, criteria } = splitJudgeScores(trace.scores);
  // The user's own rating has its row in the header ("Your rating"), so it is not repeated as feedback.
  const others = trace.scores.filter((s) => s.source !== 'judge' && !s.spanId && !isUserRatingScore(s));
  if (!overall && criteria.length === 0 && others.length === 0) return null;
  return h(
    'section',
    { id: 'judge', class: 'section judge' },
    h('h2', { class: 'section-title' }, icon('law'), 'Judge'),
    overall
      ? h(
          'div',
          { class: 'judge-overall', attrs: { 'data-name': overall.name } },
          scoreBadge(overall.value, { label: 'Overall' }),
          renderInlineMarkdownInto(h('p', { class: 'judge-overall-reason' }), overall.reason),
        )
      : null,
    criteria.length ? scoreRows(criteria) : null,
    others.length ? h('h3', { class: 'subsection-title' }, 'Feedback') : null,
    others.length ? scoreRows(others) : null,
  );
}
