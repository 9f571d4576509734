/** The dashboard's tables: headline figures, model / prompt comparisons, error groups, judge calibration. */
import type { Calibration, DashboardData, ErrorGroup, GroupStats, Headline } from '../../src/shared/analytics';
import type { TracesSelection } from '../../src/shared/protocol';
import type { Child } from '../shared/dom';
import { h } from '../shared/dom';
import { formatAbsoluteTime, formatCost, formatDuration, formatRelativeTime, formatTokens } from '../shared/format';

export interface TableActions {
  showTraces(selection: TracesSelection): void;
  openTrace(traceId: string): void;
}

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
const score = (v: number | null) => (v === null ? '—' : v.toFixed(2));

interface Figure {
  label: string;
  value: (x: Headline) => number | null;
  format: (v: number | null) => string;
  /** Whether a rise is good (true), bad (false) or neither (null). */
  upIsGood: boolean | null;
}

const FIGURES: Figure[] = [
  { label: 'Traces', value: (x) => x.traces, format: (v) => formatTokens(v), upIsGood: null },
  { label: 'Error rate', value: (x) => x.errorRate, format: pct, upIsGood: false },
  { label: 'Mean judge score', value: (x) => x.meanScore, format: score, upIsGood: true },
  { label: 'Mean user rating', value: (x) => x.meanRating, format: score, upIsGood: true },
  { label: 'p50 latency', value: (x) => x.p50LatencyMs, format: formatDuration, upIsGood: false },
  { label: 'p95 latency', value: (x) => x.p95LatencyMs, format: formatDuration, upIsGood: false },
  { label: 'p50 time to first token', value: (x) => x.p50TtftMs, format: formatDuration, upIsGood: false },
  { label: 'Tokens', value: (x) => x.tokens, format: (v) => formatTokens(v), upIsGood: null },
  { label: 'Cost', value: (x) => x.costUsd, format: formatCost, upIsGood: null },
];

function change(now: number | null, before: number | null, upIsGood: boolean | null, period: string): HTMLElement {
  if (now === null || before === null) return h('span', { class: 'delta' }, `no data for the previous ${period}`);
  const diff = now - before;
  const relPct = before !== 0 ? Math.abs((diff / before) * 100) : null;
  const rel = relPct === null ? (diff === 0 ? '±0' : 'new') : relPct < 0.5 ? '±0%' : `${diff >= 0 ? '+' : '−'}${relPct.toFixed(0)}%`;
  const flat = diff === 0 || (relPct !== null && relPct < 0.5);
  const tone = flat || upIsGood === null ? '' : diff > 0 === upIsGood ? ' good' : ' bad';
  return h('span', { class: `delta${tone}` }, `${flat ? '■' : diff > 0 ? '▲' : '▼'} ${rel} vs previous ${period}`);
}

export function headlineCards(d: DashboardData, period: string): HTMLElement {
  return h(
    'section',
    { class: 'cards', id: 'headline', attrs: { 'aria-label': 'Headline figures' } },
    ...FIGURES.map((f) =>
      h(
        'div',
        { class: 'card' },
        h('span', { class: 'card-label' }, f.label),
        h('span', { class: 'card-value' }, f.format(f.value(d.current))),
        d.previous ? change(f.value(d.current), f.value(d.previous), f.upIsGood, period) : null,
      ),
    ),
  );
}

function table(caption: string, head: string[], rows: Child[][], id: string): HTMLElement {
  return h(
    'table',
    { class: 'data', id },
    h('caption', null, caption),
    h('thead', null, h('tr', null, ...head.map((c) => h('th', { attrs: { scope: 'col' } }, c)))),
    h('tbody', null, ...rows.map((r) => h('tr', null, ...r.map((c, i) => (i === 0 ? h('th', { attrs: { scope: 'row' } }, c) : h('td', null, c)))))),
  );
}

const link = (text: string, title: string, onClick: () => void): HTMLButtonElement => h('button', { class: 'link', title, on: { click: onClick } }, text);

