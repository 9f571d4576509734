import type { CriterionScore, JudgeVerdict } from '../../shared/types';
import type { ModelContext } from '../pipelines/llmSpan';
import { jsonWithRepair } from '../pipelines/modelCalls';
import type { PromptTemplate } from '../prompts/prompt';
import { renderPrompt } from '../prompts/prompt';
import type { SpanHandle, TraceHandle } from '../tracing/tracer';

/**
 * JSON Schema for the judge's structured output: an object keyed by criterion, every criterion required.
 *
 * Why keyed and not a list of `{name, score, reason}`: constrained decoding guarantees the schema and
 * nothing more, and a list of exactly n items with a name enum admits the same name n times, which no
 * parser can use. Keys make "every criterion exactly once" part of the schema, so every answer the schema
 * admits is one `parseVerdict` accepts (test/unit/structuredOutputs.test.ts checks this with degenerate answers).
 */
export function verdictSchema(criteria: readonly string[]): Record<string, unknown> {
  const criterion = {
    type: 'object',
    properties: { score: { type: 'number', minimum: 0, maximum: 1 }, reason: { type: 'string' } },
    required: ['score', 'reason'],
    propertyOrdering: ['score', 'reason'],
  };
  return {
    type: 'object',
    properties: {
      criteria: {
        type: 'object',
        properties: Object.fromEntries(criteria.map((c) => [c, criterion])),
        required: [...criteria],
        propertyOrdering: [...criteria],
      },
      score: { type: 'number', minimum: 0, maximum: 1 },
      reason: { type: 'string' },
    },
    required: ['criteria', 'score', 'reason'],
    propertyOrdering: ['criteria', 'score', 'reason'],
  };
}

const clamp01 = (n: number) => Math.min(1, Math.max(0, n));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Checks the judge's JSON (`{criteria: {<name>: {score, reason}}, score, reason}`); returns null when it is
 * not a usable verdict. Accepts every answer `verdictSchema` admits; extra keys are ignored.
 */
export function parseVerdict(json: unknown, criteria: readonly string[]): JudgeVerdict | null {
  if (!isObject(json) || !finite(json.score) || !isObject(json.criteria)) return null;
  const given = json.criteria;
  const out: CriterionScore[] = [];
  for (const name of criteria) {
    const c = given[name];
    if (!isObject(c) || !finite(c.score)) return null;
    out.push({ name, score: clamp01(c.score), reason: typeof c.reason === 'string' ? c.reason : '' });
  }
  return { score: clamp01(json.score), reason: typeof json.reason === 'string' ? json.reason : '', criteria: out };
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
