import assert from 'node:assert/strict';
import { createRedactor, defaultRedactor } from '../../src/core/redact/redact';
import { FAKE } from '../support/opikFixtures';

const MB = 1 << 20;
const fill = (unit: string): string => unit.repeat(Math.ceil(MB / unit.length)).slice(0, MB);

/**
 * 1 MB adversarial inputs for every pattern family (the old patterns took 19.5 s on 200,000 characters of long
 * upper-case names). Times are printed, not asserted (shared machines); each case checks the output.
 */
const ADVERSARIAL: Array<[string, string]> = [
  ['one upper-case name', fill('A')],
  ['upper-case name = 1', `${'X'.repeat(MB - 2)}=1`],
  ['UPPER_NAMES=…', fill('AWS_SECRET_ACCESS_KEY_ID_')],
  ['camelCase run', fill('aB')],
  ['dotted run', fill('a.')],
  ['hyphen run', fill('a-')],
  ['plus run', fill('a+')],
  ['scheme-like a://', fill('a://b:')],
  ['sk- repeated', fill('sk-')],
  ['eyJ segments', fill('eyJaaaaaaaaa.')],
  ['PEM headers without END', fill('-----BEGIN PRIVATE KEY-----#')],
  ['Bearer repeated', fill('Bearer ')],
  ['password is …', fill('password is x')],
  ['assignments on one line', fill('token=abc ')],
  ['unclosed quotes', fill('a="')],
  ['XML openings', fill('<password>')],
];

describe('redaction is linear: 1 MB adversarial inputs', () => {
  for (const [name, input] of ADVERSARIAL) {
    it(name, () => {
      const t0 = performance.now();
      const r = defaultRedactor.redact(input);
      const ms = performance.now() - t0;
      console.log(`      ${name.padEnd(26)} ${(input.length / MB).toFixed(2)} MB  ${ms.toFixed(0).padStart(6)} ms  ${r.count} redactions`);
      assert.ok(r.text.length > 0);
      assert.equal(defaultRedactor.text(r.text), r.text, 'idempotent');
    });
  }

  it('a 1 MB file with secrets spread through it: all redacted, code kept', () => {
    const chunk = `function f(i) { return i * 2; }\nconst KEY = "${FAKE.google}";\n`;
    const input = chunk.repeat(Math.ceil(MB / chunk.length));
    const t0 = performance.now();
    const r = defaultRedactor.redact(input);
    console.log(`      ${'1 MB with secrets'.padEnd(26)} ${(input.length / MB).toFixed(2)} MB  ${(performance.now() - t0).toFixed(0).padStart(6)} ms  ${r.count} redactions`);
    assert.ok(!r.text.includes(FAKE.google));
    assert.equal(r.count, Math.ceil(MB / chunk.length));
    assert.equal(r.text.split('function f(i)').length, input.split('function f(i)').length);
  });
});

describe('redaction: secrets the Opik export used to miss', () => {
  const r = createRedactor();
  it('a Redis URL with an empty user', () => {
    assert.equal(r.text('REDIS_URL=redis://:s3cretPw@cache:6379/0'), 'REDIS_URL=redis://:[REDACTED:password]@cache:6379/0');
  });
  it('a Mailgun key-…', () => {
    const key = `ke${'y-'}3ax6xnjp29jd6fds4gc373sgvjxteol0`;
    assert.equal(r.text(`auth=("api", "${key}")`), 'auth=("api", "[REDACTED:mailgun-key]")');
    assert.equal(r.text('class="key-value-pair"'), 'class="key-value-pair"');
  });
  it('a password the model repeated in prose', () => {
    assert.equal(r.text('The admin password is Tr0ub4dor&3, change it.'), 'The admin password is [REDACTED:password], change it.');
    assert.equal(r.text('Use the password `hunter2xyz` to log in.'), 'Use the password `[REDACTED:password]` to log in.');
    assert.equal(r.text('The password is required.'), 'The password is required.');
    assert.equal(r.text('the password is incorrect'), 'the password is incorrect');
  });
  it('a secret from the input repeated verbatim in the answer (JSON values)', () => {
    const out = r.value({ input: { code: 'DB_PASSWORD=plainwords' }, output: 'It connects with plainwords as the password.' });
    assert.deepEqual(out, { input: { code: 'DB_PASSWORD=[REDACTED:password]' }, output: 'It connects with [REDACTED:password] as the password.' });
  });
  it('counts what it replaced, by kind', () => {
    const x = r.redact(`A=${FAKE.aws}\nB="${FAKE.github}"\npassword = "pw-123456"`);
    assert.equal(x.count, 3);
    assert.deepEqual(x.kinds, { 'aws-access-key': 1, 'github-token': 1, password: 1 });
  });
  it('names that merely look like secrets are kept (constructor, type declarations, hex constants, type names)', () => {
    for (const s of ['constructor: Function;', 'type AssertionKey = "a" | "b";', 'readonly STENCIL_PASS_DEPTH_PASS: 0x0B96;', 'cancellationToken: HostCancellationToken;', 'password: URLPatternComponentResult']) {
      assert.equal(r.text(s), s);
    }
  });
});
