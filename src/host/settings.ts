import * as vscode from 'vscode';
import type { ModelPrice } from '../core/gemini/pricing';
import type { PromptOverrides } from '../core/prompts/registry';
import type { RunConfig } from '../core/run/config';
import { runConfig } from '../core/run/config';
import { validateOverrides } from '../core/prompts/registry';
import type { GatedSetting } from '../core/workspaceValues';
import type { AlertSettings } from '../core/analysis/alerts';
import { ALERT_DEFAULTS } from '../core/analysis/alerts';
import { cleanLabel, DEFAULT_ANNOTATION_LABELS } from '../shared/annotation';

/** The typed, plain view of the `codi.*` settings that the core gets. */
export interface Settings {
  model: string;
  judgeModel: string;
  judgeEnabled: boolean;
  apiBaseUrl: string;
  apiVersion: 'v1' | 'v1beta';
  requestTimeoutSeconds: number;
  maxInputChars: number;
  retryMaxAttempts: number;
  maxInputTokens: number;
  summarize: { steps: number; words: number; mode: 'single' | 'iterative' };
  promptOverrides: PromptOverrides;
  /** Problems found in `codi.prompts.overrides` (the shipped template runs instead). */
  promptProblems: string[];
  fallbackModel: string;
  pricing: Record<string, Partial<ModelPrice>>;
  /** `codi.redact.beforeModel`: replace secrets in code before it goes to the model. */
  redactBeforeModel: boolean;
  /** `codi.redact.patterns` and `codi.opik.redact`: the user's own secret patterns. */
  redactPatterns: string[];
  /** `codi.budget.dailyUsd` (0: no limit). */
  dailyBudgetUsd: number;
}

/** Where the workspace-gated settings come from (see WorkspaceGate); default: the user's own values only. */
export type GatedReader = (key: GatedSetting) => unknown;

const userValueOnly: GatedReader = (key) => vscode.workspace.getConfiguration('codi').inspect(key)?.globalValue;

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((r): r is string => typeof r === 'string') : [];
}

export function readSettings(gated: GatedReader = userValueOnly): Settings {
  const c = vscode.workspace.getConfiguration('codi');
  const str = (k: string, d: string) => {
    const v = c.get<unknown>(k);
    return typeof v === 'string' && v.trim() ? v.trim() : d;
  };
  const num = (k: string, d: number, min: number, max: number) => {
    const v = c.get<unknown>(k);
    return typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, v)) : d;
  };
  const pricing = gated('pricing');
  const prompts = validateOverrides(gated('prompts.overrides') ?? {});
  return {
    model: str('model', 'gemini-2.5-flash'),
    judgeModel: str('judge.model', 'gemini-2.5-flash'),
    judgeEnabled: c.get<boolean>('judge.enabled', true) !== false,
    apiBaseUrl: str('apiBaseUrl', process.env.GOOGLE_GEMINI_BASE_URL ?? ''),
    apiVersion: c.get<string>('apiVersion') === 'v1' ? 'v1' : 'v1beta',
    requestTimeoutSeconds: num('requestTimeoutSeconds', 120, 5, 900),
    maxInputChars: num('maxInputChars', 200_000, 1_000, 10_000_000),
    retryMaxAttempts: Math.round(num('retry.maxAttempts', 4, 1, 10)),
    maxInputTokens: Math.round(num('maxInputTokens', 100_000, 1_000, 2_000_000)),
    summarize: {
      steps: Math.round(num('summarize.steps', 5, 1, 8)),
      words: Math.round(num('summarize.words', 80, 10, 500)),
      mode: c.get<string>('summarize.mode') === 'iterative' ? 'iterative' : 'single',
    },
    promptOverrides: prompts.overrides,
    promptProblems: prompts.problems,
    fallbackModel: str('fallbackModel', ''),
    pricing: typeof pricing === 'object' && pricing !== null ? (pricing as Settings['pricing']) : {},
    redactBeforeModel: c.get<boolean>('redact.beforeModel', true) !== false,
    redactPatterns: [...strings(c.get<unknown>('redact.patterns')), ...strings(c.get<unknown>('opik.redact'))],
    dailyBudgetUsd: num('budget.dailyUsd', 0, 0, 1_000_000),
  };
}

/** `codi.alerts.*`, clamped to their ranges (see ALERT_DEFAULTS). */
export function readAlertSettings(): AlertSettings {
  const c = vscode.workspace.getConfiguration('codi.alerts');
  const num = (k: keyof AlertSettings, min: number, max: number) => {
    const v = c.get<unknown>(k);
    return typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, v)) : ALERT_DEFAULTS[k];
  };
  return { minScore: num('minScore', 0, 1), window: Math.round(num('window', 1, 1000)), maxErrorRate: num('maxErrorRate', 0, 1) };
}

/** Settings that change how model calls are made (the session is rebuilt when they change). */
export const MODEL_SETTINGS = ['codi.model', 'codi.judge', 'codi.apiBaseUrl', 'codi.apiVersion', 'codi.requestTimeoutSeconds', 'codi.pricing', 'codi.maxInputChars', 'codi.retry', 'codi.fallbackModel'];

/** The settings as the core's run configuration (the one place the host maps settings to run options). */
export function runConfigFrom(s: Settings): RunConfig {
  return runConfig({
    model: s.model,
    judgeModel: s.judgeModel,
    judgeEnabled: s.judgeEnabled,
    maxInputChars: s.maxInputChars,
    maxInputTokens: s.maxInputTokens,
    summarize: s.summarize,
    promptOverrides: s.promptOverrides,
    client: { timeoutMs: s.requestTimeoutSeconds * 1000, maxAttempts: s.retryMaxAttempts, fallbackModel: s.fallbackModel },
  });
}

/** `codi.annotation.labels`: the labels a reviewer picks from (cleaned, unique; the defaults when unset or empty). */
export function readAnnotationLabels(): string[] {
  const v = vscode.workspace.getConfiguration('codi').get<unknown>('annotation.labels');
  const labels = Array.isArray(v) ? [...new Set(v.filter((x): x is string => typeof x === 'string').map(cleanLabel).filter((x): x is string => x !== null))] : [];
  return labels.length ? labels.slice(0, 50) : [...DEFAULT_ANNOTATION_LABELS];
}
