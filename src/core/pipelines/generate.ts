import type { CodeCheck, ErrorInfo, GeneratedCode, JudgeVerdict, TraceRecord } from '../../shared/types';
import { CodiError, toCodiError } from '../errors';
import { judge } from '../judge/judge';
import { GENERATE_CRITERIA } from '../prompts/generate';
import { promptVersion, renderPrompt } from '../prompts/prompt';
import type { PromptOverrides } from '../prompts/registry';
import { getPrompt, isOverridden } from '../prompts/registry';
import type { SpanHandle, Tracer } from '../tracing/tracer';
import { fenced } from './cod';
import { checkParses, checkSingleBlock, extractCodeBlocks, fenceTag } from './codeChecks';
import type { ContextWindow } from './generateContext';
import { trimContext } from './generateContext';
import { redactForModel, redactionMetadata } from '../redact/input';
import type { ModelContext } from './llmSpan';
import { streamAnswer } from './modelCalls';
import { DEFAULT_RUN_CONFIG } from '../run/config';

export interface GenerateInput {
  /** What to write: the input box's text, or the comment at the cursor (see `commentAt`). */
  prompt: string;
  /** Language id of the file (VS Code's); default plaintext. */
  language?: string;
  /** Path relative to the workspace, for the prompt and the trace. */
  file?: string;
  /** The enclosing file's text; trimmed to `maxContextTokens` around the cursor. */
  fileText?: string;
  /** 1-based line the cursor is on; the code goes after it (default: the last line). */
  cursorLine?: number;
}

export interface GenerateOptions extends ModelContext {
  tracer: Tracer;
  model: string;
  judgeModel: string;
  judgeEnabled: boolean;
  /** Token budget for the surrounding file (default 8,000). */
  maxContextTokens?: number;
  /** Longest accepted prompt, in characters (default 20,000). */
  maxPromptChars?: number;
  /** `codi.prompts.overrides`, as returned by `validateOverrides(...).overrides`. */
  promptOverrides?: PromptOverrides | null;
  clientVersion?: string;
  threadId?: string | null;
  onStart?: (traceId: string) => void;
  onText?: (delta: string) => void;
  /** The extracted code and its deterministic checks, before the judge runs. */
  onChecks?: (generated: GeneratedCode) => void;
  onJudging?: () => void;
}

export interface GenerateResult {
  trace: TraceRecord;
  /** The extracted code with its checks; null when the model gave no answer. */
  generated: GeneratedCode | null;
  /** The model's whole answer (Markdown). */
  output: string;
  /** The part of the file that was sent, or null without a file. */
  context: ContextWindow | null;
  judge: JudgeVerdict | null;
  judgeError: ErrorInfo | null;
  /** Set when the answer was cut off (MAX_TOKENS): the code is incomplete; also in trace metadata. */
  warning: string | null;
  /** Set when the run failed; the trace is recorded with it. */
  error: CodiError | null;
}

export const GENERATE_DEFAULTS = { maxContextTokens: DEFAULT_RUN_CONFIG.maxContextTokens, maxPromptChars: 20_000 };

function contextText(input: GenerateInput, w: ContextWindow | null, fence: string): string {
  if (!w) return '(No surrounding file: write self-contained code.)';
  const shown = w.trimmed ? ` (lines ${w.startLine}-${w.endLine} of ${w.totalLines} shown)` : '';
  return [
    `File \`${input.file || 'untitled'}\`${shown}. The code goes after line ${w.cursorLine}.`,
    '',
    'Before the insertion point:',
    fenced(w.before, fence),
    '',
    'After the insertion point:',
    w.after.trim() ? fenced(w.after, fence) : '(end of file)',
  ].join('\n');
}

/** A check as a tool span with a 1/0 heuristic score on the trace (none when the check did not apply). */
function recordCheck(root: SpanHandle, addScore: (c: CodeCheck) => void, check: CodeCheck, input: unknown): Promise<CodeCheck> {
  return root.span(`check.${check.name}`, 'tool', input, async (span) => {
    span.set({ output: check });
    span.attr({ passed: check.passed });
    addScore(check);
    return check;
  });
}

/**
 * Generates code from a request with the surrounding file as context: one streamed LLM call, deterministic
 * checks (single code block; parses) as tool spans with heuristic scores, then the judge. One trace saved
 * whatever happens; never throws for model or input failures (they come back in `error`).
 */
