import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import '../shared/base.css';
import '../shared/badge.css';
import '../shared/notice.css';
import '../shared/markdown.css';
import '../shared/feedback.css';
import './waterfall.css';
import './trace.css';
import type { OpikLinkState, TraceViewState } from '../../src/shared/protocol';
import type { TraceRecord } from '../../src/shared/types';
import { scoreBadge } from '../shared/badge';
import { clear, h, icon, stat, usageValue } from '../shared/dom';
import { formatAbsoluteTime, formatCost, formatDuration, formatRelativeTime } from '../shared/format';
import { errorTitle } from '../shared/errors';
import { OpikControl } from '../shared/opik';
import { RatingControl, ratingFromScores } from '../shared/rating';
import { setLinkOpener } from '../shared/markdown';
import { connect, loadState, onEvent, request, saveState } from '../shared/rpc';
import { collapsible, judgeSection, keyValues, spanDetail, splitJudgeScores } from './detail';
import { flattenSpans, spanRow, timelineOf, waterfallHeader, type SpanNode } from './waterfall';
import { ReviewControl } from './review';
import { TagsControl } from './tags';

interface SavedState {
  trace: TraceRecord;
  opik?: OpikLinkState | null;
  selectedSpanId: string | null;
  collapsed: string[];
  deleted?: boolean;
  labels?: string[];
}

const app = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));

let trace: TraceRecord | null = null;
let opikState: OpikLinkState | null = null;
/** The trace is gone from the history: still shown, but nothing can be stored on it. */
let deleted = false;
/** The labels a reviewer picks from (`codi.annotation.labels`). */
let labels: string[] = [];
let selectedSpanId: string | null = null;
const collapsed = new Set<string>();
let rows: SpanNode[] = [];

function copy(text: string): void {
  void request('copy', { text }).catch((err: unknown) => console.error('[codi] copy failed', err));
}

function persist(): void {
  if (trace) saveState({ trace, opik: opikState, selectedSpanId, collapsed: [...collapsed], deleted, labels } satisfies SavedState);
}

// Kept across renders (the header is rebuilt), so they keep their optimistic state and focus.
const opik = new OpikControl((traceId) => request('openInOpik', { traceId }));
const rating = new RatingControl({ stars: true, label: 'Your rating', send: (traceId, r) => request('rate', { traceId, rating: r }) });
const review = new ReviewControl((traceId, change) => request('annotate', { traceId, change }));
const tags = new TagsControl({ remove: (traceId, tag) => request('removeTag', { traceId, tag }), edit: (traceId) => request('editTags', { traceId }) });

/** Whether the trace ran on code from a file (explain, summarize, generate in an editor). */
function hasCode(t: TraceRecord): boolean {
  const input = typeof t.input === 'object' && t.input !== null ? (t.input as Record<string, unknown>) : {};
  return (typeof input.file === 'string' && input.file !== '') || (typeof t.metadata.file === 'string' && t.metadata.file !== '');
}

/** Makes a badge a keyboard stop that scrolls to what it summarises. */
function focusableJump(el: HTMLElement, target: () => HTMLElement | null): void {
  el.tabIndex = 0;
  el.setAttribute('role', 'button');
  const go = (): void => target()?.scrollIntoView({ behavior: 'smooth', block: 'start' });
  el.addEventListener('click', go);
  el.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      go();
    }
  });
}

function traceDuration(t: TraceRecord): number | null {
  if (t.endTime !== null) return t.endTime - t.startTime;
  const ends = t.spans.map((s) => s.endTime).filter((e): e is number => e !== null);
  return ends.length ? Math.max(...ends) - t.startTime : null;
}

function renderHeader(t: TraceRecord): HTMLElement {
  const { overall } = splitJudgeScores(t.scores);
  const badge = overall ? scoreBadge(overall.value, { title: `Judge ${overall.value.toFixed(2)}: ${overall.reason} (click for the criteria)` }) : null;
  if (badge) {
    badge.id = 'trace-score';
    focusableJump(badge, () => document.getElementById('judge'));
  }
  const reveal = hasCode(t)
    ? h('vscode-toolbar-button', {
        id: 'reveal-code',
        title: 'Reveal the code this trace ran on',
        attrs: { icon: 'go-to-file', label: 'Reveal code' },
        on: { click: () => void request('revealCode', { traceId: t.id }).catch((err: unknown) => console.error('[codi] revealCode failed', err)) },
      })
    : null;
  const copyId = h('vscode-toolbar-button', {
    id: 'copy-trace-id',
    title: 'Copy trace ID',
    attrs: { icon: 'copy', label: 'Copy trace ID' },
    on: { click: () => copy(t.id) },
  });
  const running = t.endTime === null && !t.error;
  opik.update(deleted ? null : t.id, deleted ? null : opikState);
  rating.update(deleted ? null : t.id, ratingFromScores(t.scores), !running && !deleted);
  return h(
    'header',
    { class: 'page-header', id: 'trace-header' },
    h(
      'div',
      { class: 'heading' },
      h('h1', { id: 'trace-name' }, t.name),
      h(
        'div',
        { class: 'subtitle' },
        h('span', { class: 'chip', id: 'trace-type' }, t.type),
        running ? h('span', { class: 'chip chip-running' }, icon('loading', 'codicon-modifier-spin'), 'running') : null,
        t.error ? h('span', { class: 'chip chip-error' }, icon('error'), 'failed') : null,
        deleted ? h('span', { class: 'chip', id: 'trace-deleted' }, icon('trash'), 'deleted') : null,
        h('span', { class: 'subtitle-item', title: formatAbsoluteTime(t.startTime) }, icon('history'), formatRelativeTime(t.startTime)),
        h('span', { class: 'subtitle-item trace-id-item' }, h('span', { class: 'muted' }, 'ID'), h('code', { id: 'trace-id', class: 'mono' }, t.id), copyId),
      ),
      rating.root,
    ),
    h('div', { class: 'toolbar' }, reveal, opik.root, badge),
  );
}

