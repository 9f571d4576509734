import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import '../shared/base.css';
import '../shared/badge.css';
import '../shared/notice.css';
import '../shared/markdown.css';
import '../shared/feedback.css';
import './result.css';
import './summary.css';
import './generate.css';
import type { HostAction, ResultViewState } from '../../src/shared/protocol';
import { clear, h, icon } from '../shared/dom';
import { OpikControl } from '../shared/opik';
import { RatingControl } from '../shared/rating';
import { setLinkOpener } from '../shared/markdown';
import { connect, loadState, onEvent, request, saveState } from '../shared/rpc';
import { ExplainView } from './explainView';
import { GenerateView } from './generateView';
import { SummaryView } from './summaryView';
import {
  deletedBox,
  errorBox,
  rerunLabel,
  headerBadge,
  isBusy,
  judgeErrorBox,
  redactionBox,
  warningBox,
  kindOf,
  metaSection,
  qualitySection,
  statusIcon,
  statusText,
  type BodyView,
} from './view';

const app = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));

const progress = h('div', { id: 'progress', class: 'progress', attrs: { 'aria-hidden': 'true' } });
const title = h('h1', { id: 'title' });
const modelItem = h('span', { id: 'model', class: 'subtitle-item' });
const statusIconSlot = h('span', { class: 'status-icon' });
const status = h('span', { id: 'status', attrs: { 'aria-live': 'polite' } });
const badgeSlot = h('span', { id: 'badge-slot' });

const viewTraceButton = h('vscode-button', { id: 'view-trace', attrs: { icon: 'list-tree' } }, 'View trace');
viewTraceButton.secondary = true;
const copyButton = h('vscode-button', { id: 'copy', attrs: { icon: 'copy' } }, 'Copy');
copyButton.secondary = true;
const stopButton = h('vscode-button', { id: 'stop', attrs: { icon: 'debug-stop' }, title: 'Stop this run (what arrived so far is kept)' }, 'Stop');
stopButton.secondary = true;
const rerunButton = h('vscode-button', { id: 'rerun', attrs: { icon: 'refresh' } }, 'Retry');
rerunButton.secondary = true;
const opik = new OpikControl((traceId) => request('openInOpik', { traceId }));
const rating = new RatingControl({ stars: false, send: (traceId, r) => request('rate', { traceId, rating: r }) });

const header = h(
  'header',
  { class: 'page-header' },
  h(
    'div',
    { class: 'heading' },
    title,
    h('div', { class: 'subtitle' }, modelItem, h('span', { class: 'subtitle-item status-line' }, statusIconSlot, status)),
  ),
  h('div', { class: 'toolbar' }, badgeSlot, rating.root, opik.root, stopButton, rerunButton, viewTraceButton, copyButton),
);
const notices = h('div', { id: 'notices' });
const body = h('div', { id: 'body' });
const quality = h('div', { id: 'quality-slot' });
const meta = h('div', { id: 'meta-slot' });

app.append(progress, header, notices, body, quality, meta);

let state: ResultViewState | null = null;
let frame = 0;

// One body view per kind, made on first use and kept, so a view keeps what the reader opened or scrolled.
const views: Partial<Record<ResultViewState['kind'], BodyView>> = {};
let current: BodyView | null = null;

function makeView(kind: ResultViewState['kind']): BodyView {
  switch (kind) {
    case 'summarize':
      return new SummaryView();
    case 'generate':
      return new GenerateView({
        act: (action) => request('generated', { action }).then(() => undefined),
        copy: (text) => request('copy', { text }).then(() => undefined),
      });
    case 'explain':
      return new ExplainView();
  }
}

function viewFor(s: ResultViewState): BodyView {
  const kind = kindOf(s);
  const view = (views[kind] ??= makeView(kind));
  if (view !== current) {
    body.replaceChildren(view.root);
    document.body.dataset.kind = kind;
    current = view;
  }
  return view;
}

function emptyState(traceId: string | null): ResultViewState {
  return {
    kind: 'explain',
    traceId,
    title: '',
    status: 'running',
    markdown: '',
    model: '',
    usage: null,
    costUsd: null,
    latencyMs: null,
    judge: null,
    judgeStatus: 'pending',
    judgeError: null,
    error: null,
  };
}

function runAction(action: HostAction): void {
  void request('runAction', { action }).catch((err: unknown) => console.error('[codi] runAction failed', err));
}

