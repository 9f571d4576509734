/**
 * The status/health model (src/core/health) against the wire-level stand-ins: the Gemini stand-in answers
 * `models.get` as Google does (400 API_KEY_INVALID for a bad key, 404 for an unknown model), the Opik
 * stand-in answers `projects/retrieve` (401 for a wrong key), and a closed port is an endpoint that cannot
 * be reached. Each line must name what is wrong and carry the fix that runs the right action.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkGemini } from '../../src/core/health/gemini';
import { checkCost, checkOtlp, checkStoreHealth } from '../../src/core/health/local';
import { checkOpik } from '../../src/core/health/opik';
import { problemLines, runHealthChecks } from '../../src/core/health/report';
import type { HealthCheck } from '../../src/core/health/types';
import { closedPort, tempDir } from '../support/fixtures';
import { startGeminiStandIn } from '../support/geminiStandIn';
import type { GeminiStandIn } from '../support/geminiStandIn';
import { OpikStandIn } from '../support/opikStandIn';

const MODEL = 'gemini-2.5-flash';
const byId = (checks: HealthCheck[]) => Object.fromEntries(checks.map((c) => [c.id, c]));


describe('health: Gemini key, endpoint and models (models.get against the stand-in)', function () {
  this.timeout(20_000);
  let gemini: GeminiStandIn;
  beforeEach(async () => (gemini = await startGeminiStandIn({ knownModels: [MODEL, 'gemini-2.5-pro'] })));
  afterEach(() => gemini.close());

  it('all good: one models.get per distinct model, with the key; every line ok', async () => {
    const c = byId(await checkGemini({ apiKey: 'test-key', baseUrl: gemini.url, models: [MODEL, MODEL, 'gemini-2.5-pro', ''], surface: 'editor' }));
    assert.deepEqual(Object.values(c).map((x) => x.level), ['ok', 'ok', 'ok']);
    assert.deepEqual(gemini.requests.map((r) => [r.method, r.path, r.apiKey]), [
      ['GET', `/v1beta/models/${MODEL}`, 'test-key'],
      ['GET', '/v1beta/models/gemini-2.5-pro', 'test-key'],
    ]);
    assert.match(c['gemini-models']!.message, /gemini-2\.5-flash .*gemini-2\.5-pro .*available/);
    assert.ok(c['gemini-endpoint']!.message.includes(gemini.url));
  });

  it('probe off (the status bar\'s frequent check): the key is only looked at, nothing is sent', async () => {
    const c = byId(await checkGemini({ apiKey: 'bad-key', baseUrl: gemini.url, models: [MODEL], surface: 'editor', probe: false }));
    assert.deepEqual(Object.values(c).map((x) => x.level), ['ok', 'skipped', 'skipped']);
    assert.equal(gemini.requests.length, 0);
  });

  it('a missing key: an error with "set the key" as fix, and nothing sent', async () => {
    const c = byId(await checkGemini({ apiKey: '', baseUrl: gemini.url, models: [MODEL], surface: 'editor' }));
    assert.equal(c['gemini-key']!.level, 'error');
    assert.equal(c['gemini-key']!.fix?.id, 'set-gemini-key');
    assert.match(c['gemini-key']!.fix!.text, /CODI: Set Gemini API Key/);
    assert.equal(c['gemini-endpoint']!.level, 'skipped');
    assert.equal(gemini.requests.length, 0);
  });

  it('a bad key (400 API_KEY_INVALID): the key line is the error, the endpoint answered', async () => {
    const c = byId(await checkGemini({ apiKey: 'bad-key', baseUrl: gemini.url, models: [MODEL], surface: 'cli' }));
    assert.equal(c['gemini-key']!.level, 'error');
    assert.match(c['gemini-key']!.message, /rejected the API key/);
    assert.equal(c['gemini-key']!.fix?.id, 'set-gemini-key');
    assert.match(c['gemini-key']!.fix!.text, /GEMINI_API_KEY/);
    assert.equal(c['gemini-endpoint']!.level, 'ok');
    assert.equal(gemini.requests.length, 1, 'one attempt: a refused key is not retried');
  });

  it('an unreachable endpoint (closed port): the endpoint line is the error and names the URL', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const c = byId(await checkGemini({ apiKey: 'test-key', baseUrl: url, models: [MODEL], surface: 'editor' }));
    assert.equal(c['gemini-endpoint']!.level, 'error');
    assert.ok(c['gemini-endpoint']!.message.includes(url), c['gemini-endpoint']!.message);
    assert.match(c['gemini-endpoint']!.message, /refused/);
    assert.equal(c['gemini-endpoint']!.fix?.id, 'gemini-endpoint');
    assert.match(c['gemini-endpoint']!.fix!.text, /codi\.apiBaseUrl/);
    assert.equal(c['gemini-key']!.level, 'skipped');
  });

  it('an unknown model (404): the models line is the error, key and endpoint ok', async () => {
    const c = byId(await checkGemini({ apiKey: 'test-key', baseUrl: gemini.url, models: [MODEL, 'gemini-9-nope'], surface: 'editor' }));
    assert.equal(c['gemini-key']!.level, 'ok');
    assert.equal(c['gemini-endpoint']!.level, 'ok');
    assert.equal(c['gemini-models']!.level, 'error');
    assert.match(c['gemini-models']!.message, /"gemini-9-nope" was not found.*Available: gemini-2\.5-flash/);
    assert.equal(c['gemini-models']!.fix?.id, 'model-settings');
  });
});

describe('health: Opik (projects/retrieve through the SDK transport against the stand-in)', function () {
  this.timeout(30_000);
  let opik: OpikStandIn;
  beforeEach(async () => (opik = await OpikStandIn.start()));
  afterEach(() => opik.close());
  const input = (apiKey: string | null, outbox: { pending: number; failed: number; lastError: string | null } | null = null) => ({
    enabled: true, settings: { url: opik.url, workspace: opik.workspace, project: 'CODI' }, apiKey, surface: 'editor' as const, outbox,
  });

  it('off: ok, with "enable" as the next step; nothing sent', async () => {
    const [c] = await checkOpik({ ...input(null), enabled: false });
    assert.equal(c!.level, 'ok');
    assert.equal(c!.fix?.id, 'enable-opik');
    assert.equal(opik.requests.length, 0);
  });

  it('reachable with the right key: ok, names workspace and project; an empty outbox is ok', async () => {
    const [c, box] = await checkOpik(input(opik.apiKey));
    assert.equal(c!.level, 'ok', c!.message);
    assert.match(c!.message, /key accepted, workspace "codi-test"; project "CODI" is created by the first exported trace/);
    assert.ok(opik.requests.some((r) => r.path === '/api/v1/private/projects/retrieve' && r.headers.authorization === opik.apiKey));
    assert.equal(box!.level, 'ok');
  });

  it('probe off: the configuration and the outbox are looked at, Opik is not contacted', async () => {
    const [c, box] = await checkOpik({ ...input('wrong-key', { pending: 2, failed: 0, lastError: null }), probe: false });
    assert.equal(c!.level, 'ok');
    assert.match(c!.message, /not contacted yet/);
    assert.match(box!.message, /2 pending/);
    assert.equal(opik.requests.length, 0);
  });

  it('a wrong key (401): error with "set the Opik key" as fix', async () => {
    const [c] = await checkOpik(input('wrong-key'));
    assert.equal(c!.level, 'error');
    assert.match(c!.message, /refused the API key/);
    assert.equal(c!.fix?.id, 'set-opik-key');
  });

  it('unreachable (port closed): error naming the URL, fix points at the URL setting; outbox depth and last error shown', async () => {
    await opik.down();
    const [c, box] = await checkOpik(input(opik.apiKey, { pending: 3, failed: 1, lastError: 'no answer from Opik (fetch failed)' }));
    assert.equal(c!.level, 'error');
    assert.match(c!.message, /cannot be reached at http:\/\/127\.0\.0\.1:\d+\/api/);
    assert.equal(c!.fix?.id, 'opik-settings');
    assert.equal(box!.level, 'warn');
    assert.match(box!.message, /3 pending, 1 refused for good\. Last error: no answer from Opik/);
    assert.equal(box!.fix?.id, 'sync-opik');
  });
});

describe('health: OTLP receiver, store, cost, and the whole report', function () {
  this.timeout(20_000);

  it('OTLP: off when unset; ok when something answers; error on a closed port', async () => {
    assert.equal((await checkOtlp('', 'editor')).level, 'ok');
    const server = http.createServer((_q, s) => s.writeHead(405).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const up = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const ok = await checkOtlp(up, 'editor');
      assert.equal(ok.level, 'ok');
      assert.match(ok.message, /HTTP 405/);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
    const down = await checkOtlp(`http://127.0.0.1:${await closedPort()}/v1/traces`, 'cli');
    assert.equal(down.level, 'error');
    assert.match(down.message, /ECONNREFUSED/);
    assert.match(down.fix!.text, /CODI_OTLP_ENDPOINT/);
  });

  it('cost: ok under 80% of the budget, warn from 80%, error at 100%', () => {
    assert.deepEqual([checkCost(1, 0, 'editor'), checkCost(1, 10, 'editor'), checkCost(8, 10, 'editor'), checkCost(10, 10, 'cli')].map((c) => c.level), ['ok', 'ok', 'warn', 'error']);
    assert.match(checkCost(10, 10, 'cli').fix!.text, /CODI_DAILY_BUDGET_USD/);
  });

  it('store: problems reported on open make a warning with the way out; a store that cannot open is an error', async () => {
    const home = tempDir('codi-health-');
    try {
      const ok = await checkStoreHealth({ dir: home.dir, traces: 4, issues: [], surface: 'cli' });
      assert.equal(ok.level, 'ok');
      assert.match(ok.message, /4 trace\(s\)/);
      const warn = await checkStoreHealth({ dir: home.dir, traces: 4, issues: [{ kind: 'damaged-record', message: 'a damaged record in seg-1', segment: 'seg-1' }], surface: 'cli' });
      assert.equal(warn.level, 'warn');
      assert.equal(warn.fix?.id, 'store-compact');
      const broken = await checkStoreHealth({ dir: home.dir, traces: null, issues: [], openError: 'EACCES', surface: 'cli' });
      assert.equal(broken.level, 'error');
    } finally {
      home.cleanup();
    }
  });

  it('the report: worst level, and one problem line per error or warning with its fix', async () => {
    const home = tempDir('codi-health-');
    try {
      const r = await runHealthChecks({
        surface: 'cli',
        gemini: { apiKey: null, models: [MODEL] },
        opik: { enabled: false, settings: {}, apiKey: null, outbox: null },
        otlpEndpoint: null,
        store: { dir: home.dir, traces: 0, issues: [] },
        cost: { spentUsd: 0.5, dailyUsd: 0.6 },
      });
      assert.equal(r.level, 'error');
      assert.deepEqual(r.checks.map((c) => c.id), ['gemini-key', 'gemini-endpoint', 'gemini-models', 'opik', 'otlp', 'store', 'cost']);
      const lines = problemLines(r);
      assert.equal(lines.length, 2, lines.join('\n'));
      assert.match(lines[0]!, /^error: Gemini API key: No Gemini API key is set\. → Set GEMINI_API_KEY/);
      assert.match(lines[1]!, /^warning: Cost today: .* → Raise CODI_DAILY_BUDGET_USD/);
    } finally {
      home.cleanup();
    }
  });
});
