/** Long inputs for Chain of Density: summarize part by part, then hand the part summaries to CoD. */
import { CodiError } from '../errors';
import type { RenderedPrompt } from '../prompts/prompt';
import type { SpanHandle } from '../tracing/tracer';
import { mapLimit, splitIntoChunks, tokenUpperBound } from './chunking';
import { fenced } from './cod';
import { fenceTag } from './codeChecks';
import type { ModelContext } from './llmSpan';
import { streamSpan } from './llmSpan';
import { blockedError, countTokensSpan } from './modelCalls';

export interface ChunkedSource {
  /** What CoD summarizes instead of the code: the part summaries, each headed with its lines. */
  source: string;
  chunks: number;
}

export interface ChunkRequest {
  code: string;
  language: string;
  file: string;
  startLine: number;
  /** Token limit per chunk. */
  limit: number;
  /** Measured tokens of the whole input (sizes the chunks). */
  inputTokens: number;
  /** CoD target length; part summaries get room for more. */
  words: number;
  prompt: (vars: Record<string, string>) => RenderedPrompt;
  /** Chunk summaries in flight at once. */
  concurrency?: number;
}

/** Words per part summary: enough to carry the part's entities, small enough that all parts fit the limit. */
export function chunkSummaryWords(words: number, chunks: number, limit: number): number {
  const fits = Math.floor((limit * 0.5) / Math.max(1, chunks) / 1.5);
  return Math.max(40, Math.min(400, Math.max(words * 2, 120), fits));
}

/**
 * Splits the code into chunks of at most `limit` tokens (on line boundaries), summarizes each in a span
 * `chunk i` (an LLM call `gemini.chunk`), and returns the part summaries as the source for CoD. Spans:
 * chunks → (chunk.countTokens tool spans while splitting) → chunk i → gemini.chunk.
 */
export function summarizeInChunks(ctx: ModelContext & { model: string; onChunk?: (done: number, total: number) => void }, parent: SpanHandle, req: ChunkRequest): Promise<ChunkedSource> {
  return parent.span('chunks', 'general', { limit: req.limit, inputTokens: req.inputTokens }, async (span) => {
    const chunks = await splitIntoChunks(req.code, req.startLine, req.limit, req.inputTokens, async (text) => (await countTokensSpan(ctx, span, 'chunk.countTokens', ctx.model, text, 'bound')).tokens);
    const words = chunkSummaryWords(req.words, chunks.length, req.limit);
    span.attr({ chunks: chunks.length, wordsPerChunk: words });
    let done = 0;
    ctx.onChunk?.(0, chunks.length);
    const summaries = await mapLimit(chunks, req.concurrency ?? 3, (c, i) =>
      span.span(`chunk ${i + 1}`, 'general', { part: i + 1, of: chunks.length, startLine: c.startLine, endLine: c.endLine, tokens: c.tokens, tokensExact: c.exact }, async (cs) => {
        const lines = `${c.startLine}-${c.endLine}`;
        const prompt = req.prompt({ part: `${i + 1} of ${chunks.length}`, file: req.file, language: req.language || 'text', lines, code: fenced(c.text, fenceTag(req.language)), words: String(words) });
        const r = await streamSpan(ctx, cs, 'gemini.chunk', ctx.model, prompt);
        const blocked = blockedError(r);
        if (blocked) throw blocked;
        const text = r.text.trim();
        if (!text) throw new CodiError('model-output', `Gemini returned an empty summary for lines ${lines} (finish reason ${r.finishReason ?? 'unknown'}).`);
        cs.set({ output: text });
        ctx.onChunk?.(++done, chunks.length);
        return `### Part ${i + 1} of ${chunks.length} (lines ${lines})\n${text}`;
      }),
    );
    const source = [`Summaries of the ${chunks.length} consecutive parts of the code (it is too long to show whole):`, '', ...summaries.flatMap((s) => [s, ''])].join('\n').trim();
    span.set({ output: source });
    span.attr({ sourceTokensBound: tokenUpperBound(source) });
    return { source, chunks: chunks.length };
  });
}
