/**
 * The Gemini lines of the status report: key present and accepted, endpoint reachable, models available.
 * One `models.get` per model through the same client every run uses (one attempt, a short limit): it is
 * free, proves the key, and tells a bad key (400 API_KEY_INVALID), an endpoint that cannot be reached and
 * a model the endpoint does not offer (404) apart.
 */
import { CodiError, nextStepFor } from '../errors';
import type { Surface } from '../errors';
import { createGeminiClient } from '../gemini/client';
import type { GeminiClient } from '../gemini/client';
import { GEMINI_DEFAULT_ENDPOINT } from '../gemini/errors';
import type { HealthCheck, HealthFix } from './types';
import { check } from './types';

export interface GeminiHealthInput {
  /** Empty or null: no key set. */
  apiKey: string | null;
  /** Endpoint override; empty: Google's endpoint. */
  baseUrl?: string;
  apiVersion?: 'v1' | 'v1beta';
  /** The models runs use (model, judge model, fallback); duplicates and empties are dropped. */
  models: readonly string[];
  surface: Surface;
  /** false: no models.get (the key is only looked at); default true. */
  probe?: boolean;
  /** Limit for each models.get (default 10 s). */
  timeoutMs?: number;
  /** Replaces the client (never needed outside tests of the front ends). */
  client?: (apiKey: string) => GeminiClient;
}

const LABELS = { key: 'Gemini API key', endpoint: 'Gemini endpoint', models: 'Models' } as const;

function fixFor(kind: CodiError['kind'], surface: Surface, own?: string): HealthFix {
  const editor = surface === 'editor';
  switch (kind) {
    case 'no-key':
    case 'auth':
      return { id: 'set-gemini-key', text: own ?? (kind === 'no-key' ? nextStepFor('no-key', surface) : editor ? 'Create a key at https://aistudio.google.com/apikey and set it with "CODI: Set Gemini API Key".' : 'Create a key at https://aistudio.google.com/apikey and set GEMINI_API_KEY to it.') };
    case 'unknown-model':
      return { id: 'model-settings', text: nextStepFor('unknown-model', surface) };
    default:
      return { id: 'gemini-endpoint', text: own ?? nextStepFor(kind === 'quota' || kind === 'service' ? kind : 'network', surface) };
  }
}

/** Runs the Gemini checks; never throws. */
export async function checkGemini(input: GeminiHealthInput): Promise<HealthCheck[]> {
  const endpoint = input.baseUrl?.replace(/\/+$/, '') || GEMINI_DEFAULT_ENDPOINT;
  const models = [...new Set(input.models.map((m) => m.trim()).filter(Boolean))];
  const key = input.apiKey?.trim() ?? '';
  if (!key) {
    return [
      check('gemini-key', LABELS.key, 'error', 'No Gemini API key is set.', fixFor('no-key', input.surface)),
      check('gemini-endpoint', LABELS.endpoint, 'skipped', `${endpoint}: not checked without a key.`),
      check('gemini-models', LABELS.models, 'skipped', `${models.join(', ')}: not checked without a key.`),
    ];
  }
  if (input.probe === false) {
    return [
      check('gemini-key', LABELS.key, 'ok', 'Set (not checked with Gemini yet).'),
      check('gemini-endpoint', LABELS.endpoint, 'skipped', `${endpoint}: not checked yet.`),
      check('gemini-models', LABELS.models, 'skipped', `${models.join(', ')}: not checked yet.`),
    ];
  }
  const client = input.client?.(key) ?? createGeminiClient({ apiKey: key, baseUrl: input.baseUrl, apiVersion: input.apiVersion, timeoutMs: input.timeoutMs ?? 10_000, retry: { maxAttempts: 1 } });
  const found: string[] = [];
  const missing: CodiError[] = [];
  for (const model of models) {
    try {
      const m = await client.getModel({ model });
      found.push(m.displayName && m.displayName !== model ? `${model} (${m.displayName})` : model);
    } catch (err) {
      const e = err instanceof CodiError ? err : new CodiError('internal', err instanceof Error ? err.message : String(err));
      if (e.kind === 'unknown-model') {
        missing.push(e);
        continue;
      }
      return failure(e, endpoint, models, input.surface);
    }
  }
  const keyOk = check('gemini-key', LABELS.key, 'ok', `Set, and accepted by ${endpoint}.`);
  const endpointOk = check('gemini-endpoint', LABELS.endpoint, 'ok', `${endpoint} answers.`);
  if (missing.length) {
    const names = missing.map((e) => e.message).join(' ');
    return [keyOk, endpointOk, check('gemini-models', LABELS.models, 'error', `${names}${found.length ? ` Available: ${found.join(', ')}.` : ''}`, fixFor('unknown-model', input.surface))];
  }
  return [keyOk, endpointOk, check('gemini-models', LABELS.models, 'ok', `${found.join(', ')} available.`)];
}

/** A models.get that failed for another reason than an unknown model: which line is at fault. */
function failure(e: CodiError, endpoint: string, models: string[], surface: Surface): HealthCheck[] {
  const notChecked = (what: string) => check('gemini-models', LABELS.models, 'skipped', `${models.join(', ')}: not checked (${what}).`);
  if (e.kind === 'auth') {
    return [
      check('gemini-key', LABELS.key, 'error', e.message, fixFor('auth', surface, e.nextStep)),
      check('gemini-endpoint', LABELS.endpoint, 'ok', `${endpoint} answers.`),
      notChecked('the key was refused'),
    ];
  }
  if (e.kind === 'quota') {
    // A rate limit proves key and endpoint; the models wait for the next check.
    return [
      check('gemini-key', LABELS.key, 'ok', `Set, and accepted by ${endpoint}.`),
      check('gemini-endpoint', LABELS.endpoint, 'warn', e.message, fixFor('quota', surface)),
      notChecked('rate limited'),
    ];
  }
  const offline = e.kind === 'network' || e.kind === 'timeout';
  return [
    check('gemini-key', LABELS.key, 'skipped', `Set; not checked (${offline ? 'the endpoint cannot be reached' : 'the endpoint failed'}).`),
    check('gemini-endpoint', LABELS.endpoint, 'error', e.message, fixFor(e.kind, surface, e.kind === 'network' ? undefined : e.nextStep)),
    notChecked(offline ? 'the endpoint cannot be reached' : 'the endpoint failed'),
  ];
}
