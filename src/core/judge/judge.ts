import type { CriterionScore, JudgeVerdict } from '../../shared/types';
import type { ModelContext } from '../pipelines/llmSpan';
import { jsonWithRepair } from '../pipelines/modelCalls';
import type { PromptTemplate } from '../prompts/prompt';
import { renderPrompt } from '../prompts/prompt';
import type { SpanHandle, TraceHandle } from '../tracing/tracer';

/** JSON Schema for the judge's structured output. */
export function verdictSchema(criteria: readonly string[]): Record<string, unknown> {
  return {
    type: 'object',
    properties: {
      criteria: {
        type: 'array',
        minItems: criteria.length,
        maxItems: criteria.length,
        items: {
          type: 'object',
          properties: {
            name: { type: 'string', enum: [...criteria] },
            score: { type: 'number', minimum: 0, maximum: 1 },
            reason: { type: 'string' },
          },
          required: ['name', 'score', 'reason'],
        },
      },
      score: { type: 'number', minimum: 0, maximum: 1 },
      reason: { type: 'string' },
    },
    required: ['criteria', 'score', 'reason'],
    propertyOrdering: ['criteria', 'score', 'reason'],
  };
}

const clamp01 = (n: number) => Math.min(1, Math.max(0, n));

/** Checks the judge's JSON; returns null when it is not a usable verdict. */
export function parseVerdict(json: unknown, criteria: readonly string[]): JudgeVerdict | null {
  if (typeof json !== 'object' || json === null) return null;
  const o = json as Record<string, unknown>;
  if (typeof o.score !== 'number' || !Number.isFinite(o.score) || !Array.isArray(o.criteria)) return null;
  const byName = new Map<string, CriterionScore>();
  for (const c of o.criteria as unknown[]) {
    if (typeof c !== 'object' || c === null) return null;
    const { name, score, reason } = c as Record<string, unknown>;
    if (typeof name !== 'string' || typeof score !== 'number' || !Number.isFinite(score)) return null;
    if (criteria.includes(name)) byName.set(name, { name, score: clamp01(score), reason: typeof reason === 'string' ? reason : '' });
  }
  if (criteria.some((c) => !byName.has(c))) return null;
  return { score: clamp01(o.score), reason: typeof o.reason === 'string' ? o.reason : '', criteria: criteria.map((c) => byName.get(c)!) };
}

export interface JudgeRequest {
  template: PromptTemplate;
  vars: Record<string, string>;
  criteria: readonly string[];
  model: string;
}

/**
 * Scores an output with a judge model (structured output). A malformed answer gets one repair attempt;
 * after that the judge fails with a `model-output` error on its span, never a crash. The verdict is
 * added to the trace as scores: "overall" plus one per criterion, source "judge".
 */
export async function judge(ctx: ModelContext, trace: TraceHandle, parent: TraceHandle | SpanHandle, req: JudgeRequest): Promise<JudgeVerdict> {
  const schema = verdictSchema(req.criteria);
  const prompt = renderPrompt(req.template, req.vars);
  const verdict = await parent.span('judge', 'judge', { model: req.model, criteria: req.criteria }, async (span) => {
    span.set({ model: req.model, provider: 'google_ai' });
    return jsonWithRepair(ctx, span, 'judge.call', req.model, prompt, schema, (json) => parseVerdict(json, req.criteria), 'The judge did not return a valid verdict after one repair attempt.', {
      repairName: 'judge.repair',
      onDone: (v, attempt) => {
        span.set({ output: v });
        span.attr({ attempts: attempt });
      },
    });
  });
  trace.addScore({ name: 'overall', value: verdict.score, reason: verdict.reason, source: 'judge' });
  for (const c of verdict.criteria) trace.addScore({ name: c.name, value: c.score, reason: c.reason, source: 'judge' });
  return verdict;
}
