/**
 * Plausible model output for the Gemini stand-in: a value conforming to a response schema
 * (JSON Schema as in `responseJsonSchema`, or the OpenAPI subset of `responseSchema`),
 * the default judge verdict, and a default Markdown explanation.
 */

type Schema = Record<string, unknown>;

export const DEFAULT_CRITERIA = ['faithfulness', 'clarity', 'completeness', 'concision'] as const;
const SCORE_CYCLE = [0.9, 0.85, 0.8, 0.88];
const OVERALL_FRACTION = 0.86;

export interface JudgeVerdict {
  score: number;
  reason: string;
  criteria: Array<{ name: string; score: number; reason: string }>;
}

const KEYWORDS = new Set(
  ('if else for while do switch case return function def class const let var fn func interface type struct enum module ' +
    'package public private protected static async await new import export from in of try catch finally throw void ' +
    'int long float double char bool boolean string number println print printf console log self this super null true false ' +
    'None True False nil and or not is lambda yield with as pub mut impl use where sizeof typeof instanceof delete').split(' '),
);
const STOP_WORDS = new Set(
  ('the a an this that these those what why how when which who explain following code snippet selected selection please ' +
    'summarize summarise generate write describe tell about language file context answer question below above here there ' +
    'you your me my our we is are was be do does did can could would should will with without into onto from for and or not it its ' +
    'typescript javascript python java rust golang kotlin swift ruby php csharp markdown text user task instructions')
    .split(' '),
);

/** The first identifier a reader would call "the subject" of a prompt: a declared name, a called
 *  function, an assigned variable, then any identifier-looking word. Code fences are searched first. */
export function firstIdentifier(text: string): string | undefined {
  const fence = /```[^\n]*\n([\s\S]*?)(?:```|$)/.exec(text);
  const sources = fence?.[1] !== undefined ? [fence[1], text] : [text];
  for (const src of sources) {
    const patterns = [
      /\b(?:function\*?|def|class|const|let|var|fn|func|interface|type|struct|enum|trait|impl)\s+([A-Za-z_$][\w$]*)/g,
      /([A-Za-z_$][\w$]*)\s*\(/g,
      /([A-Za-z_$][\w$]*)\s*(?::[^=\n]*)?=(?!=)/g,
    ];
    for (const re of patterns) {
      for (const m of src.matchAll(re)) {
        const name = m[1];
        if (name !== undefined && !KEYWORDS.has(name) && !STOP_WORDS.has(name.toLowerCase())) return name;
      }
    }
  }
  // Then a code-looking word (camelCase, snake_case, digits), then any longer non-stop word.
  const words = [...text.matchAll(/[A-Za-z_$][\w$]*/g)].map((m) => m[0]).filter((w) => !KEYWORDS.has(w) && !STOP_WORDS.has(w.toLowerCase()));
  return words.find((w) => /[a-z][A-Z]|_|\$|\d/.test(w)) ?? words.find((w) => w.length >= 3);
}

export function defaultJudgeVerdict(subject?: string): JudgeVerdict {
  const about = subject ? `\`${subject}\`` : 'the code';
  const criteria = DEFAULT_CRITERIA.map((name, i) => ({ name, score: SCORE_CYCLE[i] ?? 0.85, reason: criterionReason(name, about) }));
  return { score: OVERALL_FRACTION, reason: overallReason(about), criteria };
}

function criterionReason(name: string, about: string): string {
  return `Good ${name}: the answer stays close to what ${about} actually does; a small detail could be sharper.`;
}
function overallReason(about: string): string {
  return `An accurate, well-organised explanation of ${about}; one or two edge cases could be covered more fully.`;
}

