import { explain } from '../../core/pipelines/explain';
import { checkFlags, parseArgs, UsageError } from '../args';
import { errorFields, explainFields, modelsFromEnv, openStore, pipelineBase, print, readFileSlice, withInterrupt } from '../common';
import { fmtCost, fmtInt, fmtMs, fmtScore } from '../format';
import { opikRequested } from '../opik';
import { codeInput, finishRun } from '../run';
import { traceLabel } from '../storeAccess';

export const EXPLAIN_USAGE = 'codi explain <file>[:<startLine>-<endLine>] [--json] [--model <id>] [--no-judge] [--opik]';

const MAX_CHARS = 200_000;

export async function cmdExplain(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['model']);
  checkFlags(args, ['json', 'model', 'no-judge', 'opik']);
  const opik = opikRequested(args.flags.has('opik'));
  if (args.positionals.length !== 1) throw new UsageError('explain needs exactly one <file>[:<start>-<end>]');
  const slice = await readFileSlice(args.positionals[0]!, MAX_CHARS);
  const json = args.flags.has('json');
  const { model, judgeModel } = modelsFromEnv(args.flags.get('model'));
  const store = await openStore('run');
  try {
    const r = await withInterrupt((signal) =>
      explain(
        codeInput(slice),
        {
          ...pipelineBase(store, signal, { model, judgeModel }, args.flags.has('no-judge')),
          maxInputChars: MAX_CHARS,
          onText: json ? undefined : (d) => process.stdout.write(d),
          onJudging: json ? undefined : () => process.stderr.write('\n\njudging…'),
        },
      ),
    );
    const t = r.trace;
    if (json) {
      print(JSON.stringify({ ...explainFields(t, r, model), ...errorFields(r) }, null, 2));
    } else if (!r.error) {
      const verdict = r.judge ? `score ${fmtScore(r.judge.score)} (${r.judge.criteria.map((c) => `${c.name} ${fmtScore(c.score)}`).join(', ')})` : r.judgeError ? `judge failed: ${r.judgeError.message}` : 'not judged';
      process.stderr.write(`\n\n${verdict}\n${fmtInt(t.usage?.totalTokens)} tokens · ${fmtCost(t.costUsd)} · ${fmtMs(t.endTime === null ? null : t.endTime - t.startTime)} · ${traceLabel(t.id)}\n`);
    }
    return await finishRun(store, t.id, r.error, opik);
  } finally {
    await store.close();
  }
}