function render(s: ResultViewState): void {
  const busy = isBusy(s);
  app.setAttribute('aria-busy', String(busy));
  document.body.dataset.status = s.status;
  document.title = s.title || 'CODI';

  clear(progress);
  if (busy) progress.append(h('vscode-progress-bar', { attrs: { 'aria-label': statusText(s) } }));

  title.textContent = s.title || 'CODI';
  clear(modelItem);
  if (s.model) modelItem.append(icon('sparkle'), s.model);
  modelItem.classList.toggle('hidden', !s.model);
  clear(statusIconSlot);
  statusIconSlot.append(statusIcon(s));
  status.textContent = statusText(s);
  status.parentElement?.setAttribute('data-status', s.status);

  clear(badgeSlot);
  const badge = headerBadge(s);
  if (badge) badgeSlot.append(badge);

  const view = viewFor(s);
  stopButton.hidden = !busy;
  const rerun = rerunLabel(s);
  rerunButton.hidden = rerun === null;
  if (rerun) {
    rerunButton.textContent = rerun;
    rerunButton.title = `${rerun}: run the same request again`;
  }
  viewTraceButton.disabled = !s.traceId || !!s.deleted;
  viewTraceButton.title = s.deleted ? 'This trace was deleted from the history' : s.traceId ? 'Open the trace of this run' : 'The trace is recorded once the run starts';
  copyButton.disabled = view.copyText(s) === '';
  copyButton.title = view.copyTitle;
  opik.update(s.deleted ? null : s.traceId, s.deleted ? null : s.opik);
  // A rating is for a finished answer, so the thumbs appear once the run (and its judge) is done.
  rating.update(s.deleted ? null : s.traceId, s.rating ?? null, s.status === 'done' && !s.deleted);

  clear(notices);
  if (s.deleted) notices.append(deletedBox());
  const err = errorBox(s, runAction);
  if (err) notices.append(err);
  const warn = warningBox(s);
  if (warn) notices.append(warn);
  const judgeErr = judgeErrorBox(s);
  if (judgeErr) notices.append(judgeErr);
  const redacted = redactionBox(s);
  if (redacted) notices.append(redacted);

  view.render(s);

  clear(quality);
  const q = qualitySection(s);
  if (q) quality.append(q);
  clear(meta);
  const m = metaSection(s);
  if (m) meta.append(m);
}

function scheduleMarkdown(): void {
  if (frame) return;
  const run = (): void => {
    frame = 0;
    if (!state) return;
    const view = viewFor(state);
    view.renderStream(state);
    copyButton.disabled = view.copyText(state) === '';
    saveState(state);
  };
  // rAF does not fire in a hidden webview; a timer keeps the text current for when it is shown again.
  frame = document.visibilityState === 'hidden' ? window.setTimeout(run, 100) : requestAnimationFrame(run);
}

function setState(s: ResultViewState): void {
  state = s;
  render(s);
  saveState(s);
}

stopButton.addEventListener('click', () => {
  stopButton.disabled = true;
  void request('cancelRun', {})
    .catch((err: unknown) => console.error('[codi] cancel failed', err))
    .finally(() => (stopButton.disabled = false));
});
rerunButton.addEventListener('click', () => runAction('retry'));

viewTraceButton.addEventListener('click', () => {
  if (!state?.traceId || viewTraceButton.disabled) return;
  void request('viewTrace', { traceId: state.traceId }).catch((err: unknown) => console.error('[codi] viewTrace failed', err));
});

let copiedTimer = 0;
copyButton.addEventListener('click', () => {
  const text = state && current ? current.copyText(state) : '';
  if (!text || copyButton.disabled) return;
  void request('copy', { text }).then(
    () => {
      copyButton.icon = 'check';
      copyButton.textContent = 'Copied';
      window.clearTimeout(copiedTimer);
      copiedTimer = window.setTimeout(() => {
        copyButton.icon = 'copy';
        copyButton.textContent = 'Copy';
      }, 1500);
    },
    (err: unknown) => console.error('[codi] copy failed', err),
  );
});

onEvent('result/state', (s) => setState(s));
onEvent('result/append', ({ traceId, text }) => {
  if (!state) state = emptyState(traceId);
  // A delta from an earlier run (the panel was reused) must not leak into this one.
  if (traceId !== null && state.traceId !== null && traceId !== state.traceId) return;
  if (state.traceId === null && traceId !== null) {
    state.traceId = traceId;
    viewTraceButton.disabled = false;
  }
  state.markdown += text;
  scheduleMarkdown();
});

const isResultState = (v: unknown): v is ResultViewState =>
  typeof v === 'object' && v !== null && typeof (v as ResultViewState).markdown === 'string' && typeof (v as ResultViewState).status === 'string';

const saved = loadState(isResultState);
if (saved) setState(saved);
else {
  // Nothing to show until the host's first snapshot: a progress bar, no guessed status.
  progress.append(h('vscode-progress-bar', { attrs: { 'aria-label': 'Loading' } }));
  title.textContent = 'CODI';
  viewTraceButton.disabled = true;
  copyButton.disabled = true;
  stopButton.hidden = true;
  rerunButton.hidden = true;
  opik.update(null, null);
  rating.update(null, null, false);
}

// Links in answers never navigate; the host confirms the full URL first (src/host/links.ts).
setLinkOpener((url) => void request('openLink', { url }).catch((err: unknown) => console.error('[codi] openLink failed', err)));
void connect('result').catch((err: unknown) => console.error('[codi] ready failed', err));
