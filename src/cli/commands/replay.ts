import { CodiError } from '../../core/errors';
import { isPipelineKind, pipelines, runPipeline } from '../../core/run/registry';
import { checkFlags, parseArgs, UsageError } from '../args';
import { applyMaxRetryWait, cliConfig, cliContext, cliTracer, errorFields, explainFields, openStore, print, traceNotes, withInterrupt } from '../common';
import { fmtCost, fmtMs, fmtScore } from '../format';
import { promptOverrideFlag } from '../promptFile';
import { finishRun } from '../run';
import { overallScore as overall, replayDiff, traceLatency as latency } from '../../core/run/replay';

export const REPLAY_USAGE = 'codi replay <trace id> [--model M] [--judge-model M] [--prompt NAME=FILE] [--no-judge] [--json]';

/** `codi replay <trace>`: runs a trace's input again (another model or prompt), linked to it by `replayOf`. */
export async function cmdReplay(argv: string[]): Promise<number> {
  const valueFlags = ['model', 'judge-model', 'prompt', 'max-retry-wait'];
  const args = parseArgs(argv, valueFlags);
  checkFlags(args, [...valueFlags, 'json', 'no-judge']);
  if (args.positionals.length !== 1) throw new UsageError('replay needs exactly one trace id');
  applyMaxRetryWait(args.flags.get('max-retry-wait'));
  const flag = (k: string) => (typeof args.flags.get(k) === 'string' ? (args.flags.get(k) as string) : undefined);
  const json = args.flags.has('json');
  const store = await openStore('run');
  try {
    const original = await store.get(args.positionals[0]!);
    if (!original) throw new CodiError('bad-input', `No trace ${args.positionals[0]}. List them with: codi traces list`);
    const kind = original.type;
    if (!isPipelineKind(kind)) throw new CodiError('bad-input', `A ${kind} trace cannot be replayed (explain, summarize and generate traces can).`);
    const input = pipelines[kind].inputFromTrace(original);
    if (!input) throw new CodiError('bad-input', `Trace ${original.id} does not keep the input it was run on (recorded by an older CODI?), so it cannot be replayed.`);
    const meta = original.metadata;
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const config = cliConfig({
      // The original's own models unless asked otherwise: a replay changes one thing at a time.
      model: flag('model') ?? str(meta.requestedModel) ?? str(meta.model),
      judgeModel: flag('judge-model') ?? str(meta.judgeModel),
      ...(args.flags.has('no-judge') ? { judgeEnabled: false } : {}),
      promptOverrides: promptOverrideFlag(args.flags.get('prompt')),
    });
    const tracer = cliTracer(store).with({ tags: ['replay'], metadata: { replayOf: original.id } });
    const r = await withInterrupt((signal) =>
      runPipeline(kind, input as never, config, cliContext(store, signal, config, { onText: json ? undefined : (d) => process.stdout.write(d) }, tracer)),
    );
    const t = r.trace;
    const diff = replayDiff(original, t);
    if (json) print(JSON.stringify({ ...explainFields(t, r, config.model), replayOf: original.id, diff, ...errorFields(r) }, null, 2));
    else if (!r.error) {
      const sign = (n: number | null, f: (x: number) => string) => (n === null ? '—' : `${n > 0 ? '+' : n < 0 ? '-' : '±'}${f(Math.abs(n))}`);
      process.stderr.write(`\n\n${traceNotes(t)}replay of ${original.id} with ${config.model}: score ${fmtScore(overall(t))} (${sign(diff.scoreDelta, (x) => x.toFixed(2))}), cost ${fmtCost(t.costUsd)} (${sign(diff.costDelta, (x) => fmtCost(x))}), latency ${fmtMs(latency(t))} (${sign(diff.latencyDelta, (x) => fmtMs(x))}) · trace ${t.id}\n`);
    }
    return await finishRun(store, t.id, r.error, false);
  } finally {
    await store.close();
  }
}