function renderStats(t: TraceRecord): HTMLElement {
  const u = t.usage;
  const model = typeof t.metadata.model === 'string' ? t.metadata.model : null;
  const m = t.metadata;
  const promptName = typeof m.prompt === 'string' ? m.prompt : typeof m.promptName === 'string' ? m.promptName : null;
  const prompt = promptName ? `${promptName}${typeof m.promptVersion === 'string' ? ` @ ${m.promptVersion}` : ''}` : null;
  const judgeModel = typeof m.judgeModel === 'string' ? m.judgeModel : null;
  return h(
    'div',
    { class: 'stats trace-stats', id: 'trace-stats' },
    stat('Started', formatAbsoluteTime(t.startTime)),
    stat('Duration', formatDuration(traceDuration(t))),
    stat('Tokens', usageValue(u)),
    stat('Cost', formatCost(t.costUsd)),
    model ? stat('Model', model) : null,
    prompt ? stat('Prompt', prompt) : null,
    judgeModel ? stat('Judge', judgeModel) : null,
  );
}

function renderWaterfall(t: TraceRecord): HTMLElement {
  const timeline = timelineOf(t);
  rows = flattenSpans(t.spans, collapsed);
  const tree = h('div', { id: 'waterfall', class: 'waterfall', role: 'tree', attrs: { 'aria-label': 'Spans' } });
  tree.append(waterfallHeader(timeline));
  if (rows.length === 0) tree.append(h('div', { class: 'empty muted' }, 'This trace has no spans.'));
  for (const node of rows) {
    tree.append(
      spanRow(node, timeline, node.span.id === selectedSpanId, collapsed.has(node.span.id), {
        onSelect: (id) => select(id, true),
        onToggle: toggle,
      }),
    );
  }
  tree.addEventListener('keydown', onTreeKey);
  return h(
    'section',
    { class: 'section' },
    h('h2', { class: 'section-title' }, 'Spans', h('span', { class: 'count' }, String(t.spans.length))),
    tree,
  );
}

function renderMetadata(t: TraceRecord): HTMLElement | null {
  const entries: [string, unknown][] = Object.entries(t.metadata);
  if (t.threadId) entries.unshift(['thread', t.threadId]);
  if (!entries.length) return null;
  return h('div', { class: 'section' }, collapsible('Trace metadata', false, keyValues(entries, 'meta.'), { id: 'trace-metadata' }));
}

const detailSlot = h('div', { id: 'detail-slot' });

function renderDetail(t: TraceRecord): void {
  clear(detailSlot);
  const span = t.spans.find((s) => s.id === selectedSpanId);
  detailSlot.append(
    span ? spanDetail(t, span, copy) : h('div', { id: 'span-detail', class: 'section empty muted' }, 'Select a span to see its input, output and attributes.'),
  );
}

function render(): void {
  // Rebuilding the page drops focus; give it back to the same control (a star, a thumb, Open in Opik).
  const focused = document.activeElement instanceof HTMLElement && app.contains(document.activeElement) ? document.activeElement : null;
  clear(app);
  if (!trace) return;
  const t = trace;
  app.setAttribute('aria-busy', 'false');
  document.title = `Trace · ${t.name}`;
  const running = t.endTime === null && !t.error;
  if (running) app.append(h('div', { class: 'progress' }, h('vscode-progress-bar', { attrs: { 'aria-label': 'Trace running' } })));
  app.append(renderHeader(t), renderStats(t));
  tags.update(deleted || running ? null : t.id, t.tags);
  app.append(tags.root);
  if (deleted) {
    app.append(
      h(
        'div',
        { id: 'deleted', class: 'notice notice-info', role: 'status' },
        icon('trash'),
        h('div', { class: 'notice-body' }, h('div', { class: 'notice-message' }, 'This trace was deleted from the history. It stays here until the panel closes; it can no longer be rated.')),
      ),
    );
  }
  if (t.error) {
    app.append(
      h(
        'div',
        { id: 'trace-error', class: 'notice notice-error', role: 'alert' },
        icon('error'),
        h('div', { class: 'notice-body' }, h('div', { class: 'notice-title' }, errorTitle(t.error.kind, t.error.status)), h('div', { class: 'notice-message' }, t.error.message)),
      ),
    );
  }
  app.append(renderWaterfall(t), detailSlot);
  renderDetail(t);
  const judge = judgeSection(t);
  if (judge) app.append(judge);
  review.update(deleted || running ? null : t.id, t.annotation ?? null, labels);
  app.append(review.root);
  const meta = renderMetadata(t);
  if (meta) app.append(meta);
  if (focused?.isConnected && document.activeElement !== focused) focused.focus({ preventScroll: true });
}

