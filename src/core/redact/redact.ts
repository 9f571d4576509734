/**
 * Redaction of secrets before anything leaves the machine: the code sent to a model (`codi.redact.beforeModel`,
 * see src/core/redact/input.ts) and everything exported to Opik. A match is replaced by `[REDACTED:<kind>]`,
 * so the code stays readable and what was removed stays visible, without the secret itself.
 *
 * Three layers, in order:
 *  1. Token shapes that are secrets wherever they appear (rules.ts): PEM private-key blocks, provider keys
 *     (Google `AIza…`, Anthropic `sk-ant-…`, OpenAI `sk-…`, GitHub `ghp_…`/`github_pat_…`, AWS `AKIA…`, Slack
 *     `xox…`, Stripe `sk_live_…`, Mailgun `key-…`), JWTs, `Bearer`/`Basic` credentials, passwords in URLs
 *     (also with an empty user, `redis://:pw@host`), and passwords quoted or spelled out in prose.
 *  2. Assignments whose NAME says secret (names.ts), in any language or config format: `API_KEY = "…"`,
 *     `"password": "…"`, `export GITHUB_TOKEN=…`, `apiKey: '…'`, `secret := "…"`, `<password>…</password>`,
 *     and (in JSON values) any string under such a key.
 *  3. The user's own patterns (`codi.redact.patterns`, `codi.opik.redact`), replaced by `[REDACTED:custom]`.
 *
 * Cost: layer 1 is one scan of one combined expression, layer 2 one scan for assignments and one for XML
 * elements; every pattern is bounded (rules.ts), so redaction is linear in the text's length. Layer 3 runs the
 * user's expressions as given.
 *
 * Which values count: quoted values always (unless empty or a `${…}`/`{{…}}` placeholder); unquoted
 * values when they are the rest of the line (.env, YAML, ini, shell), or when they look like a key
 * (≥ 12 characters mixing letters and digits). Code references (`process.env.API_KEY`, `getToken()`,
 * `cfg.secret`), numbers, `null`/`None`/type names are kept.
 */
import { secretNameKind } from './names';
import { ASSIGN, LINE_REST, mark, TOKEN_RULES, TOKEN_SCAN, TYPE_DECLARATION, XML_ELEMENT } from './rules';

export { secretNameKind } from './names';

export interface RedactionProblem {
  pattern: string;
  message: string;
}

/** What one redaction did. */
export interface Redaction {
  text: string;
  /** How many secrets were replaced. */
  count: number;
  /** Replacements by kind (`aws-access-key: 1`, …). */
  kinds: Record<string, number>;
}

export interface Redactor {
  /** The string with every secret replaced. */
  text(s: string): string;
  /** The string with every secret replaced, and how many were. */
  redact(s: string): Redaction;
  /**
   * A deep copy of a JSON-like value with every string redacted; strings under secret-named keys are replaced,
   * and a secret found in one string is also removed where it is repeated verbatim in another (an answer that
   * quotes the password from the input).
   */
  value<T>(v: T): T;
  /** User patterns that could not be used (invalid regex, or matching empty text); never thrown. */
  readonly problems: readonly RedactionProblem[];
}

/** Collects what a redaction replaced. */
class Tally {
  count = 0;
  readonly kinds: Record<string, number> = {};
  readonly secrets = new Map<string, string>();
  add(kind: string, secret?: string): void {
    this.count++;
    this.kinds[kind] = (this.kinds[kind] ?? 0) + 1;
    if (secret && secret.length >= 6 && this.secrets.size < 500) this.secrets.set(secret, kind);
  }
}

const KEEP_WORDS = new Set([
  'true', 'false', 'null', 'none', 'nil', 'undefined', 'str', 'string', 'int', 'number', 'bool', 'boolean', 'any', 'unknown',
  'object', 'bytes', 'secretstr', 'required', 'optional', 'char', 'varchar', 'text', 'void', 'password', 'secret', 'token',
]);

