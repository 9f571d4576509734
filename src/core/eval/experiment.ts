/**
 * Runs a dataset through the pipeline registry: every case (× `repeat`) is one trace tagged with the
 * experiment, workers share one rate gate, cancellation keeps the finished cases, and the result carries what
 * a user compares: pass rate, mean score, cost, p50/p95 latency, the models and prompt versions used.
 */
import { uuidv7 } from '../ids';
import type { RunConfig } from '../run/config';
import type { PipelineKind, RunContext } from '../run/registry';
import { runPipeline } from '../run/registry';
import type { ExperimentCaseFields, ExperimentRunFields } from '../../shared/experimentsProtocol';
import type { ErrorInfo } from '../../shared/types';
import type { Dataset, EvalCase } from './dataset';
import { failedExpectations } from './expect';
import { mean, percentile, stdev } from './stats';

/** One run of one case. */
export interface CaseRun {
  traceId: string;
  pass: boolean;
  score: number | null;
  criteria: Record<string, number>;
  costUsd: number | null;
  latencyMs: number | null;
  failures: string[];
  error: ErrorInfo | null;
}

/** A case's result: the fields the panel shows (shared/experimentsProtocol.ts) plus its kind and repeats. */
export interface CaseResult extends ExperimentCaseFields {
  pipeline: PipelineKind;
  /** Standard deviation of the score over the runs (repeat > 1). */
  scoreStdev?: number;
  /** Every run, when the case ran more than once. */
  repeats?: CaseRun[];
}

/** A stored run: the fields the panel shows (shared/experimentsProtocol.ts) plus what only the store keeps. */
export interface Experiment extends ExperimentRunFields {
  dataset: { name: string; hash: string; cases: number; path: string };
  /** The dataset's pipeline, or "mixed". */
  pipeline: PipelineKind | 'mixed';
  codiVersion: string;
  endedAt: number;
  repeat: number;
  concurrency: number;
  cases: CaseResult[];
}

export interface ExperimentOptions {
  name?: string;
  concurrency?: number;
  repeat?: number;
  codiVersion: string;
  signal?: AbortSignal;
  /** The run context of one case run (a fresh tracer tagged with the experiment is applied on top). */
  context: () => RunContext;
  /** Called before each case run (a budget check may throw to stop the experiment). */
  beforeCase?: (c: EvalCase) => Promise<void>;
  onProgress?: (done: number, total: number, last: { id: string; pass: boolean }) => void;
}

const round = (n: number | null, d = 4): number | null => (n === null ? null : Math.round(n * 10 ** d) / 10 ** d);

export async function runExperiment(dataset: Dataset, config: RunConfig, opts: ExperimentOptions): Promise<Experiment> {
  const runId = uuidv7();
  const name = opts.name?.trim() || dataset.name;
  const repeat = Math.max(1, Math.floor(opts.repeat ?? 1));
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? 1));
  const startedAt = Date.now();
  const jobs = dataset.cases.flatMap((c, i) => Array.from({ length: repeat }, (_, k) => ({ c, i, k })));
  const runs: Array<CaseRun[]> = dataset.cases.map(() => []);
  const prompts: Record<string, string> = {};
  let next = 0;
  let done = 0;
  let cancelled = false;

  async function worker(): Promise<void> {
    while (next < jobs.length) {
      if (opts.signal?.aborted) { cancelled = true; return; }
      const job = jobs[next++]!;
      await opts.beforeCase?.(job.c);
      const base = opts.context();
      const tracer = base.tracer.with({ tags: [`experiment:${name}`], metadata: { experiment: runId, experimentName: name, datasetCase: job.c.id, ...(repeat > 1 ? { repeat: job.k + 1 } : {}) } });
      const r = await runPipeline(job.c.pipeline, job.c.input, config, { ...base, tracer, ...(opts.signal ? { signal: opts.signal } : {}) });
      if (r.error?.kind === 'cancelled') { cancelled = true; return; }
      const failures = failedExpectations(job.c.expect, job.c.pipeline, r);
      const t = r.trace;
      Object.assign(prompts, t.metadata.prompts as Record<string, string> | undefined);
      runs[job.i]![job.k] = {
        traceId: t.id,
        pass: failures.length === 0,
        score: r.judge?.score ?? null,
        criteria: Object.fromEntries((r.judge?.criteria ?? []).map((c) => [c.name, c.score])),
        costUsd: t.costUsd,
        latencyMs: t.endTime === null ? null : t.endTime - t.startTime,
        failures,
        error: r.error?.toInfo() ?? null,
      };
      done++;
      opts.onProgress?.(done, jobs.length, { id: job.c.id, pass: failures.length === 0 });
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));

  const cases: CaseResult[] = [];
  dataset.cases.forEach((c, i) => {
    const rs = runs[i]!.filter(Boolean);
    if (rs.length === 0) return;
    const scores = rs.flatMap((r) => (r.score === null ? [] : [r.score]));
    const names = [...new Set(rs.flatMap((r) => Object.keys(r.criteria)))];
    const pass = rs.every((r) => r.pass);
    cases.push({
      id: c.id,
      pipeline: c.pipeline,
      pass,
      score: round(mean(scores)),
      ...(rs.length > 1 ? { scoreStdev: round(stdev(scores)) ?? 0 } : {}),
      criteria: Object.fromEntries(names.map((n) => [n, round(mean(rs.flatMap((r) => (n in r.criteria ? [r.criteria[n]!] : [])))) ?? 0])),
      costUsd: round(mean(rs.flatMap((r) => (r.costUsd === null ? [] : [r.costUsd]))), 8),
      latencyMs: round(mean(rs.flatMap((r) => (r.latencyMs === null ? [] : [r.latencyMs]))), 0),
      traceId: rs[0]!.traceId,
      failures: rs.find((r) => !r.pass)?.failures ?? [],
      flaky: !pass && rs.some((r) => r.pass),
      ...(rs.length > 1 ? { repeats: rs } : {}),
    });
  });
  const all = runs.flat().filter(Boolean);
  const passed = cases.filter((c) => c.pass).length;
  const kinds = [...new Set(dataset.cases.map((c) => c.pipeline))];
  return {
    runId,
    name,
    dataset: { name: dataset.name, hash: dataset.hash, cases: dataset.cases.length, path: dataset.path },
    pipeline: kinds.length === 1 ? kinds[0]! : 'mixed',
    models: { model: config.model, judgeModel: config.judgeEnabled ? config.judgeModel : null },
    prompts,
    codiVersion: opts.codiVersion,
    startedAt,
    endedAt: Date.now(),
    status: cancelled || opts.signal?.aborted ? 'cancelled' : 'done',
    repeat,
    concurrency,
    cases,
    passRate: cases.length ? passed / cases.length : 0,
    passed,
    failed: cases.length - passed,
    meanScore: round(mean(cases.flatMap((c) => (c.score === null ? [] : [c.score])))),
    costUsd: round(all.reduce((a, r) => a + (r.costUsd ?? 0), 0), 8) ?? 0,
    latencyMs: { p50: percentile(all.flatMap((r) => (r.latencyMs === null ? [] : [r.latencyMs])), 50), p95: percentile(all.flatMap((r) => (r.latencyMs === null ? [] : [r.latencyMs])), 95) },
  };
}
