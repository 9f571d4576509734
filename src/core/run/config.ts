/**
 * One run configuration for every front end (the VS Code settings adapter, the CLI, experiments, replay):
 * defaults defined here once, so no caller maps settings to pipeline options by hand.
 */
import type { GeminiClientOptions } from '../gemini/client';
import type { PromptOverrides } from '../prompts/registry';

export interface RunConfig {
  model: string;
  judgeModel: string;
  judgeEnabled: boolean;
  /** Largest input sent to the model, in characters. */
  maxInputChars: number;
  /** Summarize: above this (or the model's limit) the input is summarized chunk by chunk. */
  maxInputTokens: number;
  /** Generate: token budget for the surrounding file. */
  maxContextTokens: number;
  summarize: { steps: number; words: number; mode: 'single' | 'iterative' };
  /** Validated `codi.prompts.overrides` (or `--prompt NAME=FILE`). */
  promptOverrides: PromptOverrides | null;
  /** How model calls are made (the front end builds its client from these). */
  client: {
    timeoutMs: number;
    maxAttempts: number;
    /** Longest server-requested wait (RetryInfo / Retry-After) that is waited out. */
    maxRetryWaitMs: number;
    /** '' for none. */
    fallbackModel: string;
  };
}

export const DEFAULT_RUN_CONFIG: RunConfig = Object.freeze({
  model: 'gemini-2.5-flash',
  judgeModel: 'gemini-2.5-flash',
  judgeEnabled: true,
  maxInputChars: 200_000,
  maxInputTokens: 100_000,
  maxContextTokens: 8_000,
  summarize: Object.freeze({ steps: 5, words: 80, mode: 'single' as const }),
  promptOverrides: null,
  client: Object.freeze({ timeoutMs: 120_000, maxAttempts: 4, maxRetryWaitMs: 60_000, fallbackModel: '' }),
}) as RunConfig;

export type RunConfigPatch = Partial<Omit<RunConfig, 'summarize' | 'client'>> & {
  summarize?: Partial<RunConfig['summarize']>;
  client?: Partial<RunConfig['client']>;
};

/** The defaults with `patch` applied (undefined values keep the default). */
export function runConfig(...patches: RunConfigPatch[]): RunConfig {
  const defined = <T extends object>(o: T | undefined): Partial<T> => Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
  let c: RunConfig = { ...DEFAULT_RUN_CONFIG, summarize: { ...DEFAULT_RUN_CONFIG.summarize }, client: { ...DEFAULT_RUN_CONFIG.client } };
  for (const p of patches) {
    const { summarize, client, ...rest } = p;
    c = { ...c, ...defined(rest), summarize: { ...c.summarize, ...defined(summarize) }, client: { ...c.client, ...defined(client) } };
  }
  return c;
}

/** The Gemini client options a config asks for (the key and endpoint come from the front end). */
export function clientOptions(c: RunConfig): Pick<GeminiClientOptions, 'timeoutMs' | 'retry' | 'fallbackModel'> {
  return {
    timeoutMs: c.client.timeoutMs,
    retry: { maxAttempts: c.client.maxAttempts, maxDelayMs: c.client.maxRetryWaitMs },
    ...(c.client.fallbackModel ? { fallbackModel: c.client.fallbackModel } : {}),
  };
}
