import type { JudgeVerdict } from '../../shared/types';
import type { ModelContext } from '../pipelines/llmSpan';
import { jsonWithRepair } from '../pipelines/modelCalls';
import type { PromptTemplate } from '../prompts/prompt';
import { renderPrompt } from '../prompts/prompt';
import type { SpanHandle, TraceHandle } from '../tracing/tracer';
import { parseVerdict, verdictSchema } from './judge';

/**
 * Grades several candidate outputs of one run (the Chain-of-Density steps) in ONE structured-output call.
 *
 * Why one call and not one per step: the judge reads the source once instead of k times (for a file of
 * T tokens, k·T prompt tokens become T), it is one round trip instead of k, and, since we pick the best
 * step from these scores, grading all steps side by side keeps them on one scale. The prompt asks for
 * absolute, position-independent grades to limit the usual list-position bias.
 */
export function stepVerdictSchema(criteria: readonly string[], steps: number): Record<string, unknown> {
  const one = verdictSchema(criteria) as { properties: Record<string, unknown> };
  return {
    type: 'object',
    properties: {
      steps: {
        type: 'array',
        minItems: steps,
        maxItems: steps,
        items: {
          type: 'object',
          properties: { step: { type: 'integer', minimum: 1, maximum: steps }, ...one.properties },
          required: ['step', 'criteria', 'score', 'reason'],
          propertyOrdering: ['step', 'criteria', 'score', 'reason'],
        },
      },
    },
    required: ['steps'],
  };
}

/**
 * Parses the judge's answer into one verdict per step, or null when unusable. Items are matched to steps
 * by their `step` numbers when those are exactly 1..n, else by position.
 */
export function parseStepVerdicts(json: unknown, criteria: readonly string[], steps: number): JudgeVerdict[] | null {
  const list = Array.isArray(json) ? json : typeof json === 'object' && json !== null ? (json as Record<string, unknown>).steps : undefined;
  if (!Array.isArray(list) || list.length !== steps) return null;
  const numbers = list.map((it) => (typeof it === 'object' && it !== null ? (it as Record<string, unknown>).step : undefined));
  const byNumber = numbers.every((n) => typeof n === 'number') && new Set(numbers).size === steps && numbers.every((n) => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= steps);
  const ordered = byNumber ? list.map((_, i) => list[numbers.indexOf(i + 1)]) : list;
  const out: JudgeVerdict[] = [];
  for (const item of ordered) {
    const v = parseVerdict(item, criteria);
    if (!v) return null;
    out.push(v);
  }
  return out;
}

export interface StepJudgeRequest {
  template: PromptTemplate;
  vars: Record<string, string>;
  criteria: readonly string[];
  model: string;
  steps: number;
}

/**
 * One judge span ("judge", type judge) with its call (and at most one repair) as LLM children. A malformed
 * answer gets one repair attempt; after that a `model-output` CodiError is thrown (recorded on the judge
 * span). Scores are NOT added here: the caller puts them on the step spans and the trace.
 */
export async function judgeSteps(ctx: ModelContext, parent: TraceHandle | SpanHandle, req: StepJudgeRequest): Promise<JudgeVerdict[]> {
  const schema = stepVerdictSchema(req.criteria, req.steps);
  const prompt = renderPrompt(req.template, req.vars);
  return parent.span('judge', 'judge', { model: req.model, criteria: req.criteria, steps: req.steps }, async (span) => {
    span.set({ model: req.model, provider: 'google_ai' });
    return jsonWithRepair(ctx, span, 'judge.call', req.model, prompt, schema, (json) => parseStepVerdicts(json, req.criteria, req.steps), 'The judge did not return a valid verdict for every step after one repair attempt.', {
      repairName: 'judge.repair',
      repairHint: `Your previous answer was not valid JSON for the schema (one item per summary, ${req.steps} in all). Answer again with JSON only.`,
      onDone: (v, attempt) => {
        span.set({ output: v });
        span.attr({ attempts: attempt });
      },
    });
  });
}