/** A Markdown explanation that names the prompt's subject. */
export function defaultExplanation(subject?: string): string {
  const s = subject ? `\`${subject}\`` : 'this code';
  return [
    `### What ${s} does`,
    '',
    `${capitalise(s)} takes its inputs, works through them step by step and hands the result back to its caller.`,
    '',
    '**Key points**',
    '',
    `- **Control flow:** ${s} has a single entry point and returns early when its input is empty.`,
    '- **State:** nothing outside the function is modified, so it is safe to call repeatedly.',
    '- **Cost:** the work grows linearly with the size of the input.',
    '',
    `In short, ${s} is a small, self-contained helper; the main thing to watch is how it treats unexpected input.`,
    '',
  ].join('\n');
}

function capitalise(s: string): string {
  return s.startsWith('`') ? s : s.charAt(0).toUpperCase() + s.slice(1);
}

// ---------------------------------------------------------------------------------------------
// Schema → value

interface Ctx {
  root: Schema;
  subject: string;
  depth: number;
}

function isSchema(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
const SCORE_KEY = /score|rating|confidence|probability|quality|grade/i;
const REASON_KEY = /reason|rationale|justification|feedback|comment|critique/i;
const NAME_KEY = /^(name|criterion|criteria_name|criterionName|metric|label|dimension|aspect)$/i;
const ENTITY_KEY = /entit|keyword|concept|term/i;
const PROSE_KEY = /summary|text|answer|content|description|explanation|message|output/i;

/** A value that conforms to `schema`, with meaningful judge-like values where the field names say so. */
export function valueForSchema(schema: unknown, subject = 'the code'): unknown {
  const root = isSchema(schema) ? schema : {};
  return gen(root, { root, subject, depth: 0 }, '', -1, undefined);
}

function resolve(schema: Schema, ctx: Ctx): Schema {
  let s = schema;
  for (let hops = 0; typeof s['$ref'] === 'string' && hops < 16; hops++) {
    const ref = s['$ref'] as string;
    if (!ref.startsWith('#')) break;
    let target: unknown = ctx.root;
    for (const raw of ref.slice(1).split('/').filter(Boolean)) {
      const seg = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      target = isSchema(target) ? target[seg] : undefined;
    }
    if (!isSchema(target)) break;
    const { $ref: _drop, ...rest } = s;
    void _drop;
    s = { ...target, ...rest };
  }
  if (Array.isArray(s['allOf'])) {
    const merged: Schema = { ...s };
    delete merged['allOf'];
    for (const part of s['allOf'] as unknown[]) {
      if (!isSchema(part)) continue;
      const p = resolve(part, ctx);
      const props = { ...(isSchema(merged['properties']) ? merged['properties'] : {}), ...(isSchema(p['properties']) ? p['properties'] : {}) };
      const required = [...toStrings(merged['required']), ...toStrings(p['required'])];
      Object.assign(merged, p, { properties: props, required });
    }
    s = merged;
  }
  return s;
}

function toStrings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function schemaType(s: Schema): string {
  const t = s['type'];
  const list = (Array.isArray(t) ? t : [t]).filter((x): x is string => typeof x === 'string').map((x) => x.toLowerCase());
  const nonNull = list.find((x) => x !== 'null');
  if (nonNull) return nonNull;
  if (list.includes('null')) return 'null';
  if (isSchema(s['properties'])) return 'object';
  if (s['items'] !== undefined || s['prefixItems'] !== undefined) return 'array';
  return 'string';
}

function gen(input: Schema, ctx: Ctx, key: string, index: number, sibling: string | undefined): unknown {
  const s = resolve(input, ctx);
  if (ctx.depth > 12) return null;
  if ('const' in s) return s['const'];
  if (Array.isArray(s['enum']) && s['enum'].length > 0) {
    const e = s['enum'] as unknown[];
    return e[Math.max(0, index) % e.length];
  }
  const alt = (Array.isArray(s['anyOf']) ? s['anyOf'] : Array.isArray(s['oneOf']) ? s['oneOf'] : undefined) as unknown[] | undefined;
  if (alt) {
    const options = alt.filter(isSchema).map((o) => resolve(o, ctx));
    const pick = options.find((o) => schemaType(o) !== 'null') ?? options[0];
    if (pick) return gen(pick, ctx, key, index, sibling);
  }
  const inner: Ctx = { ...ctx, depth: ctx.depth + 1 };
  switch (schemaType(s)) {
    case 'object':
      return genObject(s, inner, index, sibling);
    case 'array':
      return genArray(s, inner, key);
    case 'number':
    case 'integer':
      return genNumber(s, key, index);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return genString(s, ctx, key, index, sibling);
  }
}

function genObject(s: Schema, ctx: Ctx, index: number, parentSibling?: string): Record<string, unknown> {
  const props = isSchema(s['properties']) ? s['properties'] : {};
  const order = toStrings(s['propertyOrdering']);
  const keys = [...order.filter((k) => k in props), ...Object.keys(props).filter((k) => !order.includes(k))];
  for (const req of toStrings(s['required'])) if (!keys.includes(req)) keys.push(req);
  const out: Record<string, unknown> = {};
  // Name-like fields first so reasons can mention them.
  const nameKey = keys.find((k) => NAME_KEY.test(k));
  const nameValue = nameKey !== undefined ? gen(isSchema(props[nameKey]) ? props[nameKey] : {}, ctx, nameKey, index, undefined) : undefined;
  const sibling = typeof nameValue === 'string' ? nameValue : parentSibling;
  // An object keyed by names (e.g. one verdict per criterion): each child is named by its key, in order.
  const objectKeys = keys.filter((k) => isSchema(props[k]) && schemaType(resolve(props[k] as Schema, ctx)) === 'object');
  const keyed = objectKeys.length >= 2;
  for (const k of keys) {
    const child = isSchema(props[k]) ? props[k] : {};
    out[k] = k === nameKey ? nameValue : keyed && objectKeys.includes(k) ? gen(child, ctx, k, objectKeys.indexOf(k), k) : gen(child, ctx, k, index, sibling);
  }
  // An overall score next to a list of scored items is their mean (as a judge would report it).
  for (const k of keys) {
    if (typeof out[k] !== 'number' || !SCORE_KEY.test(k)) continue;
    const scoresOf = (it: unknown): number[] => (isSchema(it) ? Object.entries(it).filter(([ik, iv]) => SCORE_KEY.test(ik) && typeof iv === 'number').map(([, iv]) => iv as number) : []);
    const itemScores = keys.flatMap((a) => {
      const v = out[a];
      if (Array.isArray(v)) return v.flatMap(scoresOf);
      return isSchema(v) ? Object.values(v).flatMap(scoresOf) : [];
    });
    if (itemScores.length === 0) continue;
    const ps = resolve(isSchema(props[k]) ? props[k] : {}, ctx);
    const mean = itemScores.reduce((a, b) => a + b, 0) / itemScores.length;
    const [lo, hi] = bounds(ps);
    const isInt = schemaType(ps) === 'integer';
    out[k] = clamp(isInt ? Math.round(mean) : round2(mean), lo, hi, isInt);
  }
  return out;
}

function genArray(s: Schema, ctx: Ctx, key: string): unknown[] {
  const prefix = Array.isArray(s['prefixItems']) ? (s['prefixItems'] as unknown[]).filter(isSchema) : [];
  const items = isSchema(s['items']) ? resolve(s['items'], ctx) : {};
  const min = num(s['minItems']) ?? 0;
  const max = num(s['maxItems']) ?? Number.POSITIVE_INFINITY;
  // One item per enum value of a name-like property (e.g. one verdict per criterion), else 3.
  const itemProps = isSchema(items['properties']) ? items['properties'] : {};
  const enumKey = Object.keys(itemProps).find((k) => NAME_KEY.test(k) && isSchema(itemProps[k]) && Array.isArray((itemProps[k] as Schema)['enum']));
  const enumLen = enumKey !== undefined ? ((itemProps[enumKey] as Schema)['enum'] as unknown[]).length : undefined;
  const wanted = Array.isArray(items['enum']) ? (items['enum'] as unknown[]).length : (enumLen ?? Math.max(3, prefix.length));
  const n = Math.max(min, Math.min(max, wanted));
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) out.push(gen(prefix[i] ?? items, ctx, key, i, undefined));
  return out;
}

