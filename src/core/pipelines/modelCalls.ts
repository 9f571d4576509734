/** Small building blocks shared by the pipelines and the judges. */
import type { JsonRequest } from '../gemini/client';
import { UnparsableJsonError } from '../gemini/client';
import { CodiError, isCancellation } from '../errors';
import { finishProblem } from '../gemini/finish';
import type { RenderedPrompt } from '../prompts/prompt';
import type { SpanHandle, TraceHandle } from '../tracing/tracer';
import type { ModelContext } from './llmSpan';
import { jsonSpan, streamSpan } from './llmSpan';

/** The model layer's verdict on how a call ended, as an error when the answer was withheld (SAFETY, a blocked prompt…). */
export function blockedError(r: { finishReason: string | null; blockReason?: string | null }): CodiError | null {
  const problem = finishProblem(r.finishReason, r.blockReason);
  return problem?.kind === 'blocked' ? new CodiError('blocked', problem.message) : null;
}

type Parent = TraceHandle | SpanHandle;

/**
 * A structured-output call with one repair attempt: `name`, then `name.repair` when the answer is not JSON
 * or `parse` rejects it (a MAX_TOKENS cut-off usually is). A withheld answer (SAFETY…) is not repaired. After the repair, a `model-output`
 * CodiError with `failure` as its message.
 */
/**
 * A structured-output call with one repair attempt: a malformed or unusable answer (per `parse`) is asked
 * for again once; then the call fails with a `model-output` error, never a crash. A withheld answer
 * (SAFETY, blocked prompt) fails at once. `name` names the first call's span; the repair is `<name>.repair`
 * unless `opts.repairName` says otherwise.
 */
export async function jsonWithRepair<T>(
  ctx: ModelContext,
  parent: Parent,
  name: string,
  model: string,
  prompt: RenderedPrompt,
  schema: JsonRequest['schema'],
  parse: (json: unknown) => T | null,
  failure: string,
  opts: { repairName?: string; repairHint?: string; onDone?: (value: T, attempt: number) => void } = {},
): Promise<T> {
  for (let attempt = 1; attempt <= 2; attempt++) {
    const hint = opts.repairHint ?? 'Your previous answer was not valid JSON for the schema. Answer again with JSON only.';
    const p = attempt === 1 ? prompt : { ...prompt, user: `${prompt.user}\n\n${hint}` };
    let blocked: CodiError | null = null;
    try {
      const r = await jsonSpan(ctx, parent, attempt === 1 ? name : (opts.repairName ?? `${name}.repair`), 'llm', model, p, schema);
      blocked = blockedError(r);
      const v = blocked ? null : parse(r.json);
      if (v !== null) {
        opts.onDone?.(v, attempt);
        return v;
      }
    } catch (err) {
      if (isCancellation(err) || !(err instanceof CodiError) || err.kind !== 'model-output') throw err;
      if (err instanceof UnparsableJsonError) blocked = blockedError(err.result);
    }
    if (blocked) throw blocked;
  }
  throw new CodiError('model-output', failure);
}

export interface TokenCount {
  tokens: number;
  /** 'countTokens' (exact, from the API) or the fallback used when counting failed. */
  source: 'countTokens' | 'estimate' | 'bound';
}

/**
 * Counts a text's tokens with the API (`models/{model}:countTokens`) as a tool span. When counting fails
 * for a reason other than cancellation or the key, `fallback` is used and the span says why, so a count
 * never loses an answer the model already gave.
 */
export function countTokensSpan(ctx: ModelContext, parent: Parent, name: string, model: string, text: string, fallback: 'estimate' | 'bound'): Promise<TokenCount> {
  return parent.span(name, 'tool', { model, chars: text.length }, async (span) => {
    try {
      const tokens = await ctx.gemini().countTokens({ model, text, signal: ctx.signal, onRetry: ctx.onRetry });
      span.set({ output: tokens });
      span.attr({ tokens, tokenSource: 'countTokens' });
      return { tokens, source: 'countTokens' as const };
    } catch (err) {
      if (isCancellation(err) || (err instanceof CodiError && (err.kind === 'no-key' || err.kind === 'auth' || err.kind === 'cancelled'))) throw err;
      const tokens = fallback === 'bound' ? new TextEncoder().encode(text).length : Math.max(text ? 1 : 0, Math.ceil(text.length / 4));
      span.set({ output: tokens });
      span.attr({ tokens, tokenSource: fallback, countError: err instanceof Error ? err.message : String(err) });
      return { tokens, source: fallback };
    }
  });
}

/**
 * Streams the answer to a text prompt as the span `gemini.generate`. A withheld (SAFETY, blocked prompt) or
 * empty answer is a `model-output` error; a cut-off answer (MAX_TOKENS) is returned with `truncated` set,
 * since it is often still useful.
 */
export async function streamAnswer(
  ctx: ModelContext,
  parent: Parent,
  model: string,
  prompt: RenderedPrompt,
  onText: (delta: string) => void,
): Promise<{ text: string; truncated: string | null }> {
  const r = await streamSpan(ctx, parent, 'gemini.generate', model, prompt, onText);
  const problem = finishProblem(r.finishReason, r.blockReason);
  if (problem?.kind === 'blocked') throw new CodiError('blocked', problem.message);
  if (!r.text.trim()) throw new CodiError('model-output', `Gemini returned an empty answer (finish reason ${r.finishReason ?? 'unknown'}).`);
  return { text: r.text, truncated: problem ? problem.message : null };
}
