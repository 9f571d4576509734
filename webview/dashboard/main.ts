import '../shared/base.css';
import './dashboard.css';
import type { AnalysisFilter, DashboardData, DashboardRange } from '../../src/shared/analytics';
import { DASHBOARD_RANGES } from '../../src/shared/analytics';
import type { DashboardViewState } from '../../src/shared/protocol';
import type { TraceType } from '../../src/shared/types';
import { clear, h } from '../shared/dom';
import { connect, onEvent, request } from '../shared/rpc';
import { CHARTS, TrendChart } from './charts';
import type { TableActions } from './tables';
import { calibrationSection, comparisonTable, errorTable, headlineCards } from './tables';

const app = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));
const RANGE_LABELS: Record<DashboardRange, string> = { '24h': '24 h', '7d': '7 days', '30d': '30 days', '90d': '90 days', all: 'All' };
const PERIOD: Record<DashboardRange, string> = { '24h': '24 h', '7d': '7 days', '30d': '30 days', '90d': '90 days', all: 'period' };

let state: DashboardViewState | null = null;
const charts = CHARTS.map((spec) => new TrendChart(spec));

const actions: TableActions = {
  showTraces: (selection) => void request('showTraces', { selection }).catch(report),
  openTrace: (traceId) => void request('viewTrace', { traceId }).catch(report),
};

function report(err: unknown): void {
  console.error('[codi] dashboard request failed', err);
}

function query(range: DashboardRange, filter: AnalysisFilter): void {
  app.setAttribute('aria-busy', 'true');
  void request('dashboardQuery', { range, filter }).catch(report);
}

function rangeBar(current: DashboardRange, filter: AnalysisFilter): HTMLElement {
  return h(
    'div',
    { class: 'ranges', role: 'group', attrs: { 'aria-label': 'Range' } },
    ...DASHBOARD_RANGES.map((r) =>
      h('button', { class: r === current ? 'range active' : 'range', attrs: { 'aria-pressed': String(r === current), 'data-range': r }, on: { click: () => query(r, filter) } }, RANGE_LABELS[r]),
    ),
  );
}

function select(label: string, id: string, value: string | undefined, options: string[], onChange: (v: string | undefined) => void): HTMLElement {
  const el = h('select', { id, on: { change: () => onChange(el.value || undefined) } }, h('option', { attrs: { value: '' } }, `All`), ...options.map((o) => h('option', { attrs: { value: o } }, o)));
  el.value = value ?? '';
  return h('label', { class: 'filter' }, h('span', null, label), el);
}

function filters(s: DashboardViewState, d: DashboardData | null): HTMLElement {
  const o = d?.options ?? { types: [], models: [], promptVersions: [], tags: [] };
  const set = (patch: Partial<AnalysisFilter>) => {
    const next: AnalysisFilter = { ...s.filter, ...patch };
    for (const k of Object.keys(next) as (keyof AnalysisFilter)[]) if (next[k] === undefined) delete next[k];
    query(s.range, next);
  };
  return h(
    'div',
    { class: 'filters' },
    select('Pipeline', 'filter-type', s.filter.type, o.types, (v) => set({ type: v as TraceType | undefined })),
    select('Model', 'filter-model', s.filter.model, o.models, (v) => set({ model: v })),
    select('Prompt version', 'filter-prompt', s.filter.promptVersion, o.promptVersions, (v) => set({ promptVersion: v })),
    select('Tag', 'filter-tag', s.filter.tag, o.tags, (v) => set({ tag: v })),
  );
}

function section(title: string, id: string, ...children: (HTMLElement | null)[]): HTMLElement {
  return h('section', { class: 'block', id }, h('h2', null, title), ...children);
}

function render(s: DashboardViewState): void {
  state = s;
  const d = s.data;
  clear(app);
  app.append(
    h(
      'header',
      { class: 'page-header' },
      h('h1', null, 'CODI Dashboard'),
      rangeBar(s.range, s.filter),
      filters(s, d),
      h('span', { class: 'meta', id: 'dashboard-meta' }, d ? `${d.current.traces} traces · computed in ${d.computeMs.toFixed(0)} ms · ${new Date().toLocaleTimeString()}` : 'Loading…'),
    ),
  );
  if (s.error) app.append(h('div', { class: 'notice error', role: 'alert' }, s.error, ' See "CODI: Show Log" for details.'));
  if (!d) return;
  app.append(headlineCards(d, PERIOD[s.range]));
  const grid = h('section', { class: 'charts', id: 'charts', attrs: { 'aria-label': `Trends by ${d.bucket}` } }, ...charts.map((c) => c.root));
  app.append(grid);
  drawCharts();
  app.append(
    section('Models', 'models', comparisonTable('Models', d.byModel, 'model', d, actions)),
    section('Prompt versions', 'prompts', comparisonTable('Prompt versions', d.byPrompt, 'promptVersion', d, actions)),
    section('Errors', 'errors', errorTable(d.errors, d, actions)),
    section('Judge calibration', 'calibration-block', calibrationSection(d.calibration, actions)),
  );
  app.setAttribute('aria-busy', 'false');
}

function drawCharts(): void {
  const d = state?.data;
  if (!d) return;
  for (const c of charts) c.draw(d.trend, d.bucket === 'hour');
  document.body.dataset.chartsDrawn = String(Date.now());
}

// Redraw with the new colours when VS Code switches theme (it changes the body's class and the variables).
new MutationObserver(() => drawCharts()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
let resizeTimer: number | undefined;
new ResizeObserver(() => {
  clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(() => charts.forEach((c) => c.resize()), 100);
}).observe(app);

onEvent('dashboard/state', render);
void connect('dashboard').catch(report);
