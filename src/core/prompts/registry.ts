import { CodiError } from '../errors';
import { GENERATE_JUDGE_PROMPT, GENERATE_PROMPT } from './generate';
import type { PromptTemplate } from './prompt';
import { promptVersion } from './prompt';
import { CHUNK_PROMPT, COD_FIRST_PROMPT, COD_NEXT_PROMPT, COD_SINGLE_PROMPT, SUMMARY_JUDGE_PROMPT } from './summarize';
import { EXPLAIN_PROMPT, JUDGE_PROMPT } from './templates';

/** Every prompt CODI sends, by name. The name is stable; the version is a hash of the content. */
export const PROMPTS = {
  explain: EXPLAIN_PROMPT,
  'judge.explain': JUDGE_PROMPT,
  'summarize.cod': COD_SINGLE_PROMPT,
  'summarize.cod.first': COD_FIRST_PROMPT,
  'summarize.cod.next': COD_NEXT_PROMPT,
  'summarize.chunk': CHUNK_PROMPT,
  'judge.summarize': SUMMARY_JUDGE_PROMPT,
  generate: GENERATE_PROMPT,
  'judge.generate': GENERATE_JUDGE_PROMPT,
} as const satisfies Record<string, PromptTemplate>;

export type PromptName = keyof typeof PROMPTS;
export const PROMPT_NAMES = Object.keys(PROMPTS) as PromptName[];

/** The `codi.prompts.overrides` setting: per prompt name, a replacement system and/or user template. */
export type PromptOverrides = Record<string, { system?: string; user?: string }>;

/** The `{{variables}}` a template uses, in order of first use. */
export function templateVariables(t: Pick<PromptTemplate, 'system' | 'user'>): string[] {
  const out: string[] = [];
  for (const m of `${t.system}\n${t.user}`.matchAll(/\{\{\s*(\w+)\s*\}\}/g)) if (!out.includes(m[1]!)) out.push(m[1]!);
  return out;
}

function isPromptName(name: string): name is PromptName {
  return Object.prototype.hasOwnProperty.call(PROMPTS, name);
}

/** Problems with one override: unknown variables are errors (the prompt cannot be rendered). */
function unknownVariables(name: PromptName, t: PromptTemplate): string[] {
  const known = templateVariables(PROMPTS[name]);
  return templateVariables(t).filter((v) => !known.includes(v));
}

/**
 * The template for `name`, with the user's override applied when there is one. An override replaces
 * `system` and/or `user`; its version is the hash of the resulting content, so traces tell it apart from
 * the shipped template. Throws a `bad-input` CodiError when the override uses a variable the pipeline does
 * not provide (it could not be rendered).
 */
export function getPrompt(name: PromptName, overrides?: PromptOverrides | null): PromptTemplate {
  const base: PromptTemplate = PROMPTS[name];
  const o = overrides?.[name];
  if (!o || (typeof o.system !== 'string' && typeof o.user !== 'string')) return base;
  const t: PromptTemplate = {
    name: base.name,
    system: typeof o.system === 'string' ? o.system : base.system,
    user: typeof o.user === 'string' ? o.user : base.user,
  };
  const unknown = unknownVariables(name, t);
  if (unknown.length) {
    const known = templateVariables(base).map((v) => `{{${v}}}`).join(', ');
    throw new CodiError('bad-input', `The override of prompt "${name}" (codi.prompts.overrides) uses ${unknown.map((v) => `{{${v}}}`).join(', ')}; it can use ${known}.`);
  }
  return t;
}

/** Whether `name` runs with a user override. */
export function isOverridden(name: PromptName, overrides?: PromptOverrides | null): boolean {
  return getPrompt(name, overrides) !== PROMPTS[name];
}

/**
 * Checks a raw `codi.prompts.overrides` value (from settings: anything) and returns the usable part plus
 * one message per problem, for the host to show: unknown prompt names, non-string fields, unknown
 * variables (errors: that override is dropped) and variables the override does not use (warnings: kept).
 */
export function validateOverrides(raw: unknown): { overrides: PromptOverrides; problems: string[] } {
  const overrides: PromptOverrides = {};
  const problems: string[] = [];
  if (raw === undefined || raw === null) return { overrides, problems };
  if (typeof raw !== 'object' || Array.isArray(raw)) return { overrides, problems: ['codi.prompts.overrides must be an object keyed by prompt name.'] };
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!isPromptName(name)) {
      problems.push(`Unknown prompt "${name}" in codi.prompts.overrides; known prompts: ${PROMPT_NAMES.join(', ')}.`);
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(`codi.prompts.overrides["${name}"] must be an object with "system" and/or "user" strings.`);
      continue;
    }
    const v = value as Record<string, unknown>;
    const entry: { system?: string; user?: string } = {};
    for (const k of ['system', 'user'] as const) {
      if (v[k] === undefined) continue;
      if (typeof v[k] === 'string') entry[k] = v[k];
      else problems.push(`codi.prompts.overrides["${name}"].${k} must be a string.`);
    }
    if (entry.system === undefined && entry.user === undefined) continue;
    try {
      const t = getPrompt(name, { [name]: entry });
      const unused = templateVariables(PROMPTS[name]).filter((x) => !templateVariables(t).includes(x));
      if (unused.length) problems.push(`The override of "${name}" does not use ${unused.map((x) => `{{${x}}}`).join(', ')}.`);
      overrides[name] = entry;
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
    }
  }
  return { overrides, problems };
}

export interface PromptInfo {
  name: PromptName;
  version: string;
  overridden: boolean;
  variables: string[];
  system: string;
  user: string;
}

/** Every prompt with overrides applied (an unusable override is shown as the shipped template), e.g. for the store to keep each version's template once. */
export function listPrompts(overrides?: PromptOverrides | null): PromptInfo[] {
  return PROMPT_NAMES.map((name) => {
    let t: PromptTemplate = PROMPTS[name];
    try {
      t = getPrompt(name, overrides);
    } catch {
      // An unusable override is reported by validateOverrides; the shipped template is what would run.
    }
    return { name, version: promptVersion(t), overridden: t !== PROMPTS[name], variables: templateVariables(t), system: t.system, user: t.user };
  });
}
