/**
 * Redaction of secrets before anything leaves the machine (Opik export). Every string that goes out is
 * passed through `Redactor.text`; JSON values are walked with `Redactor.value`. A match is replaced by
 * `[REDACTED:<kind>]`, so what was removed stays visible in Opik without the secret itself.
 *
 * Three layers, in order:
 *  1. Token shapes that are secrets wherever they appear: PEM private-key blocks, provider keys (Google
 *     `AIza…`, Anthropic `sk-ant-…`, OpenAI `sk-…`, GitHub `ghp_…`/`github_pat_…`, AWS `AKIA…`, Slack
 *     `xox…`, Stripe `sk_live_…`), JWTs, `Bearer`/`Basic` credentials, passwords in URLs.
 *  2. Assignments whose NAME says secret, in any language or config format: `API_KEY = "…"`,
 *     `"password": "…"`, `export GITHUB_TOKEN=…`, `apiKey: '…'`, `secret := "…"`, `<password>…</password>`,
 *     and (in JSON values) any string under such a key.
 *  3. The user's own patterns (`codi.opik.redact`), replaced by `[REDACTED:custom]`.
 *
 * Which names count (see `secretNameKind`): the name is split into words (snake, kebab, dots, camelCase);
 * its LAST word must be token / secret / password / passwd / pass / passphrase, or `key` with a qualifying
 * word before it (`API_KEY`, `secretKey`, `STRIPE_KEY`, but not `key`, `primaryKey`, `sortKey`,
 * `publicKey`), or a glued form (`APIKEY`, `ACCESSTOKEN`). A trailing `value`/`b64`/… is skipped.
 * That keeps `tokenCount`, `max_tokens`, `monkey`, React's `key="row-1"` and `credentials: "include"` intact.
 *
 * Which values count: quoted values always (unless empty or a `${…}`/`{{…}}` placeholder); unquoted
 * values when they are the rest of the line (.env, YAML, ini, shell), or when they look like a key
 * (≥ 12 characters mixing letters and digits). Code references (`process.env.API_KEY`, `getToken()`,
 * `cfg.secret`), numbers, `null`/`None`/type names are kept.
 */

export interface RedactionProblem {
  pattern: string;
  message: string;
}

export interface Redactor {
  /** The string with every secret replaced. */
  text(s: string): string;
  /** A deep copy of a JSON-like value with every string redacted; strings under secret-named keys are replaced. */
  value<T>(v: T): T;
  /** User patterns that could not be used (invalid regex, or matching empty text); never thrown. */
  readonly problems: readonly RedactionProblem[];
}

const mark = (kind: string): string => `[REDACTED:${kind}]`;

interface Rule {
  kind: string;
  re: RegExp;
  /** Replacement; default replaces the whole match. */
  replace?: (m: string, ...groups: string[]) => string;
}

const TOKEN_RULES: Rule[] = [
  { kind: 'private-key', re: /-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g },
  { kind: 'anthropic-key', re: /(?<![A-Za-z0-9_-])sk-ant-[A-Za-z0-9_-]{20,}/g },
  { kind: 'openai-key', re: /(?<![A-Za-z0-9_-])sk-(?:proj-|svcacct-|admin-)?(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{20,}/g },
  { kind: 'stripe-key', re: /(?<![A-Za-z0-9_])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}/g },
  { kind: 'stripe-webhook-secret', re: /(?<![A-Za-z0-9_])whsec_[A-Za-z0-9+/=]{20,}/g },
  { kind: 'google-api-key', re: /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g },
  { kind: 'google-oauth-token', re: /(?<![A-Za-z0-9_])ya29\.[0-9A-Za-z_-]{20,}/g },
  { kind: 'github-token', re: /(?<![A-Za-z0-9_])(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}/g },
  { kind: 'github-token', re: /(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{22,}/g },
  { kind: 'aws-access-key', re: /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])/g },
  { kind: 'slack-token', re: /(?<![A-Za-z0-9_])xox[abposr]-[A-Za-z0-9-]{10,}/g },
  { kind: 'slack-token', re: /(?<![A-Za-z0-9_])xapp-\d-[A-Za-z0-9-]{10,}/g },
  { kind: 'slack-webhook', re: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]+/g },
  { kind: 'jwt', re: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  { kind: 'bearer', re: /\b(Bearer|Basic)(\s+)[A-Za-z0-9._~+/-]{12,}=*/g, replace: (_m, scheme = '', sp = '') => `${scheme}${sp}${mark('bearer')}` },
  { kind: 'password', re: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)([^\s@/]+)@/gi, replace: (_m, pre = '') => `${pre}${mark('password')}@` },
];

const FINAL_WORDS: Record<string, string> = {
  token: 'token', secret: 'secret', password: 'password', passwd: 'password', pass: 'password', passphrase: 'password',
};
/** Words before `key` that do not make it a secret. */
const PLAIN_KEY_PREFIXES = new Set([
  'primary', 'foreign', 'sort', 'partition', 'cache', 'row', 'composite', 'unique', 'public', 'lookup', 'map', 'dict', 'object',
  'storage', 'i18n', 'translation', 'message', 'route', 'query', 'shortcut', 'hot', 'keyboard', 'react', 'list', 'item', 'group',
  'idempotency', 'dedup', 'index', 'hash', 'range', 'column', 'field', 'attr', 'prop', 'state', 'local', 'session', 'redis', 'cursor',
  'sk', 'pk', 'gsi', 'lsi', 'next', 'last', 'first', 'start', 'end', 'child', 'parent', 'node', 'entry', 'record', 'type', 'data',
]);
const TRAILING_NOISE = new Set(['value', 'val', 'str', 'string', 'b64', 'base64', 'hex', 'raw', 'plain', 'text', 'env']);
const GLUED = /^(?:api|secret|private|access|auth|client|signing|encryption|master|app|admin|service|webhook|license|subscription|account|consumer|refresh|bearer|session|id)(key|token|secret|password)$/;

