import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '../shared/base.css';
import '../shared/badge.css';
import '../shared/feedback.css';
import './experiments.css';
import type { ExperimentCaseRow, ExperimentRunHeader, ExperimentsViewState } from '../../src/shared/experimentsProtocol';
import type { CaseColumn, CaseFilter, TableView } from '../../src/shared/experimentsTable';
import { visibleRows } from '../../src/shared/experimentsTable';
import { scoreBadge } from '../shared/badge';
import type { Child } from '../shared/dom';
import { clear, h, icon, stat } from '../shared/dom';
import { formatAbsoluteTime, formatCost, formatDuration, formatScore } from '../shared/format';
import { OpikControl } from '../shared/opik';
import { connect, loadState, onEvent, request, saveState } from '../shared/rpc';

interface SavedState {
  state: ExperimentsViewState;
  view: TableView;
}

const app = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));
let state: ExperimentsViewState | null = null;
let view: TableView = { filter: 'all', text: '', sort: { column: 'id', descending: false } };
// Kept across renders so typing in the search box keeps focus.
const search = h('input', {
  id: 'case-search',
  class: 'search',
  attrs: { type: 'search', placeholder: 'Search cases, failures, criteria…', 'aria-label': 'Search cases' },
  on: { input: () => ((view = { ...view, text: search.value }), renderTable(), persist()) },
});
const tableHost = h('div', { id: 'cases' });
// Kept across renders, like the search box: "Open in Opik" once the run is exported, its state before.
const opik = new OpikControl((runId) => request('openExperimentInOpik', { runId }), 'experiment');

const pct = (x: number) => `${Math.round(x * 100)}%`;
const signed = (n: number | null | undefined, f: (x: number) => string): string => (n === null || n === undefined ? '—' : `${n > 0 ? '+' : n < 0 ? '−' : '±'}${f(Math.abs(n))}`);
const deltaClass = (n: number | null | undefined, higherIsBetter = true) => (n === null || n === undefined || n === 0 ? 'delta' : (n > 0) === higherIsBetter ? 'delta better' : 'delta worse');

function persist(): void {
  if (state) saveState({ state, view } satisfies SavedState);
}

function header(r: ExperimentRunHeader, title: string): HTMLElement {
  const prompts = Object.entries(r.prompts).map(([n, v]) => `${n}@${v}`).join(', ') || '—';
  return h(
    'header',
    { class: 'page-header', id: 'experiment-header' },
    h(
      'div',
      { class: 'heading' },
      h('h1', { id: 'experiment-name' }, title),
      h(
        'div',
        { class: 'subtitle' },
        h('span', { class: 'subtitle-item', title: `dataset hash ${r.dataset.hash}` }, icon('database'), `${r.dataset.name}@${r.dataset.hash.slice(0, 8)}`),
        h('span', { class: 'subtitle-item' }, icon('hubot'), r.models.model, r.models.judgeModel ? ` · judge ${r.models.judgeModel}` : ' · no judge'),
        h('span', { class: 'subtitle-item', title: 'Prompt versions' }, icon('symbol-string'), prompts),
        h('span', { class: 'subtitle-item' }, icon('calendar'), formatAbsoluteTime(r.startedAt)),
        r.status === 'cancelled' ? h('span', { class: 'subtitle-item cancelled', id: 'experiment-cancelled' }, icon('circle-slash'), 'cancelled: only the finished cases are listed') : null,
      ),
    ),
    h('div', { class: 'toolbar' }, opik.root),
  );
}

