/** What every `codi` command shares: exit codes, the store, the Gemini client from the environment, Ctrl+C. */
import { existsSync, promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { CodiError } from '../core/errors';
import type { GeminiClient } from '../core/gemini/client';
import { createGeminiClient } from '../core/gemini/client';
import type { RateGate } from '../core/gemini/gate';
import { SHIPPED_PRICES } from '../core/gemini/pricing';
import { TraceStore } from '../core/store/traceStore';
import { Tracer } from '../core/tracing/tracer';
import type { RunConfig, RunConfigPatch } from '../core/run/config';
import { clientOptions, runConfig } from '../core/run/config';
import type { RunContext, RunHooks } from '../core/run/registry';
import type { ErrorInfo, ErrorKind, JudgeVerdict, TraceRecord } from '../shared/types';
import { parseFileRange } from './args';

declare const CODI_VERSION: string | undefined;
export const VERSION = typeof CODI_VERSION === 'string' ? CODI_VERSION : 'dev';

export const EXIT = { ok: 0, gate: 1, usage: 2, key: 3, model: 4, cancelled: 130 } as const;

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

export const openStore = () => TraceStore.open({ dir: storeDir(), wasmPath: wasmPath() });
export const print = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);

/** The longest server-requested wait (RetryInfo / Retry-After) the CLI sits through: CODI_MAX_RETRY_WAIT seconds, default 60. */
export function maxRetryWaitMs(): number | undefined {
  const raw = process.env.CODI_MAX_RETRY_WAIT?.trim();
  if (!raw) return undefined;
  if (!/^\d+(\.\d+)?$/.test(raw)) throw new CodiError('bad-input', `CODI_MAX_RETRY_WAIT must be a number of seconds, not "${raw}".`);
  return Math.round(Number(raw) * 1000);
}

/** Applies `--max-retry-wait <seconds>` (it wins over CODI_MAX_RETRY_WAIT). */
export function applyMaxRetryWait(flag: string | true | undefined): void {
  if (flag === undefined) return;
  if (typeof flag !== 'string' || !/^\d+(\.\d+)?$/.test(flag.trim())) throw new CodiError('bad-input', '--max-retry-wait needs a number of seconds, e.g. --max-retry-wait 60');
  process.env.CODI_MAX_RETRY_WAIT = flag.trim();
}

/**
 * The CLI's run configuration: the core's defaults, then the environment (CODI_MODEL, CODI_JUDGE_MODEL — else
 * the model —, CODI_MAX_ATTEMPTS, CODI_FALLBACK_MODEL, CODI_MAX_RETRY_WAIT, CODI_MAX_INPUT_TOKENS), then the
 * command's flags (`patch`). The one place the CLI maps its options to a run.
 */
export function cliConfig(patch: RunConfigPatch = {}): RunConfig {
  const env = process.env;
  const attempts = Number(env.CODI_MAX_ATTEMPTS);
  const maxInputTokens = Number(env.CODI_MAX_INPUT_TOKENS);
  const c = runConfig(
    {
      ...(env.CODI_MODEL ? { model: env.CODI_MODEL } : {}),
      ...(Number.isInteger(maxInputTokens) && maxInputTokens > 0 ? { maxInputTokens } : {}),
      client: {
        ...(Number.isInteger(attempts) && attempts >= 1 && attempts <= 10 ? { maxAttempts: attempts } : {}),
        ...(env.CODI_FALLBACK_MODEL ? { fallbackModel: env.CODI_FALLBACK_MODEL } : {}),
        maxRetryWaitMs: maxRetryWaitMs(),
      },
    },
    patch,
  );
  return patch.judgeModel ? c : { ...c, judgeModel: env.CODI_JUDGE_MODEL || c.model };
}