function select(spanId: string, focus: boolean): void {
  if (selectedSpanId === spanId && document.getElementById('span-detail')?.dataset.spanId === spanId) return;
  selectedSpanId = spanId;
  // Update rows in place: a full re-render would reset the detail pane's open sections and the scroll.
  for (const row of Array.from(document.querySelectorAll<HTMLElement>('.span-row'))) {
    const on = row.dataset.spanId === spanId;
    row.classList.toggle('selected', on);
    row.setAttribute('aria-selected', String(on));
    row.tabIndex = on ? 0 : -1;
    if (on && focus) {
      row.focus();
      row.scrollIntoView({ block: 'nearest' });
    }
  }
  if (trace) renderDetail(trace);
  persist();
}

function toggle(spanId: string): void {
  if (collapsed.has(spanId)) collapsed.delete(spanId);
  else collapsed.add(spanId);
  const scrollY = window.scrollY;
  render();
  window.scrollTo(0, scrollY);
  document.querySelector<HTMLElement>(`.span-row[data-span-id="${CSS.escape(spanId)}"]`)?.focus();
  persist();
}

function onTreeKey(e: KeyboardEvent): void {
  const idx = rows.findIndex((r) => r.span.id === selectedSpanId);
  const current = rows[idx];
  let next: number | null = null;
  switch (e.key) {
    case 'ArrowDown':
      next = Math.min(rows.length - 1, idx + 1);
      break;
    case 'ArrowUp':
      next = Math.max(0, idx - 1);
      break;
    case 'Home':
      next = 0;
      break;
    case 'End':
      next = rows.length - 1;
      break;
    case 'ArrowRight':
      if (current?.hasChildren && collapsed.has(current.span.id)) toggle(current.span.id);
      else if (current?.hasChildren) next = idx + 1;
      break;
    case 'ArrowLeft':
      if (current?.hasChildren && !collapsed.has(current.span.id)) toggle(current.span.id);
      else if (current?.span.parentSpanId) next = rows.findIndex((r) => r.span.id === current.span.parentSpanId);
      break;
    default:
      return;
  }
  e.preventDefault();
  if (next !== null && next >= 0 && rows[next]) select(rows[next].span.id, true);
}

function setTrace(t: TraceRecord, preferredSpanId: string | null, opikLink: OpikLinkState | null): void {
  opikState = opikLink;
  const same = trace?.id === t.id;
  if (!same) collapsed.clear();
  // A new state for the same trace (a rating, a review change) keeps the reader where they were.
  const scrollY = same ? window.scrollY : 0;
  trace = t;
  const ids = new Set(t.spans.map((s) => s.id));
  if (preferredSpanId && ids.has(preferredSpanId)) selectedSpanId = preferredSpanId;
  else if (!selectedSpanId || !ids.has(selectedSpanId)) selectedSpanId = flattenSpans(t.spans)[0]?.span.id ?? null;
  render();
  if (same) {
    // Again once the rebuilt sections (custom elements render asynchronously) have their height.
    window.scrollTo(0, scrollY);
    requestAnimationFrame(() => window.scrollTo(0, scrollY));
  }
  persist();
}

onEvent('trace/state', (s: TraceViewState) => {
  deleted = !!s.deleted;
  labels = s.labels ?? labels;
  setTrace(s.trace, selectedSpanId, s.opik ?? null);
});

const isSaved = (v: unknown): v is SavedState =>
  typeof v === 'object' && v !== null && typeof (v as SavedState).trace === 'object' && Array.isArray((v as SavedState).trace?.spans);

const saved = loadState(isSaved);
if (saved) {
  for (const id of saved.collapsed ?? []) collapsed.add(id);
  deleted = !!saved.deleted;
  labels = saved.labels ?? [];
  trace = saved.trace;
  setTrace(saved.trace, saved.selectedSpanId, saved.opik ?? null);
} else {
  app.append(h('div', { class: 'progress' }, h('vscode-progress-bar', { attrs: { 'aria-label': 'Loading trace' } })));
}

// Links in answers never navigate; the host confirms the full URL first (src/host/links.ts).
setLinkOpener((url) => void request('openLink', { url }).catch((err: unknown) => console.error('[codi] openLink failed', err)));
void connect('trace').catch((err: unknown) => console.error('[codi] ready failed', err));
