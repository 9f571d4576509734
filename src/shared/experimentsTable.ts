/** Sorting and filtering of the Experiments panel's case table (pure; the webview renders the result). */
import type { ExperimentCaseRow } from './experimentsProtocol';

export type CaseFilter = 'all' | 'failed' | 'flipped';
export type CaseColumn = 'id' | 'pass' | 'score' | 'cost' | 'latency' | 'delta';
export interface TableView {
  filter: CaseFilter;
  text: string;
  sort: { column: CaseColumn; descending: boolean };
}

const key: Record<CaseColumn, (r: ExperimentCaseRow) => string | number | null> = {
  id: (r) => r.id,
  pass: (r) => (r.pass ? 1 : 0),
  score: (r) => r.score,
  cost: (r) => r.costUsd,
  latency: (r) => r.latencyMs,
  delta: (r) => r.delta?.scoreDelta ?? null,
};

/** The rows to show: filtered, then sorted (rows without a value for the column always last). */
export function visibleRows(rows: readonly ExperimentCaseRow[], v: TableView): ExperimentCaseRow[] {
  const words = v.text.toLowerCase().split(/\s+/).filter(Boolean);
  const kept = rows.filter((r) => {
    if (v.filter === 'failed' && r.pass) return false;
    if (v.filter === 'flipped' && !r.delta?.flipped) return false;
    const hay = `${r.id} ${r.pipeline} ${r.failures.join(' ')} ${Object.keys(r.criteria).join(' ')}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
  const k = key[v.sort.column];
  const dir = v.sort.descending ? -1 : 1;
  return kept
    .map((r, i) => ({ r, i, x: k(r) }))
    .sort((a, b) => {
      if (a.x === null || b.x === null) return a.x === b.x ? a.i - b.i : a.x === null ? 1 : -1;
      const c = typeof a.x === 'string' ? a.x.localeCompare(String(b.x)) : a.x - (b.x as number);
      return c === 0 ? a.i - b.i : c * dir;
    })
    .map((e) => e.r);
}
