/**
 * The built-in secret shapes, as ONE regular expression scanned once over the text (see redact.ts). Every
 * alternative starts with a look-behind that refuses to start inside a run of the characters it consumes, and
 * every quantifier that is followed by more pattern is bounded, so no input makes a scan backtrack more than a
 * constant per character: the scan is linear in the text (1 MB adversarial inputs in test/unit/redactSpeed).
 */

export const mark = (kind: string): string => `[REDACTED:${kind}]`;

export interface TokenRule {
  kind: string;
  /** Pattern source: no capturing groups (the combined expression names one group per rule). */
  src: string;
  /** Replacement of a match; returns null to keep the match (it was not a secret after all). */
  replace?: (m: string) => { text: string; secret: string } | null;
}

const PASSWORD_WORD = '(?:[Pp]ass(?:word|phrase|wd)|PASS(?:WORD|PHRASE|WD))';
/** Plain words the model may put after "password is" that are not the password. */
const PROSE_KEEP = /^(?:a|an|the|not|set|required|optional|empty|missing|wrong|incorrect|correct|stored|hashed|never|always|only|also|sent|read|used|taken|given|passed|provided|redacted|hidden|masked|null|none|undefined|string|this|that|your|their|its|from|in|on|at|to|for|of|by|with|as)$/i;

export const TOKEN_RULES: TokenRule[] = [
  {
    // The body is base64 lines and RFC 1421 headers; a single "-" (never "-----") keeps the END line out of it.
    kind: 'private-key',
    src: '-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:[A-Za-z0-9+/=\\s:,.]|-(?!----)){0,65536}(?:-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----)?',
  },
  { kind: 'anthropic-key', src: '(?<![A-Za-z0-9_-])sk-ant-[A-Za-z0-9_-]{20,}' },
  { kind: 'openai-key', src: '(?<![A-Za-z0-9_-])sk-(?:proj-|svcacct-|admin-)?(?=[A-Za-z0-9_-]{0,200}\\d)[A-Za-z0-9_-]{20,}' },
  { kind: 'stripe-key', src: '(?<![A-Za-z0-9_])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}' },
  { kind: 'stripe-webhook-secret', src: '(?<![A-Za-z0-9_])whsec_[A-Za-z0-9+/=]{20,}' },
  { kind: 'google-api-key', src: '(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])' },
  { kind: 'google-oauth-token', src: '(?<![A-Za-z0-9_])ya29\\.[0-9A-Za-z_-]{20,}' },
  { kind: 'github-token', src: '(?<![A-Za-z0-9_])(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}' },
  { kind: 'github-token', src: '(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{22,}' },
  { kind: 'aws-access-key', src: '(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])' },
  { kind: 'mailgun-key', src: '(?<![A-Za-z0-9_-])key-(?=[a-z]{0,31}[0-9])[0-9a-z]{32}(?![0-9A-Za-z])' },
  { kind: 'slack-token', src: '(?<![A-Za-z0-9_])xox[abposr]-[A-Za-z0-9-]{10,}' },
  { kind: 'slack-token', src: '(?<![A-Za-z0-9_])xapp-\\d-[A-Za-z0-9-]{10,}' },
  { kind: 'slack-webhook', src: 'https:\\/\\/hooks\\.slack\\.com\\/services\\/[A-Za-z0-9/_-]+' },
  { kind: 'jwt', src: '(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,2048}\\.eyJ[A-Za-z0-9_-]{8,8192}\\.[A-Za-z0-9_-]{8,}' },
  {
    kind: 'bearer',
    src: '(?<![A-Za-z0-9_])(?:Bearer|Basic)[ \\t]{1,8}[A-Za-z0-9._~+/-]{12,}=*',
    replace: (m) => {
      const cut = /^(?:Bearer|Basic)[ \t]+/.exec(m)![0];
      return { text: `${cut}${mark('bearer')}`, secret: m.slice(cut.length) };
    },
  },
  {
    // scheme://user:password@ — the user may be empty (redis://:pw@host).
    kind: 'password',
    src: '(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,30}:\\/\\/[^\\s:/@]{0,256}:[^\\s@/]{1,512}@',
    replace: (m) => {
      const cut = m.indexOf(':', m.indexOf('://') + 3) + 1;
      return { text: `${m.slice(0, cut)}${mark('password')}@`, secret: m.slice(cut, -1) };
    },
  },
  {
    // A password quoted or spelled out in prose: 'the password is "hunter2!"', 'password `s3cret`', 'Password: Tr0ub4dor&3'.
    kind: 'password',
    src: `(?<![A-Za-z0-9_])${PASSWORD_WORD}(?:[ \\t]{1,4}(?:is|was|would be|of the \\w{1,30} is)|[ \\t]{0,4}[:=])?[ \\t]{0,4}(?:[\`"'“‘][^\`"'”’\\s]{4,200}[\`"'”’]|(?<=(?:is|was|:)[ \\t]{1,4})[^\\s\`"'“‘,;]{6,200})`,
    replace: (m) => {
      const q = /[`"'“‘]([^`"'”’\s]+)[`"'”’]$/.exec(m);
      const value = q ? q[1]! : /(\S+)$/.exec(m)![1]!;
      const bare = value.replace(/[.!?)]+$/, '');
      if (/^(?:\$\{|\{\{|%\(|<|\[REDACTED:)/.test(value)) return null;
      if (!q && (PROSE_KEEP.test(bare) || /^[A-Za-z]+$/.test(bare))) return null;
      const at = m.length - (q ? value.length + 1 : value.length);
      const kept = q ? value : bare;
      return { text: `${m.slice(0, at)}${mark('password')}${m.slice(at + kept.length)}`, secret: kept };
    },
  },
];

/** All token rules as one expression with a named group per rule (`r0`, `r1`, …). */
export const TOKEN_SCAN = new RegExp(TOKEN_RULES.map((r, i) => `(?<r${i}>${r.src})`).join('|'), 'g');

// name (optionally quoted) · operator · value (quoted or bare). `==`, `=>` in comparisons/arrows are excluded.
// Bounded: a name of at most 100 characters, values of at most 4,096 (a longer quoted value is left alone).
export const ASSIGN = /(?<![\w$@.-])(["'`]?)([A-Za-z_$@][\w$.-]{0,99})\1([ \t]{0,16}(?::=|=>|=(?![=>~])|:(?!:))[ \t]{0,16})("(?:[^"\\\n]|\\.){0,4096}"|'(?:[^'\\\n]|\\.){0,4096}'|`(?:[^`\\]|\\.){0,4096}`|[^\s,;)}\]"'`]{1,4096})/g;
export const XML_ELEMENT = /<([A-Za-z_][\w.-]{0,99})(\s[^<>]{0,1024})?>([^<\n]{1,500})<\/\1>/g;
/** After a bare value: only a comment or the end of the line (then the value is the rest of the line). */
// (`;` ends statements in code, so it does not count as an ini comment: `password: Credential;` is a type.)
export const LINE_REST = /[ \t]*(?:#|\/\/|\r?\n|\r?$)/y;
/** Just before a name: a type declaration (`type AuthToken = "a" | "b"`), never a secret. */
export const TYPE_DECLARATION = /\b(?:type|interface|enum)\s+$/;