export function comparisonTable(title: string, rows: GroupStats[], key: 'model' | 'promptVersion', d: DashboardData, a: TableActions): HTMLElement {
  const head = [key === 'model' ? 'Model' : 'Prompt version', 'Runs', 'Mean score (95% CI)', 'Experiment pass rate', 'p50 / p95 latency', 'Tokens / run', 'Cost / run', 'Error rate'];
  const body = rows.map((r) => [
    link(r.key || '(none)', `Show these traces in the Traces view`, () => a.showTraces({ label: `${key === 'model' ? 'model' : 'prompt'} ${r.key || '(none)'}`, [key]: r.key, from: d.from, to: d.to })),
    String(r.runs),
    r.meanScore === null ? '—' : `${r.meanScore.toFixed(2)}${r.scoreLow !== null && r.scoreHigh !== null ? ` (${r.scoreLow.toFixed(2)}–${r.scoreHigh.toFixed(2)})` : ''}`,
    r.passRate === undefined || r.passRate === null ? '—' : pct(r.passRate),
    `${formatDuration(r.p50LatencyMs)} / ${formatDuration(r.p95LatencyMs)}`,
    r.runs ? formatTokens(Math.round(r.tokens / r.runs)) : '—',
    r.runs ? formatCost(r.costUsd / r.runs) : '—',
    pct(r.errorRate),
  ]);
  return rows.length ? table(title, head, body, `table-${key}`) : h('p', { class: 'empty', id: `table-${key}` }, `${title}: no runs in this range.`);
}

export function errorTable(groups: ErrorGroup[], d: DashboardData, a: TableActions): HTMLElement {
  if (!groups.length) return h('p', { class: 'empty', id: 'table-errors' }, 'No errors in this range.');
  const body = groups.map((g) => [
    link(g.key, 'Show all traces with this error in the Traces view', () => a.showTraces({ label: `error ${g.key}`, errorKind: g.key, from: d.from, to: d.to })),
    String(g.runs),
    h('span', { title: formatAbsoluteTime(g.firstSeen) }, formatRelativeTime(g.firstSeen)),
    h('span', { title: formatAbsoluteTime(g.lastSeen) }, formatRelativeTime(g.lastSeen)),
    h('span', { class: 'examples' }, ...g.exampleTraceIds.map((id, i) => link(`#${i + 1}`, `Open trace ${id}`, () => a.openTrace(id)))),
  ]);
  return table('Errors by kind', ['Kind', 'Count', 'First seen', 'Last seen', 'Examples'], body, 'table-errors');
}

export function calibrationSection(c: Calibration, a: TableActions): HTMLElement {
  if (!c.pairs) return h('p', { class: 'empty', id: 'calibration' }, 'No trace in this range has both a judge score and your rating yet. Rate results (thumbs or stars) to calibrate the judge.');
  const t = c.table;
  return h(
    'div',
    { id: 'calibration', class: 'calibration' },
    h(
      'p',
      null,
      `${c.pairs} rated trace${c.pairs === 1 ? '' : 's'} · agreement ${pct(c.agreement)} (judge ≥ 0.7 vs thumbs up / ≥ 4 stars) · Spearman ρ ${c.spearman === null ? '—' : c.spearman.toFixed(2)}`,
    ),
    table('Judge against you', ['', 'You approved', 'You did not'], [
      ['Judge ≥ 0.7', String(t.judgePassUserUp), String(t.judgePassUserDown)],
      ['Judge < 0.7', String(t.judgeFailUserUp), String(t.judgeFailUserDown)],
    ], 'calibration-table'),
    c.disagreements.length
      ? table(
          'Biggest disagreements',
          ['Trace', 'Judge', 'You'],
          c.disagreements.map((x) => [link(x.name, `Open trace ${x.traceId}`, () => a.openTrace(x.traceId)), x.judge.toFixed(2), x.user.toFixed(2)]),
          'calibration-disagreements',
        )
      : null,
  );
}
