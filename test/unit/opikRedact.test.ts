import assert from 'node:assert/strict';
import { createRedactor, defaultRedactor, secretNameKind } from '../../src/core/redact/redact';
import { FAKE } from '../support/opikFixtures';

const r = defaultRedactor;

describe('Opik redaction: provider key shapes', () => {
  const cases: Array<[keyof typeof FAKE, string]> = [
    ['google', 'google-api-key'],
    ['openai', 'openai-key'],
    ['anthropic', 'anthropic-key'],
    ['github', 'github-token'],
    ['githubPat', 'github-token'],
    ['aws', 'aws-access-key'],
    ['slack', 'slack-token'],
    ['stripe', 'stripe-key'],
    ['jwt', 'jwt'],
    ['pem', 'private-key'],
  ];
  for (const [name, kind] of cases) {
    it(`redacts a ${name} secret in prose and in code`, () => {
      const secret = FAKE[name];
      const prose = r.text(`here it is: ${secret} — keep it safe`);
      assert.ok(!prose.includes(secret), prose);
      assert.ok(prose.includes(`[REDACTED:${kind}]`), prose);
      const code = r.text(`client = Client(${JSON.stringify(secret)})\n`);
      assert.ok(!code.includes(secret), code);
    });
  }

  it('redacts Bearer/Basic credentials and passwords in URLs, keeping the rest', () => {
    assert.equal(r.text('Authorization: Bearer abcdef0123456789abcdef'), 'Authorization: Bearer [REDACTED:bearer]');
    assert.equal(r.text('curl -H "Authorization: Basic dXNlcjpwYXNzd29yZA=="'), 'curl -H "Authorization: Basic [REDACTED:bearer]"');
    assert.equal(r.text('DATABASE_URL=postgres://app:s3cr3t-pw@db:5432/app'), 'DATABASE_URL=postgres://app:[REDACTED:password]@db:5432/app');
  });

  it('redacts a PEM block even when its END line is missing', () => {
    const cut = FAKE.pem.split('-----END')[0]!;
    assert.equal(r.text(`key:\n${cut}`), 'key:\n[REDACTED:private-key]');
  });
});

describe('Opik redaction: secret-named assignments in code and config', () => {
  const redacted: Array<[string, string]> = [
    ['API_KEY = "abc123"', 'API_KEY = "[REDACTED:api-key]"'],
    ["const apiKey = 'hunter2-long';", "const apiKey = '[REDACTED:api-key]';"],
    ['{"password": "correct horse"}', '{"password": "[REDACTED:password]"}'],
    ['export GITHUB_TOKEN=abcdef', 'export GITHUB_TOKEN=[REDACTED:token]'],
    ['DB_PASS=hunter2', 'DB_PASS=[REDACTED:password]'],
    ['client_secret: s3cr3t  # yaml', 'client_secret: [REDACTED:secret]  # yaml'],
    ['secret := "go-value"', 'secret := "[REDACTED:secret]"'],
    ["'api_key' => 'php-value',", "'api_key' => '[REDACTED:api-key]',"],
    ['connect(user="u", password="pw")', 'connect(user="u", password="[REDACTED:password]")'],
    ['private static final String SECRET_KEY = "javaSecret";', 'private static final String SECRET_KEY = "[REDACTED:api-key]";'],
    ['X-Api-Key: 9f8e7d6c5b4a', 'X-Api-Key: [REDACTED:api-key]'],
    ['STRIPE_KEY=whatever', 'STRIPE_KEY=[REDACTED:api-key]'],
    ['APIKEY=glued', 'APIKEY=[REDACTED:api-key]'],
    ['<password>xml-secret</password>', '<password>[REDACTED:password]</password>'],
    ['f(token=abc123def456ghi)', 'f(token=[REDACTED:token])'],
    ['ACCESS_TOKEN_VALUE="v"', 'ACCESS_TOKEN_VALUE="[REDACTED:token]"'],
  ];
  for (const [input, expected] of redacted) {
    it(`redacts ${input}`, () => assert.equal(r.text(input), expected));
  }

  const kept = [
    'const key = item.id;',
    '<li key="row-1">',
    'primaryKey: "id",',
    'publicKey = "ssh-ed25519 AAAA"',
    'max_tokens = 1024',
    'tokenCount: 42,',
    'monkey = "banana"',
    'apiKey = process.env.API_KEY;',
    'password: string;',
    'def login(password: str):',
    'token = get_token()',
    '{ password: pw }',
    'credentials: "include"',
    'if (apiKey == "x") {}',
    'API_KEY=${API_KEY}',
    'secret = "{{ vault.secret }}"',
    'sortKey: "createdAt"',
  ];
  for (const input of kept) {
    it(`keeps ${input}`, () => assert.equal(r.text(input), input));
  }

  it('classifies names by their last word', () => {
    assert.equal(secretNameKind('OPENAI_API_KEY'), 'api-key');
    assert.equal(secretNameKind('dbPassword'), 'password');
    assert.equal(secretNameKind('refreshToken'), 'token');
    assert.equal(secretNameKind('AWS_SECRET_ACCESS_KEY'), 'api-key');
    assert.equal(secretNameKind('key'), null);
    assert.equal(secretNameKind('token_url'), null);
    assert.equal(secretNameKind('prompt_tokens'), null);
  });
});

describe('Opik redaction: JSON values and user patterns', () => {
  it('walks nested objects and arrays, redacting strings and secret-named fields', () => {
    const input = {
      code: `const k = "${FAKE.google}";`,
      nested: { list: ['plain', { env: `export OPENAI_API_KEY=${FAKE.openai}` }], apiKey: 'plain-looking', count: 3 },
      usage: { prompt_tokens: 10, total_tokens: 20 },
      empty: '',
      n: null,
    };
    const out = r.value(input);
    const text = JSON.stringify(out);
    assert.ok(!text.includes(FAKE.google) && !text.includes(FAKE.openai) && !text.includes('plain-looking'), text);
    assert.equal(out.nested.apiKey, '[REDACTED:api-key]');
    assert.equal(out.nested.list[0], 'plain');
    assert.deepEqual(out.usage, { prompt_tokens: 10, total_tokens: 20 });
    assert.equal(out.empty, '');
    assert.equal(out.n, null);
    assert.equal(input.nested.apiKey, 'plain-looking', 'the input is not modified');
  });

  it('applies user patterns (plain and /…/flags) and reports invalid ones without throwing', () => {
    const red = createRedactor(['ACME-[0-9]{6}', '/internal\\.example\\.com/i', '([unclosed', '', 'x*']);
    assert.equal(red.text('ticket ACME-123456 on INTERNAL.example.com'), 'ticket [REDACTED:custom] on [REDACTED:custom]');
    assert.deepEqual(red.problems.map((p) => p.pattern), ['([unclosed', '', 'x*']);
    assert.match(red.problems[0]!.message, /Invalid regular expression|Unterminated/i);
    assert.match(red.problems[2]!.message, /empty text/);
  });

  it('is idempotent: redacting twice changes nothing more', () => {
    const once = r.text(`API_KEY="${FAKE.aws}" and ${FAKE.jwt}`);
    assert.equal(r.text(once), once);
  });
});
