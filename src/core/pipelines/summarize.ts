import type { CodStep, ErrorInfo, JudgeVerdict, SummaryData, TraceRecord } from '../../shared/types';
import { CodiError, toCodiError } from '../errors';
import { DEFAULT_RUN_CONFIG } from '../run/config';
import { judgeSteps } from '../judge/stepJudge';
import { renderPrompt } from '../prompts/prompt';
import type { PromptName, PromptOverrides } from '../prompts/registry';
import { getPrompt, isOverridden } from '../prompts/registry';
import { promptVersion } from '../prompts/prompt';
import { SUMMARY_CRITERIA } from '../prompts/summarize';
import type { SpanHandle, TraceHandle, Tracer } from '../tracing/tracer';
import { tokenUpperBound } from './chunking';
import type { CodDraft } from './cod';
import { accumulateEntities, codSchema, codStepSchema, fenced, measureDensity, parseCodStep, parseCodSteps, recommendStep } from './cod';
import { fenceTag } from './codeChecks';
import { redactForModel, redactionMetadata } from '../redact/input';
import { checkTextInput } from './input';
import type { ModelContext } from './llmSpan';
import { countTokensSpan, jsonWithRepair } from './modelCalls';
import { summarizeInChunks } from './summarizeChunks';

export type SummarizeMode = 'single' | 'iterative';

export interface SummarizeInput {
  code: string;
  /** Language id (VS Code's, or guessed from the file extension in the CLI). */
  language: string;
  /** Path relative to the workspace (or as given to the CLI). */
  file: string;
  startLine: number;
  endLine: number;
}

export interface SummarizeOptions extends ModelContext {
  tracer: Tracer;
  model: string;
  judgeModel: string;
  judgeEnabled: boolean;
  /** `codi.summarize.mode`: one structured call for all steps (default) or one call per step. */
  mode?: SummarizeMode;
  /** `codi.summarize.steps`, 1–8 (default 5). */
  steps?: number;
  /** `codi.summarize.words`, target length of every step, 10–500 (default 80). */
  words?: number;
  /** `codi.maxInputTokens` (default 100,000): above it (or the model's own limit) the input is summarized in chunks. */
  maxInputTokens?: number;
  /** Hard cap on the input size in characters (default 4,000,000); larger inputs are refused, not chunked. */
  maxInputChars?: number;
  /** `codi.prompts.overrides`, as returned by `validateOverrides(...).overrides`. */
  promptOverrides?: PromptOverrides | null;
  /** Recorded in trace metadata. */
  clientVersion?: string;
  threadId?: string | null;
  onStart?: (traceId: string) => void;
  /** Long inputs: `done` of `total` chunk summaries finished (first called with done = 0). */
  onChunk?: (done: number, total: number) => void;
  /** Each step once measured (in order; score is null until judged). */
  onStep?: (step: CodStep) => void;
  onJudging?: () => void;
}

export interface SummarizeResult {
  trace: TraceRecord;
  /** Steps (as many as finished, on error), recommended step and chunk count. */
  summary: SummaryData;
  /** The recommended step's summary, or the last step's when unjudged. */
  output: string;
  /** The recommended step's verdict (null when unjudged). */
  judge: JudgeVerdict | null;
  /** One verdict per step, in order (null when unjudged). */
  stepVerdicts: JudgeVerdict[] | null;
  /** Set when the judge failed; the summary itself may still be fine. */
  judgeError: ErrorInfo | null;
  /** Set when the run failed; the trace is recorded with it. */
  error: CodiError | null;
}

export const SUMMARIZE_DEFAULTS = { ...DEFAULT_RUN_CONFIG.summarize, maxInputTokens: DEFAULT_RUN_CONFIG.maxInputTokens, maxInputChars: 4_000_000 } as {
  mode: SummarizeMode; steps: number; words: number; maxInputTokens: number; maxInputChars: number;
};

/** The model's own input limit in tokens (Gemini 1.5 Pro: 2M; the others CODI targets: 1M). */
export function modelInputLimit(model: string): number {
  return /gemini-1\.5-pro/.test(model) ? 2_097_152 : 1_048_576;
}

function checkInt(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new CodiError('bad-input', `${name} must be a whole number from ${min} to ${max} (got ${v}).`);
  return v;
}

