/** What every `codi` command shares: exit codes, the store, the Gemini client from the environment, Ctrl+C. */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { CodiError } from '../core/errors';
import type { GeminiClient } from '../core/gemini/client';
import { createGeminiClient } from '../core/gemini/client';
import { SHIPPED_PRICES } from '../core/gemini/pricing';
import type { TraceStore } from '../core/store/traceStore';
import { Tracer } from '../core/tracing/tracer';
import type { ErrorInfo, ErrorKind, JudgeVerdict, TraceRecord } from '../shared/types';
import { SUMMARIZE_DEFAULTS } from '../core/pipelines/summarize';
import { parseFileRange } from './args';
import { readTextFile } from './input';
import { envInt, timeoutSeconds } from './runFlags';
import { guardedSink, openCliStore, unsavedTrace } from './storeAccess';

declare const CODI_VERSION: string | undefined;
export const VERSION = typeof CODI_VERSION === 'string' ? CODI_VERSION : 'dev';

export const EXIT = { ok: 0, usage: 2, key: 3, model: 4, store: 5, cancelled: 130, outputClosed: 141 } as const;

export function exitCodeFor(kind: ErrorKind): number {
  switch (kind) {
    case 'bad-input':
      return EXIT.usage;
    case 'no-key':
    case 'auth':
      return EXIT.key;
    case 'cancelled':
      return EXIT.cancelled;
    default:
      return EXIT.model;
  }
}

export function storeDir(): string {
  return process.env.CODI_HOME || join(homedir(), '.codi');
}

function wasmPath(): string {
  // The bundle ships sql-wasm.wasm beside itself; from sources, use the package's copy.
  const bundled = join(__dirname, 'sql-wasm.wasm');
  return existsSync(bundled) ? bundled : join(__dirname, '../../node_modules/sql.js/dist/sql-wasm.wasm');
}

/** Opens the store (faults become StoreFault, exit 5); `'run'`: a model command, which first proves the store can take its trace. */
export const openStore = (purpose?: 'run') => openCliStore(storeDir(), wasmPath(), purpose === 'run');
export const print = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);

/** The model settings every model command reads: `--model`, else CODI_MODEL; the judge: CODI_JUDGE_MODEL, else the model. */
export function modelsFromEnv(flag: string | true | undefined): { model: string; judgeModel: string } {
  const model = String(typeof flag === 'string' ? flag : (process.env.CODI_MODEL ?? 'gemini-2.5-flash'));
  return { model, judgeModel: process.env.CODI_JUDGE_MODEL || model };
}

/** A Gemini client factory from the environment (the key is checked when the pipeline first calls it). */
export function geminiFromEnv(): () => GeminiClient {
  const apiKey = process.env.GOOGLE_API_KEY || process.env.GEMINI_API_KEY || '';
  const baseUrl = process.env.GOOGLE_GEMINI_BASE_URL || undefined;
  const attempts = envInt('CODI_MAX_ATTEMPTS', 1, 10);
  const limitMs = timeoutSeconds() * 1000;
  return () =>
    createGeminiClient({
      apiKey,
      baseUrl,
      // One limit for a whole call: each attempt gets what is left of it (client.ts).
      timeoutMs: limitMs,
      deadlineMs: limitMs,
      ...(attempts !== undefined ? { retry: { maxAttempts: attempts } } : {}),
      ...(process.env.CODI_FALLBACK_MODEL ? { fallbackModel: process.env.CODI_FALLBACK_MODEL } : {}),
      // Retries and fallbacks are worth a line on stderr (stdout stays the answer or the JSON).
      logger: { info: () => undefined, warn: (m) => process.stderr.write(`codi: ${m}\n`) },
    });
}

/** The options every pipeline takes from the CLI: tracer on the store, Gemini from the environment, models, judge. */
export function pipelineBase(store: TraceStore, signal: AbortSignal, models: { model: string; judgeModel: string }, noJudge: boolean) {
  return {
    // A trace that cannot be saved must not cost the answer: see storeAccess.ts.
    tracer: new Tracer(guardedSink(store)),
    gemini: geminiFromEnv(),
    prices: SHIPPED_PRICES,
    signal,
    model: models.model,
    judgeModel: models.judgeModel,
    judgeEnabled: !noJudge,
    clientVersion: `codi-cli/${VERSION}`,
  };
}

export { withInterrupt } from './interrupt';

export interface FileSlice {
  abs: string;
  /** Relative to the working directory (as traces show it). */
  file: string;
  text: string;
  code: string;
  start: number;
  end: number;
}

/**
 * Reads `<file>[:<start>-<end>]` (input.ts: regular files only, size limit before reading, strict
 * decoding, binary check); a missing file, a line past the end or a slice above `maxChars` is bad input
 * (exit 2), refused before anything is sent or recorded.
 */
export async function readFileSlice(spec: string, maxChars = SUMMARIZE_DEFAULTS.maxInputChars): Promise<FileSlice> {
  const range = parseFileRange(spec);
  const abs = resolve(range.path);
  const text = await readTextFile(abs, range.path);
  const lines = text.split(/\r?\n/);
  const start = range.start ?? 1;
  const end = Math.min(range.end ?? lines.length, lines.length);
  if (start > lines.length) throw new CodiError('bad-input', `${range.path} has ${lines.length} lines; line ${start} does not exist.`);
  const code = lines.slice(start - 1, end).join('\n');
  if (code.length > maxChars) throw new CodiError('bad-input', `${spec} has ${code.length.toLocaleString('en-US')} characters; the limit is ${maxChars.toLocaleString('en-US')}. Give a line range (${range.path}:<start>-<end>).`);
  return { abs, file: relative(process.cwd(), abs) || abs, text, code, start, end };
}

/** The fields `codi explain --json` prints; summarize and generate print them too, plus their own. */
export function explainFields(
  t: TraceRecord,
  r: { output: string; judge: JudgeVerdict | null; judgeError: ErrorInfo | null; error: CodiError | null },
  model: string,
): Record<string, unknown> {
  return {
    traceId: t.id,
    output: r.output,
    model,
    score: r.judge?.score ?? null,
    judge: r.judge,
    usage: t.usage ?? { promptTokens: 0, outputTokens: 0, thinkingTokens: 0, totalTokens: 0 },
    costUsd: t.costUsd,
    latencyMs: t.endTime === null ? null : t.endTime - t.startTime,
  };
}

/** `error` / `judgeError` / `traceNotSaved` keys, present only when set (as in explain's JSON). */
export function errorFields(r: { judgeError: ErrorInfo | null; error: CodiError | null; trace?: { id: string } }): Record<string, unknown> {
  const unsaved = r.trace ? unsavedTrace(r.trace.id) : null;
  return { ...(r.error ? { error: r.error.toInfo() } : {}), ...(r.judgeError ? { judgeError: r.judgeError } : {}), ...(unsaved ? { traceNotSaved: unsaved.message } : {}) };
}

