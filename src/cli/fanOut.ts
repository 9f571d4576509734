/**
 * A long input is summarized in parts, each a paid call (plus token counts). Before such a fan-out the
 * CLI says how many calls it plans, refuses absurd ones, and asks when there are many (`--yes` answers
 * for scripts; without a terminal to ask on, the run is refused with that advice).
 */
import { createInterface } from 'node:readline/promises';
import { CodiError } from '../core/errors';
import { modelInputLimit } from '../core/pipelines/summarize';
import { assumeYes } from './runFlags';

/** --max-input-tokens below this makes parts too small to summarize (and thousands of calls). */
export const MIN_INPUT_TOKENS = 1_000;
/** More parts than this are refused: raise --max-input-tokens or give a line range. */
export const MAX_PARTS = 64;
/** Above this many parts the CLI asks first. */
export const ASK_ABOVE_PARTS = 8;

/** Roughly how many parts and model calls summarizing `code` takes (≈ 4 characters a token). */
export function planCalls(code: string, maxInputTokens: number, model: string, steps: number, mode: 'single' | 'iterative', judge: boolean): { parts: number; calls: number } {
  const limit = Math.min(maxInputTokens, modelInputLimit(model));
  const tokens = Math.ceil(code.length / 4);
  const parts = tokens <= limit ? 1 : Math.ceil(tokens / limit);
  const cod = mode === 'single' ? 1 : steps;
  // Per part: its summary and about one token count while splitting; then the whole input's count, CoD and the judge.
  const calls = parts === 1 ? cod + (judge ? 1 : 0) : 2 * parts + 1 + cod + (judge ? 1 : 0);
  return { parts, calls };
}

/** Returns false when the user declined; throws bad-input for a fan-out that is refused outright. */
export async function confirmFanOut(file: string, plan: { parts: number; calls: number }, maxInputTokens: number): Promise<boolean> {
  if (plan.parts <= 1) return true;
  const what = `${file} would be summarized in about ${plan.parts} parts: about ${plan.calls} paid model calls`;
  if (plan.parts > MAX_PARTS) {
    throw new CodiError('bad-input', `${what}; the limit is ${MAX_PARTS} parts. Raise --max-input-tokens (now ${maxInputTokens.toLocaleString('en-US')}) or give a line range.`);
  }
  if (plan.parts <= ASK_ABOVE_PARTS || assumeYes()) {
    process.stderr.write(`codi: ${what}.\n`);
    return true;
  }
  if (!process.stdin.isTTY) throw new CodiError('bad-input', `${what}. Add --yes to go ahead without this question (or raise --max-input-tokens).`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`codi: ${what}. Go ahead? [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