function placeholder(inner: string): boolean {
  return inner.trim() === '' || /^(\$\{|\{\{|%\(|<[^>]*>$|\[REDACTED:)/.test(inner) || inner.includes('[REDACTED:');
}

function unquotedIsSecret(v: string, lineLevel: boolean): boolean {
  if (/^[-+]?\d+(\.\d+)?$|^0x[0-9a-fA-F]+$/.test(v) || KEEP_WORDS.has(v.toLowerCase()) || v.includes('[REDACTED:')) return false;
  if (/[([{<$%]/.test(v)) return false;
  if (/^[A-Za-z_]\w*(?:(?:\.|::|->)[A-Za-z_]\w*)+$/.test(v)) return false;
  // A type name (`CancellationToken`, `SecretStr`, `URLPatternComponentResult`): PascalCase without digits.
  if (/^[A-Z][A-Za-z]*[A-Z][A-Za-z]*$/.test(v) && /[a-z]/.test(v)) return false;
  if (lineLevel) return true;
  return v.length >= 12 && /[A-Za-z]/.test(v) && /\d/.test(v);
}

function redactTokens(s: string, t: Tally): string {
  TOKEN_SCAN.lastIndex = 0;
  return s.replace(TOKEN_SCAN, (...args: unknown[]) => {
    const m = args[0] as string;
    const groups = args[args.length - 1] as Record<string, string | undefined>;
    const i = TOKEN_RULES.findIndex((_r, k) => groups[`r${k}`] !== undefined);
    const rule = TOKEN_RULES[i]!;
    if (!rule.replace) {
      t.add(rule.kind, m);
      return mark(rule.kind);
    }
    const r = rule.replace(m);
    if (!r) return m;
    t.add(rule.kind, r.secret);
    return r.text;
  });
}

function redactAssignments(s: string, t: Tally): string {
  ASSIGN.lastIndex = 0;
  let out = s.replace(ASSIGN, (m: string, q: string, name: string, op: string, value: string, offset: number) => {
    const kind = secretNameKind(name);
    if (!kind || TYPE_DECLARATION.test(s.slice(Math.max(0, offset - 16), offset))) return m;
    const first = value[0];
    if (first === '"' || first === "'" || first === '`') {
      const inner = value.slice(1, -1);
      if (placeholder(inner)) return m;
      t.add(kind, inner);
      return `${q}${name}${q}${op}${first}${mark(kind)}${first}`;
    }
    LINE_REST.lastIndex = offset + m.length;
    if (!unquotedIsSecret(value, LINE_REST.test(s))) return m;
    t.add(kind, value);
    return `${q}${name}${q}${op}${mark(kind)}`;
  });
  XML_ELEMENT.lastIndex = 0;
  out = out.replace(XML_ELEMENT, (m: string, tag: string, attrs: string | undefined, inner: string) => {
    const kind = secretNameKind(tag);
    if (!kind || placeholder(inner)) return m;
    t.add(kind, inner);
    return `<${tag}${attrs ?? ''}>${mark(kind)}</${tag}>`;
  });
  return out;
}

interface UserRule {
  source: string;
  re: RegExp;
}

/** Accepts `pattern` or `/pattern/flags`; always global. Invalid or empty-matching patterns are reported. */
function compileUserPatterns(patterns: readonly string[]): { rules: UserRule[]; problems: RedactionProblem[] } {
  const rules: UserRule[] = [];
  const problems: RedactionProblem[] = [];
  for (const raw of patterns) {
    if (typeof raw !== 'string' || raw.trim() === '') {
      problems.push({ pattern: String(raw), message: 'empty pattern' });
      continue;
    }
    const lit = /^\/(.+)\/([a-z]*)$/s.exec(raw);
    try {
      const flags = new Set((lit ? lit[2]! : '').split('').filter(Boolean));
      flags.add('g');
      const re = new RegExp(lit ? lit[1]! : raw, [...flags].join(''));
      if (new RegExp(re.source, re.flags.replace('g', '')).test('')) {
        problems.push({ pattern: raw, message: 'matches empty text, so it would redact nothing useful; ignored' });
        continue;
      }
      rules.push({ source: raw, re });
    } catch (err) {
      problems.push({ pattern: raw, message: err instanceof Error ? err.message : String(err) });
    }
  }
  return { rules, problems };
}

function applyRules(s: string, userRules: readonly UserRule[], t: Tally): string {
  let out = redactAssignments(redactTokens(s, t), t);
  for (const u of userRules) {
    u.re.lastIndex = 0;
    out = out.replace(u.re, (m: string) => {
      t.add('custom', m);
      return mark('custom');
    });
  }
  return out;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Replaces verbatim repeats of secrets found elsewhere (one scan of one alternation of literals). */
function removeRepeats(s: string, secrets: Map<string, string>, t: Tally): string {
  if (!secrets.size || !s) return s;
  const re = new RegExp([...secrets.keys()].sort((a, b) => b.length - a.length).map(escapeRe).join('|'), 'g');
  return s.replace(re, (m: string) => {
    const kind = secrets.get(m) ?? 'secret';
    t.add(kind);
    return mark(kind);
  });
}

function walk(v: unknown, text: (s: string) => string, seen: WeakSet<object>, t: Tally): unknown {
  if (typeof v === 'string') return text(v);
  if (v === null || typeof v !== 'object') return v;
  if (seen.has(v)) return '[circular]';
  seen.add(v);
  let out: unknown;
  if (Array.isArray(v)) {
    out = v.map((x) => walk(x, text, seen, t));
  } else if (v instanceof Date) {
    out = v;
  } else {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const kind = typeof x === 'string' && x.trim() !== '' ? secretNameKind(k) : null;
      if (kind && !placeholder(x as string)) {
        t.add(kind, x as string);
        o[k] = mark(kind);
      } else {
        o[k] = walk(x, text, seen, t);
      }
    }
    out = o;
  }
  seen.delete(v);
  return out;
}

export function createRedactor(userPatterns: readonly string[] = []): Redactor {
  const { rules, problems } = compileUserPatterns(userPatterns);
  const redact = (s: string): Redaction => {
    const t = new Tally();
    const text = s ? applyRules(s, rules, t) : s;
    return { text, count: t.count, kinds: t.kinds };
  };
  return {
    text: (s) => redact(s).text,
    redact,
    value: <T>(v: T): T => {
      const t = new Tally();
      const once = walk(v, (s) => (s ? applyRules(s, rules, t) : s), new WeakSet(), t);
      if (!t.secrets.size) return once as T;
      return walk(once, (s) => removeRepeats(s, t.secrets, t), new WeakSet(), t) as T;
    },
    problems,
  };
}

/** Built-in rules only. */
export const defaultRedactor: Redactor = createRedactor();
