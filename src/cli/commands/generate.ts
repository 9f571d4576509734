import { CodiError } from '../../core/errors';
import { runPipeline } from '../../core/run/registry';
import { checkFlags, intFlag, languageOf, parseArgs, UsageError } from '../args';
import { applyMaxRetryWait, cliConfig, cliContext, errorFields, explainFields, openStore, print, readFileSlice, traceNotes, withInterrupt } from '../common';
import { fmtCost, fmtInt, fmtMs, fmtScore } from '../format';
import { opikRequested } from '../opik';
import { finishRun } from '../run';
import { traceLabel } from '../storeAccess';

export const GENERATE_USAGE = 'codi generate --prompt <text> [--file <context file>] [--line N] [--lang <id>] [--max-context-tokens N] [--json] [--model <id>] [--no-judge] [--opik] [--max-retry-wait <s>]';

export async function cmdGenerate(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['prompt', 'file', 'line', 'lang', 'model', 'max-context-tokens', 'max-retry-wait']);
  checkFlags(args, ['prompt', 'file', 'line', 'lang', 'json', 'model', 'no-judge', 'max-context-tokens', 'opik', 'max-retry-wait']);
  applyMaxRetryWait(args.flags.get('max-retry-wait'));
  const opik = opikRequested(args.flags.has('opik'));
  if (args.positionals.length) throw new UsageError(`unexpected argument ${args.positionals[0]} (pass the request with --prompt)`);
  const prompt = args.flags.get('prompt');
  if (typeof prompt !== 'string') throw new UsageError('generate needs --prompt <text>');
  const line = intFlag(args, 'line', 1, 10_000_000);
  const maxContextTokens = intFlag(args, 'max-context-tokens', 1, 10_000_000);
  const fileFlag = args.flags.get('file');
  if (line !== undefined && typeof fileFlag !== 'string') throw new UsageError('--line needs --file');
  const slice = typeof fileFlag === 'string' ? await readFileSlice(fileFlag) : null;
  if (slice && slice.start !== 1) throw new CodiError('bad-input', 'Give the context file without a line range; use --line for the cursor.');
  const langFlag = args.flags.get('lang');
  const language = typeof langFlag === 'string' ? langFlag : slice ? languageOf(slice.abs) : 'plaintext';
  const json = args.flags.has('json');
  const model = args.flags.get('model');
  const config = cliConfig({ ...(typeof model === 'string' ? { model } : {}), ...(args.flags.has('no-judge') ? { judgeEnabled: false } : {}), maxContextTokens });
  const store = await openStore('run');
  try {
    const r = await withInterrupt((signal) =>
      runPipeline('generate', { prompt, language, ...(slice ? { file: slice.file, fileText: slice.text, ...(line !== undefined ? { cursorLine: line } : {}) } : {}) }, config, cliContext(store, signal, config, {
        onText: json ? undefined : (d) => process.stdout.write(d),
        onJudging: json ? undefined : () => process.stderr.write('\n\njudging…'),
      })),
    );
    const t = r.trace;
    const g = r.generated;
    if (json) {
      print(JSON.stringify({ ...explainFields(t, r, config.model), code: g?.code ?? null, language: g?.language ?? language, parses: g?.parses ?? null, ...errorFields(r) }, null, 2));
    } else if (!r.error) {
      const checks = (g?.checks ?? []).map((c) => `${c.name} ${c.passed === null ? 'not checked' : c.passed ? 'ok' : 'FAILED'}${c.passed === false ? ` (${c.detail})` : ''}`).join(', ');
      const verdict = r.judge ? `score ${fmtScore(r.judge.score)} (${r.judge.criteria.map((c) => `${c.name} ${fmtScore(c.score)}`).join(', ')})` : r.judgeError ? `judge failed: ${r.judgeError.message}` : 'not judged';
      const warn = traceNotes(t) || (r.warning ? `warning: ${r.warning}\n` : '');
      process.stderr.write(`\n\n${warn}checks: ${checks}\n${verdict}\n${fmtInt(t.usage?.totalTokens)} tokens · ${fmtCost(t.costUsd)} · ${fmtMs(t.endTime === null ? null : t.endTime - t.startTime)} · ${traceLabel(t.id)}\n`);
    }
    return await finishRun(store, t.id, r.error, opik);
  } finally {
    await store.close();
  }
}
