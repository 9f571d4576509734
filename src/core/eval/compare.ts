/** Two experiment runs side by side: per case score and pass deltas, flips, and aggregate deltas with a 95% interval. */
import type { CaseResult, Experiment } from './experiment';
import { meanCi95 } from './stats';

export interface CaseComparison {
  id: string;
  a: { pass: boolean; score: number | null } | null;
  b: { pass: boolean; score: number | null } | null;
  scoreDelta: number | null;
  costDelta: number | null;
  latencyDelta: number | null;
  flipped: 'pass→fail' | 'fail→pass' | null;
}

export interface Comparison {
  a: { runId: string; name: string; passRate: number; meanScore: number | null };
  b: { runId: string; name: string; passRate: number; meanScore: number | null };
  passRateDelta: number;
  /** Mean of the per-case score deltas (b − a) over cases judged in both, with its 95% interval. */
  meanScoreDelta: { value: number; low: number; high: number } | null;
  costDelta: number;
  latencyP50Delta: number | null;
  cases: CaseComparison[];
}

const sub = (x: number | null | undefined, y: number | null | undefined): number | null => (x === null || x === undefined || y === null || y === undefined ? null : Math.round((x - y) * 1e6) / 1e6);
const side = (c: CaseResult | undefined) => (c ? { pass: c.pass, score: c.score } : null);

export function compareExperiments(a: Experiment, b: Experiment): Comparison {
  const ids = [...new Set([...a.cases.map((c) => c.id), ...b.cases.map((c) => c.id)])];
  const ca = new Map(a.cases.map((c) => [c.id, c]));
  const cb = new Map(b.cases.map((c) => [c.id, c]));
  const cases = ids.map((id): CaseComparison => {
    const x = ca.get(id);
    const y = cb.get(id);
    return {
      id,
      a: side(x),
      b: side(y),
      scoreDelta: sub(y?.score, x?.score),
      costDelta: sub(y?.costUsd, x?.costUsd),
      latencyDelta: sub(y?.latencyMs, x?.latencyMs),
      flipped: x && y && x.pass !== y.pass ? (x.pass ? 'pass→fail' : 'fail→pass') : null,
    };
  });
  const deltas = cases.flatMap((c) => (c.scoreDelta === null ? [] : [c.scoreDelta]));
  return {
    a: { runId: a.runId, name: a.name, passRate: a.passRate, meanScore: a.meanScore },
    b: { runId: b.runId, name: b.name, passRate: b.passRate, meanScore: b.meanScore },
    passRateDelta: Math.round((b.passRate - a.passRate) * 1e6) / 1e6,
    meanScoreDelta: meanCi95(deltas),
    costDelta: Math.round((b.costUsd - a.costUsd) * 1e8) / 1e8,
    latencyP50Delta: sub(b.latencyMs.p50, a.latencyMs.p50),
    cases,
  };
}

/** Cases that passed in the baseline and do not pass now (missing now counts as not passing). */
export function regressions(baseline: Array<{ id: string; pass: boolean }>, now: Array<{ id: string; pass: boolean }>): string[] {
  const current = new Map(now.map((c) => [c.id, c.pass]));
  return baseline.filter((c) => c.pass && current.get(c.id) !== true).map((c) => c.id);
}
