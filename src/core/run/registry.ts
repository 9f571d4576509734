/**
 * What a run is, in one place: `pipelines[kind] = {run, inputFromTrace}` over one `RunConfig`. The VS Code
 * commands, the CLI, experiments, replay and batch all call `runPipeline`; none maps settings to pipeline
 * options by hand. Every pipeline records the same trace envelope (the tracer adds `pipeline`, `prompts`,
 * `model` = the model that answered and `requestedModel`) and reports a judge failure the same way
 * (`judgeError`, the run itself still succeeding).
 */
import type { CodiError } from '../errors';
import type { ExplainInput, ExplainResult } from '../pipelines/explain';
import { explain } from '../pipelines/explain';
import type { GenerateInput, GenerateResult } from '../pipelines/generate';
import { generate } from '../pipelines/generate';
import type { ModelContext } from '../pipelines/llmSpan';
import type { SummarizeInput, SummarizeResult } from '../pipelines/summarize';
import { summarize } from '../pipelines/summarize';
import type { Tracer } from '../tracing/tracer';
import type { CodStep, ErrorInfo, GeneratedCode, JudgeVerdict, TraceRecord } from '../../shared/types';
import type { RunConfig } from './config';

export type PipelineKind = 'explain' | 'summarize' | 'generate';
export const PIPELINE_KINDS: readonly PipelineKind[] = ['explain', 'summarize', 'generate'];

export interface PipelineInputs {
  explain: ExplainInput;
  summarize: SummarizeInput;
  generate: GenerateInput;
}
export interface PipelineResults {
  explain: ExplainResult;
  summarize: SummarizeResult;
  generate: GenerateResult;
}

/** What every pipeline's result has (the rest is the pipeline's own). */
export interface RunOutcome {
  trace: TraceRecord;
  output: string;
  judge: JudgeVerdict | null;
  judgeError: ErrorInfo | null;
  error: CodiError | null;
}

/** Live updates for a front end; each pipeline calls those that apply to it. */
export interface RunHooks {
  onStart?: (traceId: string) => void;
  onText?: (delta: string) => void;
  onJudging?: () => void;
  /** Summarize: a Chain-of-Density step was measured. */
  onStep?: (step: CodStep) => void;
  /** Summarize: long input, `done` of `total` chunks summarized. */
  onChunk?: (done: number, total: number) => void;
  /** Generate: the code was checked (before the judge). */
  onChecks?: (generated: GeneratedCode) => void;
}

/** The ports of one run: the model, the tracer (with any experiment/replay tags), cancellation, hooks. */
export interface RunContext extends ModelContext {
  tracer: Tracer;
  clientVersion?: string;
  threadId?: string | null;
  hooks?: RunHooks;
}

export interface Pipeline<K extends PipelineKind> {
  run(input: PipelineInputs[K], config: RunConfig, ctx: RunContext): Promise<PipelineResults[K]>;
  /** The input a trace of this pipeline was run on, to run it again; null when the trace lacks it. */
  inputFromTrace(trace: TraceRecord): PipelineInputs[K] | null;
}

/** Everything of the run context a pipeline takes (model, tracer, cancellation, redaction, budget…), hooks aside. */
const ctxFields = ({ hooks: _hooks, ...rest }: RunContext) => {
  void _hooks;
  return rest;
};
const modelFields = (c: RunConfig) => ({ model: c.model, judgeModel: c.judgeModel, judgeEnabled: c.judgeEnabled, promptOverrides: c.promptOverrides });

const obj = (v: unknown): Record<string, unknown> | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);

/** Explain and summarize traces keep `{file, language, startLine, endLine, code}` as their input. */
function codeInputOf(trace: TraceRecord): ExplainInput | null {
  const i = obj(trace.input);
  const code = str(i?.code);
  if (!i || code === undefined) return null;
  const lines = code.split('\n').length;
  return { code, language: str(i.language) ?? 'plaintext', file: str(i.file) ?? 'untitled', startLine: int(i.startLine) ?? 1, endLine: int(i.endLine) ?? lines };
}

export const pipelines: { [K in PipelineKind]: Pipeline<K> } = {
  explain: {
    run: (input, c, ctx) =>
      explain(input, { ...ctxFields(ctx), ...modelFields(c), maxInputChars: c.maxInputChars, onStart: ctx.hooks?.onStart, onText: ctx.hooks?.onText, onJudging: ctx.hooks?.onJudging }),
    inputFromTrace: (t) => (t.type === 'explain' ? codeInputOf(t) : null),
  },
  summarize: {
    run: (input, c, ctx) =>
      summarize(input, {
        // No maxInputChars: long files are summarized chunk by chunk (the pipeline's own, larger bound applies).
        ...ctxFields(ctx), ...modelFields(c), maxInputTokens: c.maxInputTokens,
        mode: c.summarize.mode, steps: c.summarize.steps, words: c.summarize.words,
        onStart: ctx.hooks?.onStart, onChunk: ctx.hooks?.onChunk, onStep: ctx.hooks?.onStep, onJudging: ctx.hooks?.onJudging,
      }),
    inputFromTrace: (t) => (t.type === 'summarize' ? codeInputOf(t) : null),
  },
  generate: {
    run: (input, c, ctx) =>
      generate(input, {
        ...ctxFields(ctx), ...modelFields(c), maxContextTokens: c.maxContextTokens,
        onStart: ctx.hooks?.onStart, onText: ctx.hooks?.onText, onChecks: ctx.hooks?.onChecks, onJudging: ctx.hooks?.onJudging,
      }),
    inputFromTrace: (t) => {
      const i = obj(t.input);
      const prompt = str(i?.prompt);
      if (t.type !== 'generate' || !i || prompt === undefined) return null;
      const fileText = str(i.fileText);
      return {
        prompt,
        ...(str(i.language) ? { language: str(i.language)! } : {}),
        ...(str(i.file) ? { file: str(i.file)! } : {}),
        ...(fileText !== undefined ? { fileText } : {}),
        ...(int(i.cursorLine) !== undefined ? { cursorLine: int(i.cursorLine)! } : {}),
      };
    },
  },
};

/** Runs one pipeline; never throws for model or input failures (they come back in `error`). */
export function runPipeline<K extends PipelineKind>(kind: K, input: PipelineInputs[K], config: RunConfig, ctx: RunContext): Promise<PipelineResults[K]> {
  return (pipelines[kind] as Pipeline<K>).run(input, config, ctx);
}

export function isPipelineKind(v: unknown): v is PipelineKind {
  return typeof v === 'string' && (PIPELINE_KINDS as readonly string[]).includes(v);
}
