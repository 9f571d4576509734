/**
 * Which assignment names say "secret" (see redact.ts): the name is split into words (snake, kebab, dots,
 * camelCase); its LAST word must be token / secret / password / passwd / pass / passphrase, or `key` with a
 * qualifying word before it (`API_KEY`, `secretKey`, `STRIPE_KEY`, but not `key`, `primaryKey`, `sortKey`,
 * `publicKey`), or a glued form (`APIKEY`, `ACCESSTOKEN`). A trailing `value`/`b64`/… is skipped.
 * That keeps `tokenCount`, `max_tokens`, `monkey`, React's `key="row-1"` and `credentials: "include"` intact.
 */

/** Longer names are never secret names; the bound keeps the splitting below linear on adversarial input. */
export const MAX_NAME = 100;

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

/** The redaction kind when `name` names a secret, else null. */
export function secretNameKind(name: string): string | null {
  if (name.length > MAX_NAME) return null;
  const w = words(name);
  while (w.length > 1 && TRAILING_NOISE.has(w[w.length - 1]!)) w.pop();
  const last = w[w.length - 1];
  if (!last) return null;
  // Own properties only: `constructor` or `toString` are names, not secrets.
  const direct = Object.hasOwn(FINAL_WORDS, last) ? FINAL_WORDS[last] : undefined;
  if (direct) return direct;
  if (last === 'key') {
    const prev = w[w.length - 2];
    return prev && !PLAIN_KEY_PREFIXES.has(prev) ? 'api-key' : null;
  }
  const g = GLUED.exec(last);
  if (g) return g[1] === 'key' ? 'api-key' : (Object.hasOwn(FINAL_WORDS, g[1]!) ? FINAL_WORDS[g[1]!] : undefined) ?? 'secret';
  return null;
}