function bounds(s: Schema): [number | undefined, number | undefined, boolean, boolean] {
  const exMin = num(s['exclusiveMinimum']);
  const exMax = num(s['exclusiveMaximum']);
  const lo = num(s['minimum']) ?? exMin;
  const hi = num(s['maximum']) ?? exMax;
  return [lo, hi, num(s['minimum']) === undefined && exMin !== undefined, num(s['maximum']) === undefined && exMax !== undefined];
}

function clamp(v: number, lo: number | undefined, hi: number | undefined, isInt: boolean, exLo = false, exHi = false): number {
  const step = isInt ? 1 : 0.01;
  let out = v;
  if (lo !== undefined && (out < lo || (exLo && out <= lo))) out = exLo ? lo + step : lo;
  if (hi !== undefined && (out > hi || (exHi && out >= hi))) out = exHi ? hi - step : hi;
  return isInt ? Math.round(out) : out;
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

function genNumber(s: Schema, key: string, index: number): number {
  const isInt = schemaType(s) === 'integer';
  const [lo, hi, exLo, exHi] = bounds(s);
  const scoreLike = SCORE_KEY.test(key);
  const frac = scoreLike ? (index >= 0 ? (SCORE_CYCLE[index % SCORE_CYCLE.length] ?? 0.85) : OVERALL_FRACTION) : 0.5;
  let v: number;
  if (lo !== undefined && hi !== undefined) v = lo + frac * (hi - lo);
  else if (scoreLike) v = isInt ? Math.round(frac * 5) : frac;
  else if (hi !== undefined) v = Math.min(hi, isInt ? 3 : 0.5);
  else v = (lo ?? 0) + (isInt ? 3 : 0.5);
  v = isInt ? Math.round(v) : round2(v);
  const multipleOf = num(s['multipleOf']);
  if (multipleOf !== undefined && multipleOf > 0) v = Math.round(v / multipleOf) * multipleOf;
  return clamp(v, lo, hi, isInt, exLo, exHi);
}

function genString(s: Schema, ctx: Ctx, key: string, index: number, sibling: string | undefined): string {
  const about = `\`${ctx.subject}\``;
  const format = typeof s['format'] === 'string' ? s['format'] : '';
  let text: string;
  if (format === 'date-time') text = new Date().toISOString();
  else if (format === 'date') text = new Date().toISOString().slice(0, 10);
  else if (REASON_KEY.test(key)) text = sibling ? criterionReason(sibling, about) : overallReason(about);
  else if (NAME_KEY.test(key)) text = index >= 0 ? (DEFAULT_CRITERIA[index % DEFAULT_CRITERIA.length] ?? 'quality') : ctx.subject;
  else if (ENTITY_KEY.test(key)) text = [ctx.subject, 'return value', 'error handling', 'input validation', 'side effects'][Math.max(0, index) % 5] ?? ctx.subject;
  else if (PROSE_KEY.test(key)) text = `${capitalise(about)} processes its input step by step and returns the result to its caller.`;
  else text = `${key ? key.replace(/[_-]+/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase() : 'value'} for ${ctx.subject}${index >= 0 ? ` ${index + 1}` : ''}`;
  const minLength = num(s['minLength']);
  const maxLength = num(s['maxLength']);
  while (minLength !== undefined && text.length < minLength) text += ' More detail follows.';
  if (maxLength !== undefined && text.length > maxLength) text = text.slice(0, maxLength);
  return text;
}