interface Run {
  ctx: ModelContext;
  opts: SummarizeOptions;
  input: SummarizeInput;
  steps: number;
  words: number;
  used: Map<string, string>;
  prompt(name: PromptName, vars: Record<string, string>): ReturnType<typeof renderPrompt>;
}

/**
 * Chain-of-Density summary of code (Adams et al. 2023), judged per step, in one trace saved whatever
 * happens. Span tree: summarize → [input.countTokens] → [chunks → chunk i → gemini.chunk] → cod →
 * (single: gemini.cod, then step 1..k; iterative: step i → gemini.cod.step) with a countTokens tool span
 * per step → judge → judge.call. Never throws for model or input failures: they come back in `error`.
 */
export async function summarize(raw: SummarizeInput, opts: SummarizeOptions): Promise<SummarizeResult> {
  const { texts, redaction } = redactForModel({ code: raw.code }, opts.redact);
  const input = { ...raw, code: texts.code };
  const mode = opts.mode ?? SUMMARIZE_DEFAULTS.mode;
  const lines = `${input.startLine}-${input.endLine}`;
  const trace = opts.tracer.startTrace({
    name: `Summarize ${input.file}:${lines}`,
    type: 'summarize',
    input: { file: input.file, language: input.language, startLine: input.startLine, endLine: input.endLine, code: input.code },
    metadata: {
      model: opts.model,
      judgeModel: opts.judgeEnabled ? opts.judgeModel : null,
      prompt: mode === 'single' ? 'summarize.cod' : 'summarize.cod.next',
      mode,
      steps: opts.steps ?? SUMMARIZE_DEFAULTS.steps,
      words: opts.words ?? SUMMARIZE_DEFAULTS.words,
      language: input.language,
      file: input.file,
      clientVersion: opts.clientVersion ?? null,
      ...redactionMetadata(redaction),
    },
    threadId: opts.threadId ?? null,
  });
  opts.onStart?.(trace.id);
  const data: SummaryData = { mode, steps: [], recommendedStep: null, chunks: 1 };
  const out = { verdicts: null as JudgeVerdict[] | null, judgeError: null as ErrorInfo | null };
  const used = new Map<string, string>();
  const lastWithText = () => data.steps.filter((s) => s.summary.trim()).at(-1)?.summary;
  const outputOf = () => (data.recommendedStep !== null ? data.steps[data.recommendedStep - 1]?.summary : lastWithText()) ?? '';
  try {
    await trace.span('summarize', 'general', { file: input.file, lines, mode }, async (root) => {
      const run: Run = {
        ctx: opts,
        opts,
        input,
        steps: checkInt('codi.summarize.steps', opts.steps ?? SUMMARIZE_DEFAULTS.steps, 1, 8),
        words: checkInt('codi.summarize.words', opts.words ?? SUMMARIZE_DEFAULTS.words, 10, 500),
        used,
        prompt(name, vars) {
          const tpl = getPrompt(name, opts.promptOverrides);
          const p = renderPrompt(tpl, vars);
          used.set(p.name, p.version);
          return p;
        },
      };
      const maxInputTokens = checkInt('codi.maxInputTokens', opts.maxInputTokens ?? SUMMARIZE_DEFAULTS.maxInputTokens, 1, 100_000_000);
      checkTextInput(input.code, opts.maxInputChars ?? SUMMARIZE_DEFAULTS.maxInputChars);
      const code = input.code.replace(/\r\n?/g, '\n');
      const limit = Math.min(maxInputTokens, modelInputLimit(opts.model));
      const mainPrompt = mode === 'single' ? 'summarize.cod' : 'summarize.cod.next';
      trace.setMetadata({ promptVersion: promptVersion(getPrompt(mainPrompt, opts.promptOverrides)), maxInputTokens: limit });

      // Measure first: the byte bound settles small inputs without a call.
      let source = fenced(code, fenceTag(input.language));
      const bound = tokenUpperBound(code);
      let inputTokens: number | null = null;
      if (bound > limit) inputTokens = (await countTokensSpan(opts, root, 'input.countTokens', opts.model, code, 'bound')).tokens;
      root.attr({ inputTokens, inputTokensBound: bound, maxInputTokens: limit });
      trace.setMetadata({ inputTokens });
      if (inputTokens !== null && inputTokens > limit) {
        const r = await summarizeInChunks(opts, root, {
          code, language: input.language, file: input.file, startLine: input.startLine, limit, inputTokens, words: run.words,
          prompt: (vars) => run.prompt('summarize.chunk', vars),
        });
        source = r.source;
        data.chunks = r.chunks;
        trace.setMetadata({ chunks: r.chunks });
      }

      await root.span('cod', 'general', { mode, steps: run.steps, words: run.words }, async (cod) => {
        const spans = mode === 'single' ? await singleMode(run, cod, source, data) : await iterativeMode(run, cod, source, data);
        if (!data.steps.some((s) => s.summary.trim())) {
          throw new CodiError('model-output', `Gemini returned ${data.steps.length === 1 ? 'an empty summary' : `${data.steps.length} empty summaries`}. Retry, or try another model.`);
        }
        if (!opts.judgeEnabled) return;
        opts.onJudging?.();
        await judgeAll(run, trace, root, source, data, spans, out);
      });
      root.set({ output: data });
    });
    trace.setMetadata({ prompts: Object.fromEntries(used), ...overridesMeta(opts.promptOverrides, used) });
    const output = outputOf();
    await trace.end({ output });
    return result(trace, data, output, out, null);
  } catch (err) {
    const e = toCodiError(err);
    trace.setMetadata({ prompts: Object.fromEntries(used), ...overridesMeta(opts.promptOverrides, used) });
    const output = outputOf();
    await trace.end({ output: output || null, error: e.toInfo() });
    return result(trace, data, output, out, e);
  }
}

