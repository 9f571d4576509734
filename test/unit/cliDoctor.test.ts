/**
 * `codi doctor`, the bundled CLI as a child process, against the Gemini and Opik stand-ins: it finds a
 * missing key, a bad key, an unreachable endpoint and an unreachable Opik, one line per problem with its
 * fix, exit 1; a healthy setup exits 0. `codi store check` keeps its own output and exit code (6).
 */
import assert from 'node:assert/strict';
import type { CliRun } from '../support/cliKit';
import { buildCli, startCli } from '../support/cliKit';
import { closedPort, tempDir } from '../support/fixtures';
import { startGeminiStandIn } from '../support/geminiStandIn';
import type { GeminiStandIn } from '../support/geminiStandIn';
import { OpikStandIn } from '../support/opikStandIn';

interface DoctorJson {
  level: string;
  checks: Array<{ id: string; level: string; message: string; fix?: { id: string; text: string } }>;
  problems: string[];
}


const problems = (r: CliRun) => r.stdout.split('\n').filter((l) => /^(error|warning): /.test(l));

describe('codi doctor (bundled, against the Gemini and Opik stand-ins)', function () {
  this.timeout(90_000);
  let bin: { cli: string; cleanup: () => void };
  let gemini: GeminiStandIn;
  let home: ReturnType<typeof tempDir>;

  before(async () => (bin = await buildCli('codi-doctor-bin-')));
  after(() => bin.cleanup());
  beforeEach(async () => {
    gemini = await startGeminiStandIn();
    home = tempDir('codi-doctor-home-');
  });
  afterEach(async () => {
    await gemini.close();
    home.cleanup();
  });

  const doctor = (env: Record<string, string>, args: string[] = []): Promise<CliRun> =>
    startCli(bin.cli, ['doctor', ...args], home.dir, { CODI_HOME: home.dir, GOOGLE_GEMINI_BASE_URL: gemini.url, ...env }).done;

  it('healthy: every line ok, exit 0, "No problems found."', async () => {
    const r = await doctor({ GEMINI_API_KEY: 'test-key' });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^ok +Gemini API key +Set, and accepted by http:\/\/127\.0\.0\.1:\d+\./m);
    assert.match(r.stdout, /^ok +Trace store +.*0 trace\(s\)/m);
    assert.match(r.stdout, /No problems found\./);
    assert.ok(gemini.requests.every((q) => q.method === 'GET' && q.action === 'get'), 'only models.get: nothing paid for');
  });

  it('a missing key: exit 1, one problem line with the variable to set', async () => {
    const r = await doctor({});
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.deepEqual(problems(r), ['error: Gemini API key: No Gemini API key is set. → Set GEMINI_API_KEY (or GOOGLE_API_KEY) to a key from https://aistudio.google.com/apikey.']);
    assert.equal(gemini.requests.length, 0);
  });

  it('a bad key (400 API_KEY_INVALID): exit 1, the key line names the refusal and the fix', async () => {
    const r = await doctor({ GEMINI_API_KEY: 'bad-key' }, ['--json']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const j = JSON.parse(r.stdout) as DoctorJson;
    const key = j.checks.find((c) => c.id === 'gemini-key')!;
    assert.equal(key.level, 'error');
    assert.match(key.message, /Gemini rejected the API key: API key not valid/);
    assert.equal(key.fix?.id, 'set-gemini-key');
    assert.equal(j.problems.length, 1, j.problems.join('\n'));
  });

  it('an unreachable endpoint (closed port): exit 1, the endpoint line names the URL and the fix', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await doctor({ GEMINI_API_KEY: 'test-key', GOOGLE_GEMINI_BASE_URL: url });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const lines = problems(r);
    assert.equal(lines.length, 1, r.stdout);
    assert.ok(lines[0]!.startsWith(`error: Gemini endpoint: Gemini could not be reached at ${url}: the connection was refused (ECONNREFUSED). → Check your connection or proxy, or GOOGLE_GEMINI_BASE_URL`), lines[0]);
  });

  it('an unreachable Opik: exit 1, the Opik line names its URL and OPIK_URL_OVERRIDE', async () => {
    const opik = await OpikStandIn.start();
    const url = opik.url;
    await opik.down();
    try {
      const r = await doctor({ GEMINI_API_KEY: 'test-key', CODI_OPIK: '1', OPIK_URL_OVERRIDE: url });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const lines = problems(r);
      assert.equal(lines.length, 1, r.stdout);
      assert.ok(lines[0]!.startsWith(`error: Opik: Opik cannot be reached at ${url}: no answer from Opik`), lines[0]);
      assert.match(lines[0]!, /→ Check OPIK_URL_OVERRIDE/);
    } finally {
      await opik.close();
    }
  });

  it('a reachable Opik with the right key: ok, and the project named', async () => {
    const opik = await OpikStandIn.start();
    try {
      const r = await doctor({ GEMINI_API_KEY: 'test-key', OPIK_URL_OVERRIDE: opik.url, OPIK_API_KEY: opik.apiKey, OPIK_WORKSPACE: opik.workspace });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^ok +Opik +http:\/\/127\.0\.0\.1:\d+\/api answers, key accepted, workspace "codi-test"/m);
    } finally {
      await opik.close();
    }
  });
});
