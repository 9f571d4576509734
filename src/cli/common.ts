/** What every `codi` command shares: exit codes, the store, the Gemini client from the environment, Ctrl+C. */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { CodiError } from '../core/errors';
import type { GeminiClient } from '../core/gemini/client';
import { createGeminiClient } from '../core/gemini/client';
import type { RateGate } from '../core/gemini/gate';
import { SHIPPED_PRICES } from '../core/gemini/pricing';
import { resolveStoreDir } from '../core/store/location';
import type { TraceStore } from '../core/store/traceStore';
import type { TraceSink } from '../core/tracing/tracer';
import { Tracer } from '../core/tracing/tracer';
import type { RunConfig, RunConfigPatch } from '../core/run/config';
import { clientOptions, runConfig } from '../core/run/config';
import type { RunContext, RunHooks } from '../core/run/registry';
import type { ErrorInfo, ErrorKind, JudgeVerdict, TraceRecord } from '../shared/types';
import { SUMMARIZE_DEFAULTS } from '../core/pipelines/summarize';
import { parseFileRange, UsageError } from './args';
import { readTextFile } from './input';
import { envInt, timeoutSeconds } from './runFlags';
import { guardedSink, openCliStore, unsavedTrace } from './storeAccess';
import type { BudgetGuard } from '../core/budget';
import { createBudgetGuard, spentTodayIn } from '../core/budget';

declare const CODI_VERSION: string | undefined;
export const VERSION = typeof CODI_VERSION === 'string' ? CODI_VERSION : 'dev';

export const EXIT = { ok: 0, gate: 1, usage: 2, key: 3, model: 4, budget: 5, store: 6, cancelled: 130, outputClosed: 141 } as const;

export function exitCodeFor(kind: ErrorKind): number {
  switch (kind) {
    case 'bad-input':
      return EXIT.usage;
    case 'no-key':
    case 'auth':
      return EXIT.key;
    case 'cancelled':
      return EXIT.cancelled;
    case 'budget':
      return EXIT.budget;
    default:
      return EXIT.model;
  }
}

/** The store folder shared with the extension: CODI_HOME, else ~/.codi (the CLI reads no settings). */
export function storeDir(): string {
  return resolveStoreDir({ env: process.env, homedir: homedir() }).dir;
}

function wasmPath(): string {
  // The bundle ships sql-wasm.wasm beside itself; from sources, use the package's copy.
  const bundled = join(__dirname, 'sql-wasm.wasm');
  return existsSync(bundled) ? bundled : join(__dirname, '../../node_modules/sql.js/dist/sql-wasm.wasm');
}

/** Opens the store (faults become StoreFault, exit 6); `'run'`: a model command, which first proves the store can take its trace. */
export const openStore = (purpose?: 'run') => openCliStore(storeDir(), wasmPath(), purpose === 'run');
export const print = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
/** One line to stderr: notes beside a command's output (export state, moves, warnings). */
export const note = (line: string): void => void process.stderr.write(`${line}\n`);

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
 * the model —, CODI_MAX_ATTEMPTS, CODI_FALLBACK_MODEL, CODI_MAX_RETRY_WAIT, CODI_TIMEOUT_SECONDS), then the
 * command's flags (`patch`). The one place the CLI maps its options to a run.
 */
export function cliConfig(patch: RunConfigPatch = {}): RunConfig {
  const env = process.env;
  const attempts = envInt('CODI_MAX_ATTEMPTS', 1, 10);
  const c = runConfig(
    {
      ...(env.CODI_MODEL ? { model: env.CODI_MODEL } : {}),
      client: {
        maxAttempts: attempts,
        // --timeout / CODI_TIMEOUT_SECONDS: one deadline per call, across its retries.
        timeoutMs: timeoutSeconds() * 1000,
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
      // One limit for a whole call (--timeout): each attempt gets what is left of it (client.ts).
      deadlineMs: config.client.timeoutMs,
      ...(gate ? { gate } : {}),
      // Retries and fallbacks are worth a line on stderr (stdout stays the answer or the JSON).
      logger: { info: () => undefined, warn: (m) => process.stderr.write(`codi: ${m}\n`) },
    }));
}

/** The run context of a CLI command: tracer on the store, Gemini from the environment, cancellation, hooks. */
/** A tracer for the CLI: its traces record the working folder as their workspace (the Traces view's "this workspace"). */
export function cliTracer(sink: TraceSink): Tracer {
  return new Tracer(sink, undefined, undefined, { metadata: { workspace: process.cwd() } });
}

export function cliContext(store: TraceStore, signal: AbortSignal, config: RunConfig, hooks: RunHooks = {}, tracer?: Tracer): RunContext {
  // A trace that cannot be saved must not cost the answer: see storeAccess.ts.
  return { tracer: tracer ?? cliTracer(guardedSink(store)), gemini: geminiFromEnv(config), prices: SHIPPED_PRICES, budget: budgetFromEnv(store), signal, clientVersion: `codi-cli/${VERSION}`, hooks };
}

/**
 * The daily budget from CODI_DAILY_BUDGET_USD (or --max-cost, which main() puts there): a call that would take
 * today's spend over it is refused with a `budget` error (exit 5) that names the budget and today's spend.
 */
export function budgetFromEnv(store: TraceStore): BudgetGuard | null {
  const raw = process.env.CODI_DAILY_BUDGET_USD?.trim();
  if (!raw) return null;
  const limit = Number(raw);
  if (!Number.isFinite(limit) || limit < 0) throw new CodiError('bad-input', `CODI_DAILY_BUDGET_USD / --max-cost must be a number of USD (0: no limit), not "${raw}".`);
  return limit > 0 ? createBudgetGuard({ dailyUsd: limit, spentToday: async () => spentTodayIn(store) }, SHIPPED_PRICES) : null;
}

/** Takes `--max-cost <usd>` / `--max-cost=<usd>` out of a model command's arguments (into CODI_DAILY_BUDGET_USD). */
export function takeMaxCost(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = /^--max-cost=(.*)$/.exec(a);
    if (a !== '--max-cost' && !eq) {
      out.push(a);
      continue;
    }
    const v = eq ? eq[1]! : args[++i];
    if (v === undefined || !Number.isFinite(Number(v)) || Number(v) < 0 || v.trim() === '') throw new UsageError(`--max-cost must be a number of USD (0: no limit), not "${v ?? ''}"`);
    process.env.CODI_DAILY_BUDGET_USD = v;
  }
  return out;
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

/** `error` / `judgeError` / `traceNotSaved` keys, present only when set (as in explain's JSON). */
export function errorFields(r: { judgeError: ErrorInfo | null; error: CodiError | null; trace?: { id: string } }): Record<string, unknown> {
  const unsaved = r.trace ? unsavedTrace(r.trace.id) : null;
  return { ...(r.error ? { error: r.error.toInfo() } : {}), ...(r.judgeError ? { judgeError: r.judgeError } : {}), ...(unsaved ? { traceNotSaved: unsaved.message } : {}) };
}


/** Lines the text output adds after an answer: a cut-off warning, and the fallback model that answered. */
export function traceNotes(t: TraceRecord): string {
  const notes: string[] = [];
  if (typeof t.metadata.warning === 'string') notes.push(`warning: ${t.metadata.warning}`);
  const requested = t.metadata.requestedModel;
  if (typeof requested === 'string' && typeof t.metadata.model === 'string' && requested !== t.metadata.model) notes.push(`model: ${t.metadata.model} answered (fallback from ${requested})`);
  return notes.map((n) => `${n}\n`).join('');
}
