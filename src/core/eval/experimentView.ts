/**
 * The Experiments panel's state from stored runs: one run with deltas to its previous run of the same
 * dataset, or run B compared with run A. Pure, so the panel's content is tested without VS Code.
 */
import type { ExperimentCaseRow, ExperimentRunHeader, ExperimentsViewState } from '../../shared/experimentsProtocol';
import { compareExperiments } from './compare';
import type { Experiment } from './experiment';

export function runHeader(e: Experiment): ExperimentRunHeader {
  return {
    runId: e.runId,
    name: e.name,
    dataset: { name: e.dataset.name, hash: e.dataset.hash, cases: e.dataset.cases },
    pipeline: e.pipeline,
    models: e.models,
    prompts: e.prompts,
    status: e.status,
    startedAt: e.startedAt,
    passRate: e.passRate,
    passed: e.passed,
    failed: e.failed,
    meanScore: e.meanScore,
    costUsd: e.costUsd,
    latencyMs: e.latencyMs,
  };
}

/**
 * `run` with deltas to `other` (null: no deltas). In 'compare' mode `other` is run A and `run` is run B; cases
 * only in A are listed too (as not run), so a dropped case is visible.
 */
export function experimentViewState(run: Experiment, other: Experiment | null, mode: ExperimentsViewState['mode'] = 'run'): ExperimentsViewState {
  const cmp = other ? compareExperiments(other, run) : null;
  const byId = new Map(cmp?.cases.map((c) => [c.id, c]));
  const rows: ExperimentCaseRow[] = run.cases.map((c) => {
    const d = byId.get(c.id);
    return {
      id: c.id,
      pipeline: c.pipeline,
      pass: c.pass,
      score: c.score,
      criteria: c.criteria,
      costUsd: c.costUsd,
      latencyMs: c.latencyMs,
      failures: c.failures,
      traceId: c.traceId,
      flaky: c.flaky,
      delta: d && d.a ? { scoreDelta: d.scoreDelta, costDelta: d.costDelta, latencyDelta: d.latencyDelta, flipped: d.flipped, before: d.a } : null,
    };
  });
  return {
    mode,
    run: runHeader(run),
    other: other ? runHeader(other) : null,
    rows,
    aggregate: cmp
      ? {
          passRateDelta: cmp.passRateDelta,
          meanScoreDelta: cmp.meanScoreDelta,
          costDelta: cmp.costDelta,
          latencyP50Delta: cmp.latencyP50Delta,
          flips: { passToFail: cmp.cases.filter((c) => c.flipped === 'pass→fail').length, failToPass: cmp.cases.filter((c) => c.flipped === 'fail→pass').length },
        }
      : null,
  };
}
