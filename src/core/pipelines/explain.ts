import type { ErrorInfo, JudgeVerdict, TraceRecord } from '../../shared/types';
import type { CodiError } from '../errors';
import { toCodiError } from '../errors';
import { judge } from '../judge/judge';
import { renderPrompt } from '../prompts/prompt';
import type { PromptOverrides } from '../prompts/registry';
import { getPrompt } from '../prompts/registry';
import { EXPLAIN_CRITERIA, EXPLAIN_PROMPT } from '../prompts/templates';
import type { Tracer } from '../tracing/tracer';
import { redactForModel, redactionMetadata } from '../redact/input';
import { checkTextInput } from './input';
import type { ModelContext } from './llmSpan';
import { streamAnswer } from './modelCalls';

export interface ExplainInput {
  code: string;
  /** Language id (VS Code's, or guessed from the file extension in the CLI). */
  language: string;
  /** Path relative to the workspace (or as given to the CLI). */
  file: string;
  startLine: number;
  endLine: number;
}

export interface ExplainOptions extends ModelContext {
  tracer: Tracer;
  model: string;
  judgeModel: string;
  judgeEnabled: boolean;
  maxInputChars: number;
  /** `codi.prompts.overrides`, as returned by `validateOverrides(...).overrides`. */
  promptOverrides?: PromptOverrides | null;
  /** Recorded in trace metadata. */
  clientVersion?: string;
  threadId?: string | null;
  onStart?: (traceId: string) => void;
  onText?: (delta: string) => void;
  onJudging?: () => void;
}

export interface ExplainResult {
  trace: TraceRecord;
  output: string;
  judge: JudgeVerdict | null;
  /** Set when the judge failed; the explanation itself may still be fine. */
  judgeError: ErrorInfo | null;
  /** Set when the run failed; the trace is recorded with it. */
  error: CodiError | null;
}

/**
 * Explains a piece of code: one streamed LLM call, then a judge call, all in one trace that is saved
 * whatever happens (success, failure or cancellation). Never throws for model or input failures: they
 * come back in `error` so the caller can explain them.
 */
export async function explain(raw: ExplainInput, opts: ExplainOptions): Promise<ExplainResult> {
  const { texts, redaction } = redactForModel({ code: raw.code }, opts.redact);
  const input = { ...raw, code: texts.code };
  const lines = `${input.startLine}-${input.endLine}`;
  const vars = { language: input.language || 'text', file: input.file, lines, code: input.code };
  const trace = opts.tracer.startTrace({
    name: `Explain ${input.file}:${lines}`,
    type: 'explain',
    input: { file: input.file, language: input.language, startLine: input.startLine, endLine: input.endLine, code: input.code },
    metadata: {
      model: opts.model,
      judgeModel: opts.judgeEnabled ? opts.judgeModel : null,
      prompt: EXPLAIN_PROMPT.name,
      language: input.language,
      file: input.file,
      clientVersion: opts.clientVersion ?? null,
      ...redactionMetadata(redaction),
    },
    threadId: opts.threadId ?? null,
  });
  opts.onStart?.(trace.id);
  let output = '';
  let verdict: JudgeVerdict | null = null;
  let judgeError: ErrorInfo | null = null;
  try {
    await trace.span('explain', 'general', { file: input.file, lines }, async (root) => {
      checkTextInput(input.code, opts.maxInputChars);
      const prompt = renderPrompt(getPrompt('explain', opts.promptOverrides), vars);
      trace.setMetadata({ promptVersion: prompt.version });
      const r = await streamAnswer(opts, root, opts.model, prompt, (d) => {
        output += d;
        opts.onText?.(d);
      });
      output = r.text;
      // A cut-off answer is kept but flagged so the UI shows the warning.
      if (r.truncated) trace.setMetadata({ truncated: true, warning: r.truncated });
      root.set({ output });
      if (!opts.judgeEnabled) return;
      opts.onJudging?.();
      try {
        verdict = await judge(opts, trace, root, { template: getPrompt('judge.explain', opts.promptOverrides), vars: { ...vars, output }, criteria: EXPLAIN_CRITERIA, model: opts.judgeModel });
      } catch (err) {
        const e = toCodiError(err);
        if (e.kind === 'cancelled') throw e;
        judgeError = e.toInfo();
      }
    });
    await trace.end({ output });
    return { trace: trace.record, output, judge: verdict, judgeError, error: null };
  } catch (err) {
    const e = toCodiError(err);
    await trace.end({ output: output || null, error: e.toInfo() });
    return { trace: trace.record, output, judge: verdict, judgeError, error: e };
  }
}
