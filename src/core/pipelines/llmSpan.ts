import type { SpanType } from '../../shared/types';
import type { GeminiClient, GenerationResult, JsonRequest, RetryNotice } from '../gemini/client';
import { UnparsableJsonError } from '../gemini/client';
import { ModelCallError } from '../gemini/errors';
import { finishProblem } from '../gemini/finish';
import type { PriceTable } from '../gemini/pricing';
import { costOf } from '../gemini/pricing';
import type { RenderedPrompt } from '../prompts/prompt';
import type { RedactPolicy } from '../redact/input';
import type { BudgetGuard } from '../budget';
import type { SpanHandle, TraceHandle } from '../tracing/tracer';

/** Ports the pipelines need; the host and the CLI each provide them. */
export interface ModelContext {
  /** Builds the client; throws a `no-key` CodiError when no key is set (recorded on the trace). */
  gemini: () => GeminiClient;
  prices: PriceTable;
  signal?: AbortSignal;
  /** Told before each wait between attempts of any call of the run (the host shows it in the progress). */
  onRetry?: (notice: RetryNotice) => void;
  /** Secrets in the input are replaced before the model call (default: on, built-in rules). */
  redact?: RedactPolicy | null;
  /** The daily budget, checked before every model call (absent: no limit). */
  budget?: BudgetGuard | null;
}

type Parent = TraceHandle | SpanHandle;

/**
 * Records a call's measurements on its span. `r.model` is the model that answered (the fallback when
 * one was used), so usage is priced from that model's row of the price table.
 */
function record(span: SpanHandle, r: GenerationResult, prices: PriceTable, budget?: BudgetGuard | null): void {
  const costUsd = costOf(r.model, r.usage, prices);
  budget?.spent(costUsd);
  span.set({ model: r.model, provider: 'google_ai', usage: r.usage, costUsd });
  const problem = finishProblem(r.finishReason, r.blockReason);
  span.attr({
    finishReason: r.finishReason,
    ttftMs: r.ttftMs,
    chunks: r.chunks,
    latencyMs: r.latencyMs,
    modelVersion: r.modelVersion,
    attempts: r.attempts ?? 1,
    retryDelaysMs: r.retryDelaysMs ?? [],
    fallbackFrom: r.fallbackFrom ?? null,
    ...(r.blockReason ? { blockReason: r.blockReason } : {}),
    ...(problem ? { finishProblem: problem.kind, warning: problem.message } : {}),
  });
}

/** A failed call still records what it measured (attempts, delays, partial text, usage of a broken stream). */
function recordFailure(span: SpanHandle, err: unknown, prices: PriceTable, budget?: BudgetGuard | null): void {
  if (err instanceof UnparsableJsonError) {
    record(span, err.result, prices, budget);
    span.set({ output: err.result.text });
  } else if (err instanceof ModelCallError && err.partial) {
    record(span, err.partial, prices, budget);
    if (err.partial.text) span.set({ output: err.partial.text });
  }
}

/** The budget hook: one countTokens call and a check before the model call; the span records the figures. */
async function checkBudgetOn(ctx: ModelContext, span: SpanHandle, model: string, prompt: RenderedPrompt): Promise<void> {
  if (!ctx.budget) return;
  const text = `${prompt.system ?? ''}\n${prompt.user}`;
  const c = await ctx.budget.beforeCall({ model, text, count: (t) => ctx.gemini().countTokens({ model, text: t, signal: ctx.signal }) });
  if (c) span.attr({ budgetUsd: c.limitUsd, spentTodayUsd: c.spentUsd, estimateUsd: c.estimateUsd, budgetState: c.state });
}

function spanInput(prompt: RenderedPrompt, model: string) {
  return { model, prompt: prompt.name, promptVersion: prompt.version, system: prompt.system, user: prompt.user };
}

/** A streaming text call recorded as one LLM span (model, usage, cost, prompt version, ttft, chunks). */
export function streamSpan(
  ctx: ModelContext,
  parent: Parent,
  name: string,
  model: string,
  prompt: RenderedPrompt,
  onText?: (delta: string) => void,
): Promise<GenerationResult> {
  return parent.span(name, 'llm', spanInput(prompt, model), async (span) => {
    span.set({ model, provider: 'google_ai' });
    span.attr({ promptName: prompt.name, promptVersion: prompt.version });
    span.usePrompt(prompt);
    try {
      await checkBudgetOn(ctx, span, model, prompt);
      const r = await ctx.gemini().stream({ model, prompt: prompt.user, systemInstruction: prompt.system, signal: ctx.signal, onRetry: ctx.onRetry }, onText);
      record(span, r, ctx.prices, ctx.budget);
      span.set({ output: r.text });
      return r;
    } catch (err) {
      recordFailure(span, err, ctx.prices, ctx.budget);
      throw err;
    }
  });
}

/** A structured-output call recorded as one span; a malformed answer still records its usage and cost. */
export function jsonSpan(
  ctx: ModelContext,
  parent: Parent,
  name: string,
  type: SpanType,
  model: string,
  prompt: RenderedPrompt,
  schema: JsonRequest['schema'],
): Promise<GenerationResult & { json: unknown }> {
  return parent.span(name, type, spanInput(prompt, model), async (span) => {
    span.set({ model, provider: 'google_ai' });
    span.attr({ promptName: prompt.name, promptVersion: prompt.version });
    span.usePrompt(prompt);
    try {
      await checkBudgetOn(ctx, span, model, prompt);
      const r = await ctx.gemini().generateJson({ model, prompt: prompt.user, systemInstruction: prompt.system, schema, temperature: 0, signal: ctx.signal, onRetry: ctx.onRetry });
      record(span, r, ctx.prices, ctx.budget);
      span.set({ output: r.json });
      return r;
    } catch (err) {
      recordFailure(span, err, ctx.prices, ctx.budget);
      throw err;
    }
  });
}
