import { runPipeline } from '../../core/run/registry';
import { checkFlags, parseArgs, UsageError } from '../args';
import { applyMaxRetryWait, cliConfig, cliContext, errorFields, explainFields, openStore, print, readFileSlice, traceNotes, withInterrupt } from '../common';
import { fmtCost, fmtInt, fmtMs, fmtScore } from '../format';
import { opikRequested } from '../opik';
import { codeInput, finishRun } from '../run';
import { traceLabel } from '../storeAccess';

export const EXPLAIN_USAGE = 'codi explain <file>[:<startLine>-<endLine>] [--json] [--model <id>] [--no-judge] [--opik] [--max-retry-wait <s>]';

const MAX_CHARS = 200_000;

export async function cmdExplain(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['model', 'max-retry-wait']);
  checkFlags(args, ['json', 'model', 'no-judge', 'opik', 'max-retry-wait']);
  applyMaxRetryWait(args.flags.get('max-retry-wait'));
  const opik = opikRequested(args.flags.has('opik'));
  if (args.positionals.length !== 1) throw new UsageError('explain needs exactly one <file>[:<start>-<end>]');
  const slice = await readFileSlice(args.positionals[0]!, MAX_CHARS);
  const json = args.flags.has('json');
  const model = args.flags.get('model');
  const config = cliConfig({ ...(typeof model === 'string' ? { model } : {}), ...(args.flags.has('no-judge') ? { judgeEnabled: false } : {}), maxInputChars: MAX_CHARS });
  const store = await openStore('run');
  try {
    const r = await withInterrupt((signal) =>
      runPipeline('explain', codeInput(slice), config, cliContext(store, signal, config, {
        onText: json ? undefined : (d) => process.stdout.write(d),
        onJudging: json ? undefined : () => process.stderr.write('\n\njudging…'),
      })),
    );
    const t = r.trace;
    if (json) {
      print(JSON.stringify({ ...explainFields(t, r, config.model), ...errorFields(r) }, null, 2));
    } else if (!r.error) {
      const verdict = r.judge ? `score ${fmtScore(r.judge.score)} (${r.judge.criteria.map((c) => `${c.name} ${fmtScore(c.score)}`).join(', ')})` : r.judgeError ? `judge failed: ${r.judgeError.message}` : 'not judged';
      process.stderr.write(`\n\n${traceNotes(t)}${verdict}\n${fmtInt(t.usage?.totalTokens)} tokens · ${fmtCost(t.costUsd)} · ${fmtMs(t.endTime === null ? null : t.endTime - t.startTime)} · ${traceLabel(t.id)}\n`);
    }
    return await finishRun(store, t.id, r.error, opik);
  } finally {
    await store.close();
  }
}
