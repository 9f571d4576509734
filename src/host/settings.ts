import * as vscode from 'vscode';
import type { ModelPrice } from '../core/gemini/pricing';
import type { PromptOverrides } from '../core/prompts/registry';
import { validateOverrides } from '../core/prompts/registry';
import type { AlertSettings } from '../core/analysis/alerts';
import { ALERT_DEFAULTS } from '../core/analysis/alerts';

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
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('codi');
  const str = (k: string, d: string) => {
    const v = c.get<unknown>(k);
    return typeof v === 'string' && v.trim() ? v.trim() : d;
  };
  const num = (k: string, d: number, min: number, max: number) => {
    const v = c.get<unknown>(k);
    return typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, v)) : d;
  };
  const pricing = c.get<unknown>('pricing');
  const prompts = validateOverrides(c.get<unknown>('prompts.overrides'));
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
