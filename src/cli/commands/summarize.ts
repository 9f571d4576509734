import { DEFAULT_RUN_CONFIG } from '../../core/run/config';
import { runPipeline } from '../../core/run/registry';
import type { CodStep } from '../../shared/types';
import { checkFlags, intFlag, parseArgs, UsageError } from '../args';
import { applyMaxRetryWait, cliConfig, cliContext, errorFields, EXIT, explainFields, openStore, print, readFileSlice, traceNotes, withInterrupt } from '../common';
import { fmtCost, fmtInt, fmtMs, fmtScore } from '../format';
import { confirmFanOut, MIN_INPUT_TOKENS, planCalls } from '../fanOut';
import { opikRequested } from '../opik';
import { envInt } from '../runFlags';
import { codeInput, finishRun } from '../run';
import { CodiError } from '../../core/errors';
import { expandFileArgs } from '../glob';
import { summarizeBatch } from './batch';
import { traceLabel } from '../storeAccess';

export const SUMMARIZE_USAGE =
  'codi summarize <file>[:<startLine>-<endLine>] [more files or patterns…] [--steps N] [--mode single|iterative] [--words N] [--max-input-tokens N] [--json] [--model <id>] [--no-judge] [--opik] [--max-retry-wait <s>]';

/** One step for people: its metrics line, then the summary. */
function stepText(s: CodStep, recommended: number | null): string {
  const mark = s.index === recommended ? '  ← recommended' : '';
  return `Step ${s.index} · ${s.words} words · ${s.tokens} tokens · density ${s.entityDensity.toFixed(3)} · score ${fmtScore(s.score)}${mark}\n  + ${s.entitiesAdded.join('; ') || '—'}\n${s.summary}\n`;
}

export async function cmdSummarize(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['model', 'steps', 'mode', 'words', 'max-input-tokens', 'max-retry-wait']);
  checkFlags(args, ['json', 'model', 'no-judge', 'steps', 'mode', 'words', 'max-input-tokens', 'opik', 'max-retry-wait']);
  applyMaxRetryWait(args.flags.get('max-retry-wait'));
  const opik = opikRequested(args.flags.has('opik'));
  if (args.positionals.length === 0) throw new UsageError('summarize needs a <file>[:<start>-<end>] (or several files / patterns)');
  const modeFlag = args.flags.get('mode') ?? DEFAULT_RUN_CONFIG.summarize.mode;
  if (modeFlag !== 'single' && modeFlag !== 'iterative') throw new UsageError('--mode must be single or iterative');
  const model = args.flags.get('model');
  const config = cliConfig({
    ...(typeof model === 'string' ? { model } : {}),
    ...(args.flags.has('no-judge') ? { judgeEnabled: false } : {}),
    maxInputTokens: intFlag(args, 'max-input-tokens', MIN_INPUT_TOKENS, 100_000_000) ?? envInt('CODI_MAX_INPUT_TOKENS', MIN_INPUT_TOKENS, 100_000_000),
    summarize: { mode: modeFlag, steps: intFlag(args, 'steps', 1, 8), words: intFlag(args, 'words', 10, 500) },
  });
  const steps = config.summarize.steps;
  const json = args.flags.has('json');
  const files = await expandFileArgs(args.positionals);
  if (files.length === 0) throw new CodiError('bad-input', `No file matches ${args.positionals.join(' ')}.`);
  if (files.length > 1 || files[0] !== args.positionals[0]) return summarizeBatch(files, config, json);
  const slice = await readFileSlice(args.positionals[0]!);
  const plan = planCalls(slice.code, config.maxInputTokens, config.model, steps, config.summarize.mode, config.judgeEnabled);
  if (!(await confirmFanOut(slice.file, plan, config.maxInputTokens))) {
    process.stderr.write('codi: not started; nothing was sent.\n');
    return EXIT.cancelled;
  }
  const store = await openStore('run');
  try {
    const r = await withInterrupt((signal) =>
      runPipeline('summarize', codeInput(slice), config, cliContext(store, signal, config, {
        onChunk: json ? undefined : (done, total) => process.stderr.write(done === 0 ? `long input: summarizing ${total} parts…\n` : `  part ${done}/${total} done\n`),
        onStep: json ? undefined : (s) => process.stderr.write(`step ${s.index}/${steps}: ${s.words} words, ${s.tokens} tokens, density ${s.entityDensity.toFixed(3)}\n`),
        onJudging: json ? undefined : () => process.stderr.write('judging…\n'),
      })),
    );
    const t = r.trace;
    const data = r.summary;
    if (json) {
      print(
        JSON.stringify(
          {
            ...explainFields(t, r, config.model),
            steps: data.steps.map((s) => ({ index: s.index, summary: s.summary, entitiesAdded: s.entitiesAdded, words: s.words, tokens: s.tokens, entityDensity: s.entityDensity, score: s.score })),
            recommendedStep: data.recommendedStep,
            ...errorFields(r),
          },
          null,
          2,
        ),
      );
    } else {
      if (data.steps.length) print(data.steps.map((s) => stepText(s, data.recommendedStep)).join('\n'));
      if (!r.error) {
        const pick = data.recommendedStep !== null ? `recommended step ${data.recommendedStep} (highest judged)` : r.judgeError ? `judge failed: ${r.judgeError.message}` : 'not judged';
        const chunks = data.chunks > 1 ? ` · ${data.chunks} parts` : '';
        process.stderr.write(`\n${traceNotes(t)}${pick}\n${data.mode} mode · ${data.steps.length} steps${chunks} · ${fmtInt(t.usage?.totalTokens)} tokens · ${fmtCost(t.costUsd)} · ${fmtMs(t.endTime === null ? null : t.endTime - t.startTime)} · ${traceLabel(t.id)}\n`);
      }
    }
    return await finishRun(store, t.id, r.error, opik);
  } finally {
    await store.close();
  }
}