function overridesMeta(overrides: PromptOverrides | null | undefined, used: Map<string, string>): Record<string, unknown> {
  const names = [...used.keys()].filter((n) => {
    try {
      return isOverridden(n as PromptName, overrides);
    } catch {
      return false;
    }
  });
  return names.length ? { promptOverrides: names } : {};
}

function result(trace: TraceHandle, data: SummaryData, output: string, out: { verdicts: JudgeVerdict[] | null; judgeError: ErrorInfo | null }, error: CodiError | null): SummarizeResult {
  const rec = data.recommendedStep;
  const judge = rec !== null && out.verdicts ? (out.verdicts[rec - 1] ?? null) : null;
  return { trace: trace.record, summary: data, output, judge, stepVerdicts: out.verdicts, judgeError: out.judgeError, error };
}

function sourceVars(run: Run, source: string): Record<string, string> {
  return { source, language: run.input.language || 'text', file: run.input.file, steps: String(run.steps), words: String(run.words) };
}

/**
 * One step span: `produce` gets the draft (from the single call's answer, or a call of its own inside
 * the span), then the summary's tokens are counted (a tool span) and its density measured by our code.
 */
async function stepSpan(run: Run, cod: SpanHandle, index: number, accumulated: (d: CodDraft) => string[], produce: (span: SpanHandle) => Promise<CodDraft>): Promise<{ step: CodStep; span: SpanHandle }> {
  return cod.span(`step ${index}`, 'general', { index }, async (span) => {
    const draft = await produce(span);
    const entities = accumulated(draft);
    const count = await countTokensSpan(run.ctx, span, 'countTokens', run.opts.model, draft.denserSummary, 'estimate');
    const m = measureDensity(draft.denserSummary, entities, count.tokens);
    const s: CodStep = { index, summary: draft.denserSummary, entitiesAdded: draft.missingEntities, words: m.words, tokens: m.tokens, entityDensity: m.entityDensity, score: null, reason: null };
    span.set({ output: draft.denserSummary });
    span.attr({
      codStep: index, words: m.words, tokens: m.tokens, tokenSource: count.source, entityDensity: m.entityDensity,
      entitiesAdded: draft.missingEntities, entities, entitiesPresent: m.present, entitiesMissing: m.missing,
    });
    return { step: s, span };
  });
}

