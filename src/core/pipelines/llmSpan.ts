import type { SpanType } from '../../shared/types';
import type { GeminiClient, GenerationResult, JsonRequest } from '../gemini/client';
import { UnparsableJsonError } from '../gemini/client';
import { ModelCallError } from '../gemini/errors';
import { finishProblem } from '../gemini/finish';
import type { PriceTable } from '../gemini/pricing';
import { costOf } from '../gemini/pricing';
import type { RenderedPrompt } from '../prompts/prompt';
import type { RedactPolicy } from '../redact/input';
import type { SpanHandle, TraceHandle } from '../tracing/tracer';

/** Ports the pipelines need; the host and the CLI each provide them. */
export interface ModelContext {
  /** Builds the client; throws a `no-key` CodiError when no key is set (recorded on the trace). */
  gemini: () => GeminiClient;
  prices: PriceTable;
  signal?: AbortSignal;
  /** Secrets in the input are replaced before the model call (default: on, built-in rules). */
  redact?: RedactPolicy | null;
}

type Parent = TraceHandle | SpanHandle;

/**
 * Records a call's measurements on its span. `r.model` is the model that answered (the fallback when
 * one was used), so usage is priced from that model's row of the price table.
 */
function record(span: SpanHandle, r: GenerationResult, prices: PriceTable): void {
  span.set({ model: r.model, provider: 'google_ai', usage: r.usage, costUsd: costOf(r.model, r.usage, prices) });
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
function recordFailure(span: SpanHandle, err: unknown, prices: PriceTable): void {
  if (err instanceof UnparsableJsonError) {
    record(span, err.result, prices);
    span.set({ output: err.result.text });
  } else if (err instanceof ModelCallError && err.partial) {
    record(span, err.partial, prices);
    if (err.partial.text) span.set({ output: err.partial.text });
  }
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
      const r = await ctx.gemini().stream({ model, prompt: prompt.user, systemInstruction: prompt.system, signal: ctx.signal }, onText);
      record(span, r, ctx.prices);
      span.set({ output: r.text });
      return r;
    } catch (err) {
      recordFailure(span, err, ctx.prices);
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
      const r = await ctx.gemini().generateJson({ model, prompt: prompt.user, systemInstruction: prompt.system, schema, temperature: 0, signal: ctx.signal });
      record(span, r, ctx.prices);
      span.set({ output: r.json });
      return r;
    } catch (err) {
      recordFailure(span, err, ctx.prices);
      throw err;
    }
  });
}
