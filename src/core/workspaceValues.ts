import { createHash } from 'node:crypto';

/**
 * Settings a repository may propose but not impose. `codi.prompts.overrides` (a workspace could make the
 * judge "always score 1") and `codi.pricing` (a workspace could hide costs) are read from a workspace's
 * `.vscode/settings.json` only after the user allowed that exact value once for that workspace, and never
 * in an untrusted workspace. Endpoint, export and history settings are application-scoped in package.json,
 * so VS Code never reads them from a workspace at all.
 */
export const GATED_SETTINGS = ['prompts.overrides', 'pricing'] as const;
export type GatedSetting = (typeof GATED_SETTINGS)[number];

/** What VS Code's `inspect()` reports for one setting. */
export interface InspectedValue {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

/** The user's answer for one workspace, by setting: the hash of the value they allowed or declined. */
export interface GateDecisions {
  allowed: Partial<Record<GatedSetting, string>>;
  declined: Partial<Record<GatedSetting, string>>;
}

export const NO_DECISIONS: GateDecisions = { allowed: {}, declined: {} };

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'undefined';
}

/** A short hash of a JSON value, independent of key order: a changed value asks again. */
export function valueHash(v: unknown): string {
  return createHash('sha256').update(stable(v)).digest('hex').slice(0, 16);
}

export interface GatedResult {
  /** The value CODI uses. */
  value: unknown;
  /** The workspace's value, when it has one that is not applied (waiting for, or refused by, the user). */
  withheld: unknown;
  /** Set when the user has not answered for this exact value yet (ask). */
  ask: boolean;
}

/**
 * The value to use for a gated setting: the workspace's (folder over workspace) when the workspace is trusted
 * and the user allowed this exact value; otherwise the user's own (global) value.
 */
export function gatedValue(key: GatedSetting, v: InspectedValue, trusted: boolean, decisions: GateDecisions): GatedResult {
  const ws = v.workspaceFolderValue !== undefined ? v.workspaceFolderValue : v.workspaceValue;
  const own = v.globalValue;
  const empty = ws === undefined || stable(ws) === stable(own) || (typeof ws === 'object' && ws !== null && Object.keys(ws).length === 0);
  if (empty) return { value: own, withheld: undefined, ask: false };
  const h = valueHash(ws);
  if (trusted && decisions.allowed[key] === h) return { value: ws, withheld: undefined, ask: false };
  return { value: own, withheld: ws, ask: trusted && decisions.declined[key] !== h };
}

/** One line per withheld setting, for the notification: which keys the workspace wants to change. */
export function describeWithheld(key: GatedSetting, value: unknown): string {
  const names = value && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value).join(', ') : stable(value).slice(0, 80);
  return key === 'prompts.overrides' ? `codi.prompts.overrides replaces the prompt(s): ${names}` : `codi.pricing changes the prices of: ${names}`;
}
