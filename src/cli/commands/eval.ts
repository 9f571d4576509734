import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { CodiError } from '../../core/errors';
import { RateGate } from '../../core/gemini/gate';
import { regressions } from '../../core/eval/compare';
import { loadDataset } from '../../core/eval/dataset';
import type { Experiment } from '../../core/eval/experiment';
import { runExperiment } from '../../core/eval/experiment';
import { ExperimentStore } from '../../core/eval/experimentStore';
import { junitXml } from '../../core/eval/junit';
import { checkFlags, intFlag, parseArgs, UsageError } from '../args';
import { applyMaxRetryWait, cliConfig, cliContext, EXIT, geminiFromEnv, openStore, print, storeDir, VERSION, withInterrupt } from '../common';
import { columns, fmtCost, fmtMs, fmtScore } from '../format';
import { exportExperimentAfterRun, opikRequested } from '../opik';
import { promptOverrideFlag } from '../promptFile';
import { cmdEvalCompare, cmdEvalList, cmdEvalShow } from './evalReports';

export const EVAL_USAGE = `codi eval <dataset.jsonl|csv|yaml> [--model M] [--judge-model M] [--prompt NAME=FILE] [--concurrency N] [--repeat K]
             [--min-pass-rate 0.9] [--baseline <run id | results.json>] [--json] [--junit out.xml] [--name NAME] [--opik]
  codi eval list [--json] | codi eval show <run> [--json] | codi eval compare <runA> <runB> [--json]`;

/** The gate's pass-rate threshold: --min-pass-rate, else CODI_MIN_PASS_RATE, else 1. */
function minPassRate(flag: string | true | undefined): number {
  const raw = typeof flag === 'string' ? flag : (process.env.CODI_MIN_PASS_RATE ?? '1');
  const n = Number(raw);
  if (!/^\s*(0(\.\d+)?|1(\.0+)?|\.\d+)\s*$/.test(raw) || !(n >= 0 && n <= 1)) throw new UsageError(`the minimum pass rate must be a number from 0 to 1, not "${raw}"`);
  return n;
}

/** `--baseline`: a stored run (id prefix or name) or a results file (`codi eval --json` output or a stored run). */
async function baselineCases(ref: string, store: ExperimentStore): Promise<{ label: string; cases: Array<{ id: string; pass: boolean }> }> {
  if (existsSync(ref)) {
    try {
      const j = JSON.parse(readFileSync(ref, 'utf8')) as { runId?: string; cases?: Array<{ id: string; pass: boolean }> };
      if (!Array.isArray(j.cases)) throw new Error('no "cases" list');
      return { label: j.runId ?? ref, cases: j.cases.filter((c) => typeof c.id === 'string' && typeof c.pass === 'boolean') };
    } catch (e) {
      throw new CodiError('bad-input', `--baseline ${ref} is not a results file (${e instanceof Error ? e.message : String(e)}).`);
    }
  }
  const e = await store.get(ref);
  return { label: e.runId, cases: e.cases };
}