function stats(s: ExperimentsViewState): HTMLElement {
  const r = s.run;
  const a = s.aggregate;
  const withDelta = (value: string, d: Child) => h('span', { class: 'stat-stack' }, value, a ? h('span', { class: 'stat-detail' }, d) : null);
  const ci = a?.meanScoreDelta;
  return h(
    'div',
    { class: 'stats', id: 'experiment-stats' },
    stat('Pass rate', withDelta(`${pct(r.passRate)} (${r.passed}/${r.passed + r.failed})`, h('span', { class: deltaClass(a?.passRateDelta) }, signed(a?.passRateDelta, (x) => `${Math.round(x * 100)} pts`)))),
    stat(
      'Mean score',
      withDelta(
        formatScore(r.meanScore),
        ci ? h('span', { class: deltaClass(ci.value), title: '95% confidence interval of the mean per-case score delta' }, `${signed(ci.value, (x) => x.toFixed(3))} [${ci.low.toFixed(3)}, ${ci.high.toFixed(3)}]`) : '—',
      ),
    ),
    stat('Cost', withDelta(formatCost(r.costUsd), h('span', { class: deltaClass(a?.costDelta, false) }, signed(a?.costDelta, formatCost)))),
    stat('Latency p50 / p95', withDelta(`${formatDuration(r.latencyMs.p50)} / ${formatDuration(r.latencyMs.p95)}`, h('span', { class: deltaClass(a?.latencyP50Delta, false) }, `p50 ${signed(a?.latencyP50Delta, formatDuration)}`))),
    a ? stat('Flipped', h('span', { id: 'experiment-flips' }, `${a.flips.passToFail} pass→fail · ${a.flips.failToPass} fail→pass`)) : null,
  );
}

const COLUMNS: Array<{ id: CaseColumn | null; label: string; title?: string }> = [
  { id: 'pass', label: 'Result' },
  { id: 'id', label: 'Case' },
  { id: 'score', label: 'Score' },
  { id: null, label: 'Criteria' },
  { id: 'cost', label: 'Cost' },
  { id: 'latency', label: 'Latency' },
  { id: 'delta', label: 'Δ score', title: 'Score change since the other run' },
  { id: null, label: 'Failed expectation' },
];

function row(r: ExperimentCaseRow): HTMLTableRowElement {
  const d = r.delta;
  const open = () => void request('viewTrace', { traceId: r.traceId }).catch((err: unknown) => console.error('[codi] viewTrace failed', err));
  return h(
    'tr',
    { class: `case ${r.pass ? 'pass' : 'fail'}`, title: `Open the trace of ${r.id}`, attrs: { 'data-case': r.id, tabindex: '0' }, on: { click: open, keydown: (e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), open()) } },
    h('td', { class: 'result' }, h('span', { class: `verdict ${r.pass ? 'pass' : 'fail'}` }, icon(r.pass ? 'pass-filled' : 'error'), r.pass ? 'pass' : 'fail'), r.flaky ? h('span', { class: 'flaky', title: 'Its runs disagree on pass/fail' }, 'flaky') : null),
    h('td', { class: 'id mono' }, r.id),
    h('td', null, r.score === null ? '—' : scoreBadge(r.score, { mini: true, name: `${r.id} score` })),
    h('td', { class: 'criteria' }, Object.entries(r.criteria).map(([n, v]) => `${n} ${v.toFixed(2)}`).join(' · ') || '—'),
    h('td', { class: 'num' }, formatCost(r.costUsd)),
    h('td', { class: 'num' }, formatDuration(r.latencyMs)),
    h('td', { class: 'num' }, d ? h('span', { class: deltaClass(d.scoreDelta) }, signed(d.scoreDelta, (x) => x.toFixed(2))) : '—', d?.flipped ? h('span', { class: `flip ${d.flipped === 'pass→fail' ? 'worse' : 'better'}` }, d.flipped) : null),
    h('td', { class: 'failure', title: r.failures.join('\n') }, r.failures[0] ?? '', r.failures.length > 1 ? h('span', { class: 'muted' }, ` (+${r.failures.length - 1})`) : null),
  );
}

