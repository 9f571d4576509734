/**
 * The dashboard's trend charts on uPlot: canvas drawing (no inline styles, no eval, so it runs under the
 * panel's strict CSP; uPlot sizes its elements through CSSOM), colours read from VS Code's
 * `--vscode-charts-*` variables at draw time, so a redraw after a theme change picks up the new theme.
 * Every chart has its numbers in an accessible table right under it.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { TrendPoint } from '../../src/shared/analytics';
import type { TraceType } from '../../src/shared/types';
import { h } from '../shared/dom';
import { formatCost, formatDuration } from '../shared/format';

const css = (name: string, fallback: string): string => getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;

/** The chart palette, from the theme (VS Code defines these for light, dark and high-contrast themes). */
export function palette() {
  return {
    fg: css('--vscode-foreground', '#cccccc'),
    grid: css('--vscode-charts-lines', 'rgba(128,128,128,0.35)'),
    blue: css('--vscode-charts-blue', '#3794ff'),
    green: css('--vscode-charts-green', '#89d185'),
    yellow: css('--vscode-charts-yellow', '#cca700'),
    orange: css('--vscode-charts-orange', '#d18616'),
    purple: css('--vscode-charts-purple', '#b180d7'),
    red: css('--vscode-charts-red', '#f14c4c'),
    font: `11px ${css('--vscode-font-family', 'sans-serif')}`,
  };
}

type Palette = ReturnType<typeof palette>;

export interface ChartSpec {
  id: string;
  title: string;
  /** Column headers of the data table (the first is the time). */
  columns: string[];
  rows: (points: TrendPoint[]) => string[][];
  build: (points: TrendPoint[], p: Palette, hourly: boolean) => { data: uPlot.AlignedData; series: uPlot.Series[]; yFormat: (v: number) => string };
}

const TYPES: TraceType[] = ['explain', 'summarize', 'generate', 'experiment', 'judge'];

const timeLabel = (t: number, hourly: boolean) =>
  new Date(t).toLocaleString(undefined, hourly ? { hour: '2-digit', minute: '2-digit', day: 'numeric', month: 'short' } : { day: 'numeric', month: 'short', year: 'numeric' });
/** Short tick labels so they do not collide: "Nov 2" by day, "14:00" by hour. */
const tickLabel = (t: number, hourly: boolean) => new Date(t).toLocaleString(undefined, hourly ? { hour: '2-digit', minute: '2-digit' } : { day: 'numeric', month: 'short' });
const num = (v: number | null, d = 2) => (v === null ? '—' : v.toFixed(d));
/** uPlot draws gaps for null; its types say number | null | undefined per point. */
const series = (points: TrendPoint[], pick: (p: TrendPoint) => number | null) => points.map((p) => pick(p));

export const CHARTS: ChartSpec[] = [
  {
    id: 'runs',
    title: 'Runs by pipeline',
    columns: ['Time', ...TYPES, 'Errors'],
    rows: (pts) => pts.map((p) => [timeLabel(p.start, false), ...TYPES.map((t) => String(p.runsByType[t] ?? 0)), String(p.errors)]),
    build: (pts, p) => {
      // Stacked bars: each series is the running total up to its pipeline, drawn largest first.
      const present = TYPES.filter((t) => pts.some((x) => x.runsByType[t]));
      const colours = [p.blue, p.green, p.purple, p.orange, p.yellow];
      const stacks = present.map((_, i) => pts.map((x) => present.slice(i).reduce((n, t) => n + (x.runsByType[t] ?? 0), 0)));
      return {
        data: [pts.map((x) => x.start / 1000), ...stacks],
        series: present.map((t, i) => ({ label: t, stroke: colours[i % colours.length], fill: colours[i % colours.length], paths: uPlot.paths.bars!({ size: [0.7, 40] }), points: { show: false } })),
        yFormat: (v) => String(Math.round(v)),
      };
    },
  },
  {
    id: 'score',
    title: 'Mean judge score (band: ± 1 standard deviation)',
    columns: ['Time', 'Mean score', 'Std. dev.', 'Runs'],
    rows: (pts) => pts.map((p) => [timeLabel(p.start, false), num(p.meanScore), num(p.scoreSd), String(p.runs)]),
    build: (pts, p) => ({
      data: [
        pts.map((x) => x.start / 1000),
        series(pts, (x) => (x.meanScore === null ? null : Math.min(1, x.meanScore + (x.scoreSd ?? 0)))),
        series(pts, (x) => x.meanScore),
        series(pts, (x) => (x.meanScore === null ? null : Math.max(0, x.meanScore - (x.scoreSd ?? 0)))),
      ],
      series: [
        { label: '+1 sd', stroke: p.grid, width: 1, points: { show: false } },
        { label: 'mean', stroke: p.green, width: 2 },
        { label: '−1 sd', stroke: p.grid, width: 1, points: { show: false } },
      ],
      yFormat: (v) => v.toFixed(2),
    }),
  },
  {
    id: 'latency',
    title: 'Latency p50 / p95',
    columns: ['Time', 'p50', 'p95'],
    rows: (pts) => pts.map((p) => [timeLabel(p.start, false), formatDuration(p.p50LatencyMs), formatDuration(p.p95LatencyMs)]),
    build: (pts, p) => ({
      data: [pts.map((x) => x.start / 1000), series(pts, (x) => x.p50LatencyMs), series(pts, (x) => x.p95LatencyMs)],
      series: [
        { label: 'p50', stroke: p.blue, width: 2 },
        { label: 'p95', stroke: p.orange, width: 2, dash: [6, 4] },
      ],
      yFormat: (v) => formatDuration(v),
    }),
  },
  {
    id: 'cost',
    title: 'Cost (USD)',
    columns: ['Time', 'Cost', 'Tokens'],
    rows: (pts) => pts.map((p) => [timeLabel(p.start, false), formatCost(p.costUsd), String(p.tokens)]),
    build: (pts, p) => ({
      data: [pts.map((x) => x.start / 1000), pts.map((x) => x.costUsd)],
      series: [{ label: 'cost', stroke: p.purple, fill: p.purple, paths: uPlot.paths.bars!({ size: [0.7, 40] }), points: { show: false } }],
      yFormat: (v) => formatCost(v),
    }),
  },
];