async function singleMode(run: Run, cod: SpanHandle, source: string, data: SummaryData): Promise<SpanHandle[]> {
  const prompt = run.prompt('summarize.cod', sourceVars(run, source));
  let extra = 0;
  const drafts = await jsonWithRepair(run.ctx, cod, 'gemini.cod', run.opts.model, prompt, codSchema(run.steps), (json) => {
    const p = parseCodSteps(json, run.steps);
    if (p) extra = p.extra;
    return p?.drafts ?? null;
  }, `Gemini did not return ${run.steps} usable Chain-of-Density steps after one repair attempt.`);
  if (extra) cod.attr({ extraStepsDropped: extra });
  const acc = accumulateEntities(drafts);
  // Steps are measured in parallel (one countTokens call each); reported in order.
  const measured = await Promise.all(drafts.map((d, i) => stepSpan(run, cod, i + 1, () => acc[i]!, async () => d)));
  for (const m of measured) {
    data.steps.push(m.step);
    run.opts.onStep?.(m.step);
  }
  return measured.map((m) => m.span);
}

async function iterativeMode(run: Run, cod: SpanHandle, source: string, data: SummaryData): Promise<SpanHandle[]> {
  const spans: SpanHandle[] = [];
  const drafts: CodDraft[] = [];
  const base = sourceVars(run, source);
  for (let i = 1; i <= run.steps; i++) {
    if (run.ctx.signal?.aborted) throw new CodiError('cancelled', 'Cancelled.');
    const prev = drafts.at(-1);
    const m = await stepSpan(run, cod, i, (d) => accumulateEntities([...drafts, d]).at(-1)!, async (span) => {
      const prompt = prev
        ? run.prompt('summarize.cod.next', {
            ...base, step: String(i), previous: prev.denserSummary, previousWords: String(data.steps.at(-1)?.words ?? run.words),
            entities: accumulateEntities(drafts).at(-1)!.join('; '),
          })
        : run.prompt('summarize.cod.first', base);
      return jsonWithRepair(run.ctx, span, 'gemini.cod.step', run.opts.model, prompt, codStepSchema(), parseCodStep, `Gemini did not return a usable step ${i} after one repair attempt.`);
    });
    drafts.push({ missingEntities: m.step.entitiesAdded, denserSummary: m.step.summary });
    data.steps.push(m.step);
    spans.push(m.span);
    run.opts.onStep?.(m.step);
  }
  return spans;
}

async function judgeAll(
  run: Run,
  trace: TraceHandle,
  root: SpanHandle,
  source: string,
  data: SummaryData,
  spans: SpanHandle[],
  out: { verdicts: JudgeVerdict[] | null; judgeError: ErrorInfo | null },
): Promise<void> {
  const summaries = data.steps.map((s) => `### Step ${s.index} (${s.words} words)\n${s.summary}`).join('\n\n');
  const template = getPrompt('judge.summarize', run.opts.promptOverrides);
  run.used.set(template.name, promptVersion(template));
  let verdicts: JudgeVerdict[];
  try {
    verdicts = await judgeSteps(run.ctx, root, { template, vars: { ...sourceVars(run, source), summaries }, criteria: SUMMARY_CRITERIA, model: run.opts.judgeModel, steps: data.steps.length });
  } catch (err) {
    const e = toCodiError(err);
    if (e.kind === 'cancelled') throw e;
    out.judgeError = e.toInfo();
    return;
  }
  out.verdicts = verdicts;
  verdicts.forEach((v, i) => {
    const step = data.steps[i]!;
    step.score = v.score;
    step.reason = v.reason;
    const span = spans[i]!;
    span.addScore({ name: 'overall', value: v.score, reason: v.reason, source: 'judge' });
    for (const c of v.criteria) span.addScore({ name: c.name, value: c.score, reason: c.reason, source: 'judge' });
  });
  data.recommendedStep = recommendStep(verdicts.map((v) => v.score), data.steps.map((s) => s.summary));
  const k = data.recommendedStep;
  if (k === null) return;
  const best = verdicts[k - 1]!;
  trace.setMetadata({ recommendedStep: k });
  trace.addScore({ name: 'overall', value: best.score, reason: `Step ${k} (recommended): ${best.reason}`, source: 'judge' });
  for (const c of best.criteria) trace.addScore({ name: c.name, value: c.score, reason: `Step ${k}: ${c.reason}`, source: 'judge' });
}