function words(name: string): string[] {
  return name
    .replace(/^[$@:]+/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/** The redaction kind when `name` names a secret, else null (see the file comment for the rules). */
export function secretNameKind(name: string): string | null {
  const w = words(name);
  while (w.length > 1 && TRAILING_NOISE.has(w[w.length - 1]!)) w.pop();
  const last = w[w.length - 1];
  if (!last) return null;
  const direct = FINAL_WORDS[last];
  if (direct) return direct;
  if (last === 'key') {
    const prev = w[w.length - 2];
    return prev && !PLAIN_KEY_PREFIXES.has(prev) ? 'api-key' : null;
  }
  const g = GLUED.exec(last);
  if (g) return g[1] === 'key' ? 'api-key' : FINAL_WORDS[g[1]!] ?? 'secret';
  return null;
}

const KEEP_WORDS = new Set([
  'true', 'false', 'null', 'none', 'nil', 'undefined', 'str', 'string', 'int', 'number', 'bool', 'boolean', 'any', 'unknown',
  'object', 'bytes', 'secretstr', 'required', 'optional', 'char', 'varchar', 'text', 'void', 'password', 'secret', 'token',
]);

function placeholder(inner: string): boolean {
  return inner.trim() === '' || /^(\$\{|\{\{|%\(|<[^>]*>$|\[REDACTED:)/.test(inner) || inner.includes('[REDACTED:');
}

function unquotedIsSecret(v: string, lineLevel: boolean): boolean {
  if (/^[-+]?\d+(\.\d+)?$/.test(v) || KEEP_WORDS.has(v.toLowerCase()) || v.includes('[REDACTED:')) return false;
  if (/[([{<$%]/.test(v)) return false;
  if (/^[A-Za-z_]\w*(?:(?:\.|::|->)[A-Za-z_]\w*)+$/.test(v)) return false;
  if (lineLevel) return true;
  return v.length >= 12 && /[A-Za-z]/.test(v) && /\d/.test(v);
}

// name (optionally quoted) · operator · value (quoted or bare). `==`, `=>` in comparisons/arrows are excluded.
const ASSIGN = /(?<![\w$@.-])(["'`]?)([A-Za-z_$@][\w$.-]*)\1(\s*(?::=|=>|=(?![=>~])|:(?!:))[ \t]*)("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`|[^\s,;)}\]"'`]+)/g;
const XML_ELEMENT = /<([A-Za-z_][\w.-]*)(\s[^<>]*)?>([^<\n]{1,500})<\/\1>/g;

function redactAssignments(s: string): string {
  let out = s.replace(ASSIGN, (m: string, q: string, name: string, op: string, value: string, offset: number) => {
    const kind = secretNameKind(name);
    if (!kind) return m;
    const first = value[0];
    if (first === '"' || first === "'" || first === '`') {
      const inner = value.slice(1, -1);
      return placeholder(inner) ? m : `${q}${name}${q}${op}${first}${mark(kind)}${first}`;
    }
    const end = offset + m.length;
    const rest = s.slice(end, s.indexOf('\n', end) === -1 ? s.length : s.indexOf('\n', end));
    const lineLevel = /^\s*(?:(?:#|\/\/|;).*)?\r?$/.test(rest);
    return unquotedIsSecret(value, lineLevel) ? `${q}${name}${q}${op}${mark(kind)}` : m;
  });
  out = out.replace(XML_ELEMENT, (m: string, tag: string, attrs: string | undefined, inner: string) => {
    const kind = secretNameKind(tag);
    return kind && !placeholder(inner) ? `<${tag}${attrs ?? ''}>${mark(kind)}</${tag}>` : m;
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

function applyRules(s: string, userRules: readonly UserRule[]): string {
  let out = s;
  for (const r of TOKEN_RULES) {
    r.re.lastIndex = 0;
    out = r.replace ? out.replace(r.re, r.replace) : out.replace(r.re, mark(r.kind));
  }
  out = redactAssignments(out);
  for (const u of userRules) {
    u.re.lastIndex = 0;
    out = out.replace(u.re, mark('custom'));
  }
  return out;
}

function walk(v: unknown, text: (s: string) => string, seen: WeakSet<object>): unknown {
  if (typeof v === 'string') return text(v);
  if (v === null || typeof v !== 'object') return v;
  if (seen.has(v)) return '[circular]';
  seen.add(v);
  let out: unknown;
  if (Array.isArray(v)) {
    out = v.map((x) => walk(x, text, seen));
  } else if (v instanceof Date) {
    out = v;
  } else {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const kind = typeof x === 'string' && x.trim() !== '' ? secretNameKind(k) : null;
      o[k] = kind && !placeholder(x as string) ? mark(kind) : walk(x, text, seen);
    }
    out = o;
  }
  seen.delete(v);
  return out;
}

export function createRedactor(userPatterns: readonly string[] = []): Redactor {
  const { rules, problems } = compileUserPatterns(userPatterns);
  const text = (s: string): string => (s ? applyRules(s, rules) : s);
  return {
    text,
    value: <T>(v: T): T => walk(v, text, new WeakSet()) as T,
    problems,
  };
}

/** Built-in rules only. */
export const defaultRedactor: Redactor = createRedactor();
