/**
 * What the Experiments panel shows: one stored experiment run (with deltas to the previous run of the same
 * dataset), or two runs compared. The host builds it from the core's Experiment / Comparison; the webview
 * only renders it (it cannot import the core), so the shapes are restated here, reduced to what is shown.
 */

import type { OpikLinkState } from './protocol';

/** One case as a row of the table. */
export interface ExperimentCaseRow {
  id: string;
  pipeline: string;
  pass: boolean;
  score: number | null;
  criteria: Record<string, number>;
  costUsd: number | null;
  latencyMs: number | null;
  /** The first failed expectation (the others are in the tooltip). */
  failures: string[];
  /** Opens in the trace panel. */
  traceId: string;
  flaky: boolean;
  /** Compared with the other run (previous run of the dataset, or run A in compare mode); null when absent there. */
  delta: { scoreDelta: number | null; costDelta: number | null; latencyDelta: number | null; flipped: 'pass→fail' | 'fail→pass' | null; before: { pass: boolean; score: number | null } | null } | null;
}

/** The header of one run. */
export interface ExperimentRunHeader {
  runId: string;
  name: string;
  dataset: { name: string; hash: string; cases: number };
  pipeline: string;
  models: { model: string; judgeModel: string | null };
  prompts: Record<string, string>;
  status: 'done' | 'cancelled';
  startedAt: number;
  passRate: number;
  passed: number;
  failed: number;
  meanScore: number | null;
  costUsd: number;
  latencyMs: { p50: number | null; p95: number | null };
}

export interface ExperimentsViewState {
  /** 'run': one run, deltas to `other` (its previous run); 'compare': `other` is A, `run` is B. */
  mode: 'run' | 'compare';
  run: ExperimentRunHeader;
  other: ExperimentRunHeader | null;
  rows: ExperimentCaseRow[];
  /** Aggregate deltas (run − other), when there is another run. */
  aggregate: {
    passRateDelta: number;
    meanScoreDelta: { value: number; low: number; high: number } | null;
    costDelta: number;
    latencyP50Delta: number | null;
    flips: { passToFail: number; failToPass: number };
  } | null;
  /** The run's export to Opik (link once sent); absent or null when it was never queued (export off). */
  opik?: OpikLinkState | null;
}