export async function generate(raw: GenerateInput, opts: GenerateOptions): Promise<GenerateResult> {
  const { texts, redaction } = redactForModel({ prompt: raw.prompt, fileText: raw.fileText ?? '' }, opts.redact);
  const input: GenerateInput = { ...raw, prompt: texts.prompt, ...(raw.fileText === undefined ? {} : { fileText: texts.fileText }) };
  const language = input.language || 'plaintext';
  const fence = fenceTag(language);
  const request = input.prompt.trim();
  const short = request.length > 60 ? `${request.slice(0, 57)}…` : request;
  const trace = opts.tracer.startTrace({
    name: `Generate ${input.file ? `${input.file}: ` : ''}${short}`,
    type: 'generate',
    // The file text is kept so that the trace can be run again (replay, experiments).
    input: { prompt: input.prompt, file: input.file ?? null, language, cursorLine: input.cursorLine ?? null, ...(input.fileText !== undefined ? { fileText: input.fileText } : {}) },
    metadata: {
      model: opts.model,
      judgeModel: opts.judgeEnabled ? opts.judgeModel : null,
      prompt: 'generate',
      language,
      file: input.file ?? null,
      clientVersion: opts.clientVersion ?? null,
      ...redactionMetadata(redaction),
    },
    threadId: opts.threadId ?? null,
  });
  opts.onStart?.(trace.id);
  let output = '';
  let generated: GeneratedCode | null = null;
  let context: ContextWindow | null = null;
  let verdict: JudgeVerdict | null = null;
  let judgeError: ErrorInfo | null = null;
  let warning: string | null = null;
  const prompts: Record<string, string> = {};
  const overridden: string[] = [];
  try {
    await trace.span('generate', 'general', { request, file: input.file ?? null, language }, async (root) => {
      if (!request) throw new CodiError('bad-input', 'The request is empty. Describe the code to generate.');
      const maxChars = opts.maxPromptChars ?? GENERATE_DEFAULTS.maxPromptChars;
      if (request.length > maxChars) throw new CodiError('bad-input', `The request has ${request.length.toLocaleString('en-US')} characters; the limit is ${maxChars.toLocaleString('en-US')}.`);
      if (input.fileText !== undefined) {
        if (input.fileText.includes('\u0000')) throw new CodiError('bad-input', 'The file looks like binary data (it contains NUL bytes). CODI only sends text.');
        const budget = opts.maxContextTokens ?? GENERATE_DEFAULTS.maxContextTokens;
        context = await root.span('context', 'tool', { file: input.file ?? null, cursorLine: input.cursorLine ?? null, budget }, async (span) => {
          const w = await trimContext(opts, span, opts.model, input.fileText!, input.cursorLine, budget);
          span.set({ output: { startLine: w.startLine, endLine: w.endLine, cursorLine: w.cursorLine, totalLines: w.totalLines } });
          span.attr({ tokens: w.tokens, tokenSource: w.tokenSource, trimmed: w.trimmed, budget });
          return w;
        });
      }
      const ctxText = contextText(input, context, fence);
      const tpl = getPrompt('generate', opts.promptOverrides);
      const prompt = renderPrompt(tpl, { language, fence, request, context: ctxText });
      prompts[prompt.name] = prompt.version;
      if (isOverridden('generate', opts.promptOverrides)) overridden.push('generate');
      trace.setMetadata({ promptVersion: prompt.version });
      const r = await streamAnswer(opts, root, opts.model, prompt, (d) => {
        output += d;
        opts.onText?.(d);
      });
      output = r.text;

      const blocks = extractCodeBlocks(output);
      const code = blocks[0] ? blocks[0].code : output.trim();
      const codeLanguage = blocks[0]?.language ?? language;
      const addScore = (c: CodeCheck) => {
        if (c.passed !== null) trace.addScore({ name: c.name, value: c.passed ? 1 : 0, reason: c.detail, source: 'heuristic' });
      };
      const single = await recordCheck(root, addScore, checkSingleBlock(blocks), { blocks: blocks.length });
      const parses = await root.span('check.parses', 'tool', { language: codeLanguage, chars: code.length }, async (span) => {
        const c = await checkParses(code, codeLanguage);
        span.set({ output: c });
        span.attr({ passed: c.passed });
        addScore(c);
        return c;
      });
      generated = { code, language: codeLanguage, parses: parses.passed, checks: [parses, single] };
      root.set({ output: generated });
      opts.onChecks?.(generated);
      // A cut-off answer is kept (as explain does) but flagged: the unclosed block also fails single-code-block.
      if (r.truncated) {
        warning = r.truncated;
        trace.setMetadata({ truncated: true, warning });
      }
      if (!opts.judgeEnabled) return;
      opts.onJudging?.();
      const jt = getPrompt('judge.generate', opts.promptOverrides);
      if (isOverridden('judge.generate', opts.promptOverrides)) overridden.push('judge.generate');
      prompts[jt.name] = promptVersion(jt);
      try {
        verdict = await judge(opts, trace, root, { template: jt, vars: { request, language, context: ctxText, output }, criteria: GENERATE_CRITERIA, model: opts.judgeModel });
      } catch (err) {
        const e = toCodiError(err);
        if (e.kind === 'cancelled') throw e;
        judgeError = e.toInfo();
      }
    });
    trace.setMetadata({ prompts, ...(overridden.length ? { promptOverrides: overridden } : {}) });
    await trace.end({ output });
    return { trace: trace.record, generated, output, context, judge: verdict, judgeError, warning, error: null };
  } catch (err) {
    const e = toCodiError(err);
    trace.setMetadata({ prompts, ...(overridden.length ? { promptOverrides: overridden } : {}) });
    await trace.end({ output: output || null, error: e.toInfo() });
    return { trace: trace.record, generated, output, context, judge: verdict, judgeError, warning, error: e };
  }
}