function renderTable(): void {
  if (!state) return;
  const rows = visibleRows(state.rows, view);
  const th = (c: (typeof COLUMNS)[number]) => {
    if (!c.id) return h('th', { attrs: { scope: 'col' } }, c.label);
    const id = c.id;
    const active = view.sort.column === id;
    return h(
      'th',
      { attrs: { scope: 'col', 'aria-sort': active ? (view.sort.descending ? 'descending' : 'ascending') : 'none' }, title: c.title },
      h('button', { class: `sort${active ? ' active' : ''}`, attrs: { 'data-sort': id }, on: { click: () => ((view = { ...view, sort: { column: id, descending: active ? !view.sort.descending : id !== 'id' } }), renderTable(), persist()) } }, c.label, active ? icon(view.sort.descending ? 'arrow-down' : 'arrow-up') : null),
    );
  };
  clear(tableHost);
  tableHost.append(
    h('table', { class: 'cases' }, h('thead', null, h('tr', null, ...COLUMNS.map(th))), h('tbody', null, ...rows.map(row))),
    rows.length ? '' : h('p', { class: 'muted empty' }, 'No case matches this filter.'),
  );
  document.getElementById('case-count')?.replaceChildren(`${rows.length} of ${state.rows.length}`);
}

function filters(): HTMLElement {
  const counts: Record<CaseFilter, number> = { all: state?.rows.length ?? 0, failed: state?.rows.filter((r) => !r.pass).length ?? 0, flipped: state?.rows.filter((r) => r.delta?.flipped).length ?? 0 };
  const label: Record<CaseFilter, string> = { all: 'All', failed: 'Failed', flipped: 'Flipped' };
  return h(
    'div',
    { class: 'filters', role: 'toolbar', attrs: { 'aria-label': 'Filter cases' } },
    ...(['all', 'failed', 'flipped'] as const).map((f) =>
      h('button', { class: `filter${view.filter === f ? ' active' : ''}`, attrs: { 'data-filter': f, 'aria-pressed': String(view.filter === f) }, on: { click: () => ((view = { ...view, filter: f }), render(), persist()) } }, `${label[f]} (${counts[f]})`),
    ),
    search,
  );
}

function render(): void {
  if (!state) return;
  const s = state;
  const title = s.mode === 'compare' && s.other ? (s.other.name === s.run.name ? `${s.run.name}: run A → run B` : `${s.other.name} → ${s.run.name}`) : s.run.name;
  const baseline = s.other
    ? h('p', { class: 'baseline muted', id: 'experiment-baseline' }, icon('git-compare'), s.mode === 'compare' ? ` Run B (${s.run.name}, ${formatAbsoluteTime(s.run.startedAt)}) compared with run A (${s.other.name}, ${formatAbsoluteTime(s.other.startedAt)}); deltas are B − A.` : ` Deltas to the previous run of ${s.run.dataset.name} (${formatAbsoluteTime(s.other.startedAt)}).`)
    : h('p', { class: 'baseline muted' }, 'First run of this dataset: no deltas yet.');
  opik.update(s.run.runId, s.opik);
  clear(app);
  app.removeAttribute('aria-busy');
  app.append(
    header(s.run, title),
    h('section', { class: 'section' }, stats(s), baseline),
    h('section', { class: 'section' }, h('h2', { class: 'section-title' }, 'Cases ', h('span', { class: 'count', id: 'case-count' })), filters(), tableHost),
  );
  search.value = view.text;
  renderTable();
}

onEvent('experiments/state', (s) => {
  const same = state?.run.runId === s.run.runId && state?.other?.runId === s.other?.runId;
  state = s;
  if (!same) view = { ...view, filter: 'all', text: '' };
  render();
  persist();
});

const isSaved = (v: unknown): v is SavedState => typeof v === 'object' && v !== null && typeof (v as SavedState).state?.run === 'object' && Array.isArray((v as SavedState).state?.rows);
const saved = loadState(isSaved);
if (saved) {
  state = saved.state;
  view = saved.view;
  render();
} else app.append(h('div', { class: 'progress' }, h('vscode-progress-bar', { attrs: { 'aria-label': 'Loading experiment' } })));

void connect('experiments').catch((err: unknown) => console.error('[codi] ready failed', err));