export async function cmdEval(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'list') return cmdEvalList(rest);
  if (sub === 'show') return cmdEvalShow(rest);
  if (sub === 'compare') return cmdEvalCompare(rest);
  const valueFlags = ['model', 'judge-model', 'prompt', 'concurrency', 'repeat', 'min-pass-rate', 'baseline', 'junit', 'name', 'max-retry-wait'];
  const args = parseArgs(argv, valueFlags);
  checkFlags(args, [...valueFlags, 'json', 'no-judge', 'opik']);
  if (args.positionals.length !== 1) throw new UsageError('eval needs exactly one dataset file');
  applyMaxRetryWait(args.flags.get('max-retry-wait'));
  const minRate = minPassRate(args.flags.get('min-pass-rate'));
  const concurrency = intFlag(args, 'concurrency', 1, 32) ?? 1;
  const repeat = intFlag(args, 'repeat', 1, 20) ?? 1;
  const json = args.flags.has('json');
  const flag = (k: string) => (typeof args.flags.get(k) === 'string' ? (args.flags.get(k) as string) : undefined);
  // Everything that can be wrong with the dataset or the options is found before any model call.
  const dataset = loadDataset(args.positionals[0]!);
  const config = cliConfig({
    model: flag('model'),
    judgeModel: flag('judge-model'),
    ...(args.flags.has('no-judge') ? { judgeEnabled: false } : {}),
    promptOverrides: promptOverrideFlag(args.flags.get('prompt')),
  });
  const experiments = new ExperimentStore(storeDir());
  const baseline = flag('baseline') ? await baselineCases(flag('baseline')!, experiments) : null;
  const store = await openStore('run');
  let e: Experiment;
  try {
    // One gate for all workers: a 429 seen by one pauses every worker for the server's delay.
    const gate = new RateGate();
    const gemini = geminiFromEnv(config, gate);
    const total = dataset.cases.length * repeat;
    if (!json) process.stderr.write(`${dataset.name}: ${dataset.cases.length} cases${repeat > 1 ? ` × ${repeat}` : ''}, ${config.model}${config.judgeEnabled ? `, judge ${config.judgeModel}` : ''}, concurrency ${concurrency}\n`);
    let passedSoFar = 0;
    e = await withInterrupt((signal) =>
      runExperiment(dataset, config, {
        name: flag('name'),
        concurrency,
        repeat,
        codiVersion: VERSION,
        signal,
        context: () => ({ ...cliContext(store, signal, config), gemini }),
        onProgress: json
          ? undefined
          : (done, all, last) => {
              if (last.pass) passedSoFar++;
              process.stderr.write(`\r[${done}/${all}] ${passedSoFar} passed · ${last.id} ${last.pass ? 'pass' : 'FAIL'}`.padEnd(72).slice(0, 100));
              if (done === total) process.stderr.write('\n');
            },
      }),
    );
  } finally {
    await store.close();
  }
  await experiments.save(e, dataset.cases);
  // Opik (--opik or CODI_OPIK=1): the case traces and the experiment go through the outbox; never changes the exit code.
  const opik = opikRequested(args.flags.has('opik'))
    ? await exportExperimentAfterRun(e.cases.flatMap((c) => c.repeats?.map((r) => r.traceId) ?? [c.traceId]), e.runId, e.status === 'done')
    : null;
  const regressed = baseline ? regressions(baseline.cases, e.cases) : [];
  const ok = e.status === 'done' && e.passRate >= minRate - 1e-9 && regressed.length === 0;
  const junit = flag('junit');
  if (junit) writeFileSync(junit, junitXml(e));
  if (json) {
    print(JSON.stringify({
      runId: e.runId, name: e.name, dataset: { name: e.dataset.name, hash: e.dataset.hash, cases: e.dataset.cases }, pipeline: e.pipeline,
      status: e.status, passRate: e.passRate, passed: e.passed, failed: e.failed,
      gate: { minPassRate: minRate, baseline: baseline?.label ?? null, regressions: regressed, ok },
      meanScore: e.meanScore, costUsd: e.costUsd, latencyMs: e.latencyMs, models: e.models, prompts: e.prompts,
      cases: e.cases.map((c) => ({ id: c.id, pass: c.pass, score: c.score, criteria: c.criteria, traceId: c.traceId, failures: c.failures, costUsd: c.costUsd, latencyMs: c.latencyMs, ...(c.repeats ? { repeats: c.repeats.map((r) => ({ pass: r.pass, score: r.score, traceId: r.traceId })), scoreStdev: c.scoreStdev, flaky: c.flaky } : {}) })),
      ...(opik ? { opik: { state: opik.state, url: opik.url } } : {}),
    }, null, 2));
  } else {
    print(experimentTable(e));
    const why = [
      e.status === 'cancelled' ? 'cancelled before every case ran' : '',
      e.passRate < minRate - 1e-9 ? `pass rate ${(e.passRate * 100).toFixed(1)}% is below the minimum ${(minRate * 100).toFixed(1)}%` : '',
      regressed.length ? `${regressed.length} case(s) passed in the baseline and fail now: ${regressed.join(', ')}` : '',
    ].filter(Boolean);
    process.stderr.write(`\ngate ${ok ? 'passed' : `FAILED: ${why.join('; ')}`} · run ${e.runId}${junit ? ` · JUnit ${junit}` : ''}\n`);
  }
  if (e.status === 'cancelled') return EXIT.cancelled;
  return ok ? EXIT.ok : EXIT.gate;
}

/** The per-case table, then the aggregates. */
export function experimentTable(e: Experiment): string {
  const body = e.cases.map((c) => [
    c.id,
    c.pass ? 'pass' : c.flaky ? 'FLAKY' : 'FAIL',
    c.score === null ? '—' : c.scoreStdev !== undefined ? `${fmtScore(c.score)}±${fmtScore(c.scoreStdev)}` : fmtScore(c.score),
    Object.entries(c.criteria).map(([k, v]) => `${k.slice(0, 5)} ${fmtScore(v)}`).join(' ') || '—',
    fmtCost(c.costUsd),
    fmtMs(c.latencyMs),
    c.failures[0] ?? '',
  ]);
  const head = columns(['CASE', 'RESULT', 'SCORE', 'CRITERIA', 'COST', 'LATENCY', 'FAILED EXPECTATION'], body);
  return `${head}\n\n${e.name}: ${e.passed}/${e.cases.length} passed (${(e.passRate * 100).toFixed(1)}%) · mean score ${fmtScore(e.meanScore)} · ${fmtCost(e.costUsd)} · p50 ${fmtMs(e.latencyMs.p50)} · p95 ${fmtMs(e.latencyMs.p95)}`;
}