/** A Gemini client factory from the environment (the key is checked when the pipeline first calls it). */
export function geminiFromEnv(config: RunConfig = cliConfig(), gate?: RateGate): () => GeminiClient {
  const apiKey = process.env.GOOGLE_API_KEY || process.env.GEMINI_API_KEY || '';
  const baseUrl = process.env.GOOGLE_GEMINI_BASE_URL || undefined;
  let client: GeminiClient | null = null;
  return () =>
    (client ??= createGeminiClient({
      apiKey,
      baseUrl,
      // A server delay over --max-retry-wait is not waited out: the command fails at once and says when to retry.
      ...clientOptions(config),
      ...(gate ? { gate } : {}),
      // Retries and fallbacks are worth a line on stderr (stdout stays the answer or the JSON).
      logger: { info: () => undefined, warn: (m) => process.stderr.write(`codi: ${m}\n`) },
    }));
}

/** The run context of a CLI command: tracer on the store, Gemini from the environment, cancellation, hooks. */
export function cliContext(store: TraceStore, signal: AbortSignal, config: RunConfig, hooks: RunHooks = {}, tracer: Tracer = new Tracer(store)): RunContext {
  return { tracer, gemini: geminiFromEnv(config), prices: SHIPPED_PRICES, signal, clientVersion: `codi-cli/${VERSION}`, hooks };
}

/** Runs `fn` with a signal that SIGINT/SIGTERM abort (the pipeline then records a cancelled trace). */
export async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await fn(abort.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export interface FileSlice {
  abs: string;
  /** Relative to the working directory (as traces show it). */
  file: string;
  text: string;
  code: string;
  start: number;
  end: number;
}

/** Reads `<file>[:<start>-<end>]`; a missing file or a line past the end is bad input (exit 2). */
export async function readFileSlice(spec: string): Promise<FileSlice> {
  const range = parseFileRange(spec);
  const abs = resolve(range.path);
  const text = await fs.readFile(abs, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new CodiError('bad-input', `Cannot read ${range.path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  });
  const lines = text.split(/\r?\n/);
  const start = range.start ?? 1;
  const end = Math.min(range.end ?? lines.length, lines.length);
  if (start > lines.length) throw new CodiError('bad-input', `${range.path} has ${lines.length} lines; line ${start} does not exist.`);
  return { abs, file: relative(process.cwd(), abs) || abs, text, code: lines.slice(start - 1, end).join('\n'), start, end };
}

/** The fields `codi explain --json` prints; summarize and generate print them too, plus their own. */
export function explainFields(
  t: TraceRecord,
  r: { output: string; judge: JudgeVerdict | null; judgeError: ErrorInfo | null; error: CodiError | null },
  model: string,
): Record<string, unknown> {
  const answered = typeof t.metadata.model === 'string' ? t.metadata.model : model;
  const requested = typeof t.metadata.requestedModel === 'string' ? t.metadata.requestedModel : model;
  return {
    traceId: t.id,
    output: r.output,
    /** The model that answered; `requestedModel` is the one asked for (they differ after a fallback). */
    model: answered,
    requestedModel: requested,
    ...(typeof t.metadata.warning === 'string' ? { warning: t.metadata.warning } : {}),
    score: r.judge?.score ?? null,
    judge: r.judge,
    usage: t.usage ?? { promptTokens: 0, outputTokens: 0, thinkingTokens: 0, totalTokens: 0 },
    costUsd: t.costUsd,
    latencyMs: t.endTime === null ? null : t.endTime - t.startTime,
  };
}

/** `error` / `judgeError` keys, present only when set (as in explain's JSON). */
export function errorFields(r: { judgeError: ErrorInfo | null; error: CodiError | null }): Record<string, unknown> {
  return { ...(r.error ? { error: r.error.toInfo() } : {}), ...(r.judgeError ? { judgeError: r.judgeError } : {}) };
}


/** Lines the text output adds after an answer: a cut-off warning, and the fallback model that answered. */
export function traceNotes(t: TraceRecord): string {
  const notes: string[] = [];
  if (typeof t.metadata.warning === 'string') notes.push(`warning: ${t.metadata.warning}`);
  const requested = t.metadata.requestedModel;
  if (typeof requested === 'string' && typeof t.metadata.model === 'string' && requested !== t.metadata.model) notes.push(`model: ${t.metadata.model} answered (fallback from ${requested})`);
  return notes.map((n) => `${n}\n`).join('');
}
