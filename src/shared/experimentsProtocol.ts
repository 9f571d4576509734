/**
 * What the Experiments panel shows: one stored experiment run (with deltas to the previous run of the same
 * dataset), or two runs compared. The host builds it from the core's Experiment / Comparison; the webview
 * only renders it (it cannot import the core). The fields a case result and a run have are defined once
 * here (`ExperimentCaseFields`, `ExperimentRunFields`) and the core's CaseResult and Experiment extend them,
 * so the panel's shapes cannot drift from the stored ones.
 */

import type { OpikLinkState } from './protocol';

/** One case's result (core `CaseResult` extends it with its pipeline kind and repeats). */
export interface ExperimentCaseFields {
  id: string;
  /** Every run of the case passed. */
  pass: boolean;
  /** Mean over the runs that were judged. */
  score: number | null;
  criteria: Record<string, number>;
  costUsd: number | null;
  latencyMs: number | null;
  /** The first run's trace (opens in the trace panel). */
  traceId: string;
  /** The failed expectations (the panel shows the first, the others in the tooltip). */
  failures: string[];
  /** The runs disagree on pass/fail. */
  flaky: boolean;
}

/** One case as a row of the table. */
export interface ExperimentCaseRow extends ExperimentCaseFields {
  pipeline: string;
  /** Compared with the other run (previous run of the dataset, or run A in compare mode); null when absent there. */
  delta: { scoreDelta: number | null; costDelta: number | null; latencyDelta: number | null; flipped: 'pass→fail' | 'fail→pass' | null; before: { pass: boolean; score: number | null } | null } | null;
}

/** What a stored run says about itself (core `Experiment` extends it). */
export interface ExperimentRunFields {
  runId: string;
  name: string;
  models: { model: string; judgeModel: string | null };
  /** Every prompt name → version the traces used. */
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

/** The header of one run. */
export interface ExperimentRunHeader extends ExperimentRunFields {
  dataset: { name: string; hash: string; cases: number };
  pipeline: string;
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
