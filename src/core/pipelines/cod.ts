/**
 * Chain-of-Density measurements and structured-output shapes. Everything the UI shows about density is
 * computed here from the text, never taken from the model's claims.
 */

/** One step as the model wrote it. */
export interface CodDraft {
  missingEntities: string[];
  denserSummary: string;
}

const STEP_ITEM_SCHEMA = {
  type: 'object',
  properties: {
    missingEntities: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 3 },
    // minLength is a hint only: Gemini does not enforce string lengths, so the parser accepts "" as well.
    denserSummary: { type: 'string', minLength: 1 },
  },
  required: ['missingEntities', 'denserSummary'],
  propertyOrdering: ['missingEntities', 'denserSummary'],
};

/** Single mode: `{steps: [...]}` with exactly `steps` items (the paper's list of dictionaries). */
export function codSchema(steps: number): Record<string, unknown> {
  return {
    type: 'object',
    properties: { steps: { type: 'array', minItems: steps, maxItems: steps, items: STEP_ITEM_SCHEMA } },
    required: ['steps'],
  };
}

/** Iterative mode: one step per call. */
export function codStepSchema(): Record<string, unknown> {
  return STEP_ITEM_SCHEMA;
}

function toDraft(v: unknown): CodDraft | null {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  const summary = o.denserSummary ?? o.denser_summary ?? o.Denser_Summary;
  let entities = o.missingEntities ?? o.missing_entities ?? o.Missing_Entities;
  // An empty summary is schema-valid (string lengths are not enforced): kept as an empty step that is never
  // recommended; the pipeline fails only when every step is empty.
  if (typeof summary !== 'string') return null;
  // The paper's prompt asks for ";"-delimited entities; accept that shape too.
  if (typeof entities === 'string') entities = entities.split(';');
  if (!Array.isArray(entities)) return null;
  const list = entities.filter((e): e is string => typeof e === 'string').map((e) => e.trim()).filter(Boolean);
  return { missingEntities: list, denserSummary: summary.trim() };
}

/** Parses one iterative step; null when unusable. */
export function parseCodStep(json: unknown): CodDraft | null {
  return toDraft(json);
}

/**
 * Parses the single-mode answer (`{steps: [...]}` or a bare list). Extra steps beyond `steps` are dropped;
 * fewer, or any unusable item, make the answer unusable (null).
 */
export function parseCodSteps(json: unknown, steps: number): { drafts: CodDraft[]; extra: number } | null {
  const list = Array.isArray(json) ? json : typeof json === 'object' && json !== null ? (json as Record<string, unknown>).steps : undefined;
  if (!Array.isArray(list) || list.length < steps) return null;
  const drafts: CodDraft[] = [];
  for (const item of list.slice(0, steps)) {
    const d = toDraft(item);
    if (!d) return null;
    drafts.push(d);
  }
  return { drafts, extra: list.length - steps };
}

export function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** Canonical form of an entity for de-duplication and matching: no backticks/quotes/trailing "()", lower case. */
export function normalizeEntity(entity: string): string {
  return entity
    .trim()
    .replace(/^[`'"“‘]+|[`'"”’]+$/g, '')
    .replace(/\(\s*\)$/, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

const WORD = /[\p{L}\p{N}_$]/u;
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Whether an entity occurs in a text: case-insensitive, ignoring backticks, whitespace-normalised, and
 * on word boundaries where the entity starts or ends with a word character (so `add` is not found in
 * "address").
 */
export function entityOccurs(entity: string, text: string): boolean {
  const e = normalizeEntity(entity);
  if (!e) return false;
  const hay = text.replace(/`/g, '').replace(/\s+/g, ' ').toLowerCase();
  const pre = WORD.test(e[0]!) ? '(?<![\\p{L}\\p{N}_$])' : '';
  const post = WORD.test(e[e.length - 1]!) ? '(?![\\p{L}\\p{N}_$])' : '';
  return new RegExp(`${pre}${escapeRe(e)}${post}`, 'u').test(hay);
}

/** The accumulated distinct entities after each step (step i: entities named in steps 1..i). */
export function accumulateEntities(drafts: Array<Pick<CodDraft, 'missingEntities'>>): string[][] {
  const seen = new Map<string, string>();
  return drafts.map((d) => {
    for (const e of d.missingEntities) {
      const k = normalizeEntity(e);
      if (k && !seen.has(k)) seen.set(k, e);
    }
    return [...seen.values()];
  });
}

export interface DensityMeasure {
  words: number;
  tokens: number;
  /** Accumulated entities that occur in the summary text. */
  present: string[];
  /** Accumulated entities the summary lost or never contained. */
  missing: string[];
  /** present.length / tokens (0 when tokens is 0). */
  entityDensity: number;
}

/** Entity density of a summary given the entities accumulated so far and its token count. */
export function measureDensity(summary: string, accumulated: string[], tokens: number): DensityMeasure {
  const present = accumulated.filter((e) => entityOccurs(e, summary));
  const missing = accumulated.filter((e) => !present.includes(e));
  return { words: countWords(summary), tokens, present, missing, entityDensity: tokens > 0 ? present.length / tokens : 0 };
}

/**
 * The recommended step: highest score, ties to the earlier step; null when no step is scored. Steps whose
 * summary is empty (`summaries[i]` blank) are never recommended.
 */
export function recommendStep(scores: Array<number | null>, summaries?: readonly string[]): number | null {
  let best: number | null = null;
  let bestScore = -Infinity;
  scores.forEach((s, i) => {
    if (summaries && !summaries[i]?.trim()) return;
    if (s !== null && s > bestScore) {
      best = i + 1;
      bestScore = s;
    }
  });
  return best;
}

/** A fence that no backtick run in `text` can close early. */
export function fenced(text: string, info = ''): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${text}\n${fence}`;
}
