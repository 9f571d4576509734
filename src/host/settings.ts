import * as vscode from 'vscode';
import type { ModelPrice } from '../core/gemini/pricing';

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
  return {
    model: str('model', 'gemini-2.5-flash'),
    judgeModel: str('judge.model', 'gemini-2.5-flash'),
    judgeEnabled: c.get<boolean>('judge.enabled', true) !== false,
    apiBaseUrl: str('apiBaseUrl', process.env.GOOGLE_GEMINI_BASE_URL ?? ''),
    apiVersion: c.get<string>('apiVersion') === 'v1' ? 'v1' : 'v1beta',
    requestTimeoutSeconds: num('requestTimeoutSeconds', 120, 5, 900),
    maxInputChars: num('maxInputChars', 200_000, 1_000, 10_000_000),
    retryMaxAttempts: Math.round(num('retry.maxAttempts', 4, 1, 10)),
    fallbackModel: str('fallbackModel', ''),
    pricing: typeof pricing === 'object' && pricing !== null ? (pricing as Settings['pricing']) : {},
  };
}

/** Settings that change how model calls are made (the session is rebuilt when they change). */
export const MODEL_SETTINGS = ['codi.model', 'codi.judge', 'codi.apiBaseUrl', 'codi.apiVersion', 'codi.requestTimeoutSeconds', 'codi.pricing', 'codi.maxInputChars', 'codi.retry', 'codi.fallbackModel'];
