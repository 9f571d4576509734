/** What every `codi` command shares: exit codes, the store, the Gemini client from the environment, Ctrl+C. */
import { existsSync, promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { CodiError } from '../core/errors';
import type { GeminiClient } from '../core/gemini/client';
import { createGeminiClient } from '../core/gemini/client';
import { SHIPPED_PRICES } from '../core/gemini/pricing';
import { TraceStore } from '../core/store/traceStore';
import { Tracer } from '../core/tracing/tracer';
import type { ErrorInfo, ErrorKind, JudgeVerdict, TraceRecord } from '../shared/types';
import type { BudgetGuard } from '../core/budget';
import { createBudgetGuard, spentTodayIn } from '../core/budget';
import { parseFileRange, UsageError } from './args';

declare const CODI_VERSION: string | undefined;
export const VERSION = typeof CODI_VERSION === 'string' ? CODI_VERSION : 'dev';

export const EXIT = { ok: 0, usage: 2, key: 3, model: 4, budget: 5, cancelled: 130 } as const;

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

/** The model settings every model command reads: `--model`, else CODI_MODEL; the judge: CODI_JUDGE_MODEL, else the model. */
export function modelsFromEnv(flag: string | true | undefined): { model: string; judgeModel: string } {
  const model = String(typeof flag === 'string' ? flag : (process.env.CODI_MODEL ?? 'gemini-2.5-flash'));
  return { model, judgeModel: process.env.CODI_JUDGE_MODEL || model };
}

/** A Gemini client factory from the environment (the key is checked when the pipeline first calls it). */
export function geminiFromEnv(): () => GeminiClient {
  const apiKey = process.env.GOOGLE_API_KEY || process.env.GEMINI_API_KEY || '';
  const baseUrl = process.env.GOOGLE_GEMINI_BASE_URL || undefined;
  const attempts = Number(process.env.CODI_MAX_ATTEMPTS);
  return () =>
    createGeminiClient({
      apiKey,
      baseUrl,
      timeoutMs: 120_000,
      ...(Number.isInteger(attempts) && attempts >= 1 && attempts <= 10 ? { retry: { maxAttempts: attempts } } : {}),
      ...(process.env.CODI_FALLBACK_MODEL ? { fallbackModel: process.env.CODI_FALLBACK_MODEL } : {}),
      // Retries and fallbacks are worth a line on stderr (stdout stays the answer or the JSON).
      logger: { info: () => undefined, warn: (m) => process.stderr.write(`codi: ${m}\n`) },
    });
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

/** The options every pipeline takes from the CLI: tracer on the store, Gemini from the environment, models, judge. */
export function pipelineBase(store: TraceStore, signal: AbortSignal, models: { model: string; judgeModel: string }, noJudge: boolean) {
  return {
    tracer: new Tracer(store),
    gemini: geminiFromEnv(),
    prices: SHIPPED_PRICES,
    budget: budgetFromEnv(store),
    signal,
    model: models.model,
    judgeModel: models.judgeModel,
    judgeEnabled: !noJudge,
    clientVersion: `codi-cli/${VERSION}`,
  };
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

/** `error` / `judgeError` keys, present only when set (as in explain's JSON). */
export function errorFields(r: { judgeError: ErrorInfo | null; error: CodiError | null }): Record<string, unknown> {
  return { ...(r.error ? { error: r.error.toInfo() } : {}), ...(r.judgeError ? { judgeError: r.judgeError } : {}) };
}