/** One chart with its title, canvas and data table; `draw` (re)creates the plot for new data, size or theme. */
export class TrendChart {
  readonly root: HTMLElement;
  private readonly plotHost: HTMLDivElement;
  private readonly tableHost: HTMLDivElement;
  private plot: uPlot | null = null;

  constructor(private readonly spec: ChartSpec) {
    this.plotHost = h('div', { class: 'chart-canvas', role: 'img', attrs: { 'aria-label': `${spec.title} chart; the same numbers are in the data table below` } });
    this.tableHost = h('div', { class: 'chart-table' });
    this.root = h(
      'figure',
      { class: 'chart', id: `chart-${spec.id}` },
      h('figcaption', null, spec.title),
      this.plotHost,
      h('details', { class: 'chart-data' }, h('summary', null, 'Data table'), this.tableHost),
    );
  }

  draw(points: TrendPoint[], hourly: boolean): void {
    this.plot?.destroy();
    this.plot = null;
    this.tableHost.replaceChildren(dataTable(this.spec, points, hourly));
    const width = Math.max(260, this.plotHost.clientWidth || 480);
    const p = palette();
    const built = this.spec.build(points, p, hourly);
    const axis = { stroke: p.fg, font: p.font, grid: { stroke: p.grid, width: 1 }, ticks: { stroke: p.grid, width: 1 } };
    this.plot = new uPlot(
      {
        width,
        height: 180,
        legend: { show: true, live: false },
        cursor: { show: true, points: { show: false } },
        scales: { x: { time: true }, y: this.spec.id === 'score' ? { range: [0, 1] } : { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] } },
        axes: [
          { ...axis, space: 70, values: (_u, ticks) => ticks.map((t) => tickLabel(t * 1000, hourly)) },
          { ...axis, size: 60, values: (_u, ticks) => ticks.map(built.yFormat) },
        ],
        series: [{}, ...built.series],
      },
      built.data,
      this.plotHost,
    );
    this.plotHost.dataset.drawn = String(points.length);
  }

  resize(): void {
    if (this.plot) this.plot.setSize({ width: Math.max(260, this.plotHost.clientWidth), height: 180 });
  }
}

function dataTable(spec: ChartSpec, points: TrendPoint[], hourly: boolean): HTMLTableElement {
  const rows = spec.rows(points).map((r, i) => [timeLabel(points[i]!.start, hourly), ...r.slice(1)]);
  return h(
    'table',
    { class: 'data' },
    h('caption', { class: 'sr-only' }, `${spec.title}, by ${hourly ? 'hour' : 'day'}`),
    h('thead', null, h('tr', null, ...spec.columns.map((c) => h('th', { attrs: { scope: 'col' } }, c)))),
    h('tbody', null, ...rows.filter((_, i) => points[i]!.runs > 0).map((r) => h('tr', null, ...r.map((c, j) => (j === 0 ? h('th', { attrs: { scope: 'row' } }, c) : h('td', null, c)))))),
  );
}
