import { compareExperiments } from '../../core/eval/compare';
import type { Experiment } from '../../core/eval/experiment';
import { ExperimentStore } from '../../core/eval/experimentStore';
import { checkFlags, parseArgs, UsageError } from '../args';
import { EXIT, openStore, print, storeDir } from '../common';
import { columns, fmtCost, fmtMs, fmtScore } from '../format';
import { opikExperimentStatusOf } from '../opik';
import { experimentTable } from './eval';

const iso = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16);
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const signed = (x: number | null, f: (n: number) => string) => (x === null ? '—' : `${x > 0 ? '+' : ''}${f(x)}`);

function warnDamaged(store: ExperimentStore): void {
  if (store.damaged.length) process.stderr.write(`codi: ${store.damaged.length} experiment file(s) in ${store.dir} could not be read and were skipped: ${store.damaged.join(', ')}\n`);
}

/** `codi eval list`: stored runs, newest first. */
export async function cmdEvalList(argv: string[]): Promise<number> {
  const args = parseArgs(argv, []);
  checkFlags(args, ['json']);
  const store = new ExperimentStore(storeDir());
  const runs = await store.list();
  warnDamaged(store);
  if (args.flags.has('json')) print(JSON.stringify(runs, null, 2));
  else if (runs.length === 0) print('No experiment runs yet. Run one with: codi eval <dataset.jsonl>');
  else print(columns(['RUN', 'STARTED (UTC)', 'PASS RATE', 'CASES', 'STATUS', 'NAME (DATASET)'], runs.map((r) => [r.runId, iso(r.startedAt), pct(r.passRate), String(r.cases), r.status, `${r.name}${r.name === r.dataset ? '' : ` (${r.dataset})`}`])));
  return EXIT.ok;
}

/** `codi eval show <run>`: the stored run's table (or the whole record as JSON). */
export async function cmdEvalShow(argv: string[]): Promise<number> {
  const args = parseArgs(argv, []);
  checkFlags(args, ['json']);
  if (args.positionals.length !== 1) throw new UsageError('eval show needs one run id (or name)');
  const e: Experiment = await new ExperimentStore(storeDir()).get(args.positionals[0]!);
  // Only a run that was queued for Opik has an export state (read from the outbox, no SDK, no network).
  const traces = await openStore();
  let opik: Awaited<ReturnType<typeof opikExperimentStatusOf>>;
  try {
    opik = await opikExperimentStatusOf(traces, e.runId);
  } finally {
    await traces.close();
  }
  if (args.flags.has('json')) print(JSON.stringify({ ...e, ...(opik ? { opik: { state: opik.state, url: opik.url } } : {}) }, null, 2));
  else {
    const link = opik ? `\nOpik: ${opik.state}${opik.url ? ` · ${opik.url}` : opik.lastError ? ` (${opik.lastError})` : ''}` : '';
    print(`run ${e.runId} · ${iso(e.startedAt)} · dataset ${e.dataset.name}@${e.dataset.hash} · ${e.models.model}${e.models.judgeModel ? `, judge ${e.models.judgeModel}` : ''} · prompts ${Object.entries(e.prompts).map(([k, v]) => `${k}@${v}`).join(', ') || '—'}\n\n${experimentTable(e)}${link}`);
  }
  return EXIT.ok;
}

/** `codi eval compare <a> <b>`: per case deltas and flips, aggregate deltas with a 95% interval. */
export async function cmdEvalCompare(argv: string[]): Promise<number> {
  const args = parseArgs(argv, []);
  checkFlags(args, ['json']);
  if (args.positionals.length !== 2) throw new UsageError('eval compare needs two run ids (or names): <runA> <runB>');
  const store = new ExperimentStore(storeDir());
  const a = await store.get(args.positionals[0]!);
  const b = await store.get(args.positionals[1]!);
  const c = compareExperiments(a, b);
  if (args.flags.has('json')) {
    print(JSON.stringify({ a: c.a.runId, b: c.b.runId, passRateDelta: c.passRateDelta, meanScoreDelta: c.meanScoreDelta, costDelta: c.costDelta, latencyP50Delta: c.latencyP50Delta, cases: c.cases }, null, 2));
    return EXIT.ok;
  }
  const body = c.cases.map((x) => [
    x.id,
    x.a ? `${x.a.pass ? 'pass' : 'FAIL'} ${fmtScore(x.a.score)}` : '—',
    x.b ? `${x.b.pass ? 'pass' : 'FAIL'} ${fmtScore(x.b.score)}` : '—',
    signed(x.scoreDelta, (n) => n.toFixed(2)),
    signed(x.costDelta, (n) => fmtCost(Math.abs(n)).replace('$', n < 0 ? '-$' : '$')),
    signed(x.latencyDelta, (n) => fmtMs(n)),
    x.flipped ?? '',
  ]);
  const d = c.meanScoreDelta;
  print(`${columns(['CASE', `A ${a.name}`, `B ${b.name}`, 'Δ SCORE', 'Δ COST', 'Δ LATENCY', 'FLIPPED'], body)}

pass rate ${pct(a.passRate)} → ${pct(b.passRate)} (${signed(c.passRateDelta * 100, (n) => `${n.toFixed(1)} pts`)}) · mean score Δ ${d ? `${signed(d.value, (n) => n.toFixed(3))} (95% CI ${d.low.toFixed(3)} to ${d.high.toFixed(3)})` : '—'} · cost Δ ${signed(c.costDelta, (n) => n.toFixed(5))} · p50 latency Δ ${signed(c.latencyP50Delta, (n) => fmtMs(n))}
flipped: ${c.cases.filter((x) => x.flipped).map((x) => `${x.id} ${x.flipped}`).join(', ') || 'none'}`);
  return EXIT.ok;
}
