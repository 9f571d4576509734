/**
 * The CLI's Opik export, end to end: the bundled `codi` (built like scripts/build.mjs: `import('opik')`
 * goes to ./lib/opik.js, bundled from the real SDK) run as a child process against the Gemini stand-in
 * and the Opik REST stand-in. The test bundle of the SDK appends to $CODI_TEST_SDK_MARK when it loads,
 * so "the SDK was not loaded" is checked in the child itself.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliRun } from '../support/cliKit';
import { buildCli, startCli } from '../support/cliKit';
import { tempDir } from '../support/fixtures';
import { startGeminiStandIn } from '../support/geminiStandIn';
import type { GeminiStandIn } from '../support/geminiStandIn';
import { FAKE } from '../support/opikFixtures';
import { OpikStandIn } from '../support/opikStandIn';
import { wireVerdict } from '../support/verdicts';

const SOURCE = ['// cart.js', 'function total(items) {', '  return items.reduce((s, i) => s + i.price, 0);', '}', 'module.exports = { total };'].join('\n');
const VERDICT = {
  score: 0.8,
  reason: 'Good.',
  criteria: [
    { name: 'faithfulness', score: 0.9, reason: 'True.' },
    { name: 'clarity', score: 0.7, reason: 'Clear.' },
    { name: 'completeness', score: 0.6, reason: 'Misses empty carts.' },
    { name: 'concision', score: 0.95, reason: 'Short.' },
  ],
};

interface OpikJson {
  state: string;
  url: string | null;
  lastError: string | null;
}
interface SyncJson {
  sent: number;
  failed: number;
  pending: number;
  permanentlyFailed: number;
  scoresSent: number;
  experimentsSent: number;
  retried: number;
  lastError: string | null;
  outbox: string;
}

describe('codi CLI: Opik export (bundled, against the Opik and Gemini stand-ins)', function () {
  this.timeout(90_000);
  let bin: { cli: string; cleanup: () => void };
  let cli: string;
  let gemini: GeminiStandIn;
  let opik: OpikStandIn;
  let home: ReturnType<typeof tempDir>;
  let work: ReturnType<typeof tempDir>;
  let mark: string;

  before(async () => {
    bin = await buildCli('codi-cliopik-bin-');
    cli = bin.cli;
  });
  after(() => bin.cleanup());

  beforeEach(async () => {
    gemini = await startGeminiStandIn();
    opik = await OpikStandIn.start();
    home = tempDir('codi-cliopik-home-');
    work = tempDir('codi-cliopik-work-');
    mark = join(home.dir, 'sdk-loaded');
    writeFileSync(join(work.dir, 'cart.js'), SOURCE);
  });
  afterEach(async () => {
    await gemini.close();
    await opik.close();
    home.cleanup();
    work.cleanup();
  });

  const codi = (args: string[], env: Record<string, string> = {}): Promise<CliRun> =>
    startCli(cli, args, work.dir, {
      GEMINI_API_KEY: 'test-key',
      GOOGLE_GEMINI_BASE_URL: gemini.url,
      CODI_HOME: home.dir,
      OPIK_URL_OVERRIDE: opik.url,
      OPIK_API_KEY: opik.apiKey,
      OPIK_WORKSPACE: opik.workspace,
      CODI_TEST_SDK_MARK: mark,
      ...env,
    }).done;
  async function json<T>(args: string[], env: Record<string, string> = {}): Promise<T> {
    const r = await codi(args, env);
    assert.equal(r.code, 0, `codi ${args.join(' ')} failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  }
  const opikOf = async (id: string): Promise<OpikJson> => (await json<{ opik: OpikJson }>(['traces', 'show', id, '--json'])).opik;
  const explainJudged = () => gemini.enqueue({ kind: 'text', text: 'It sums the prices.' }, { kind: 'json', value: wireVerdict(VERDICT) });
  const sdkLoaded = () => existsSync(mark);
  const spansOf = (id: string) => [...opik.spans.values()].filter((s) => s.trace_id === id);
  const expectedUrl = (id: string) => `${opik.url.replace(/\/api$/, '')}/${opik.workspace}/projects/${opik.projects.get('CODI')!.id}/traces?tab=logs&logsType=traces&trace=${id}`;

  it('explain --opik with Opik up: trace, spans and scores delivered; traces show links to it', async () => {
    explainJudged();
    const r = await codi(['explain', 'cart.js', '--json', '--opik']);
    assert.equal(r.code, 0, r.stderr);
    const { traceId } = JSON.parse(r.stdout) as { traceId: string };
    assert.ok(opik.traces.has(traceId), 'the stand-in has the trace under our id');
    assert.deepEqual(spansOf(traceId).map((s) => s.name).sort(), ['explain', 'gemini.generate', 'judge', 'judge.call']);
    for (const c of [{ name: 'overall', score: 0.8 }, ...VERDICT.criteria]) assert.equal(opik.traceScores.get(`${traceId}|judge_${c.name}`)?.value, c.score, c.name);
    assert.equal(opik.traces.get(traceId)!.project_name, 'CODI');
    assert.match(r.stderr, new RegExp(`Opik: sent · ${expectedUrl(traceId).replace(/[?.]/g, '\\$&')}`));
    assert.ok(sdkLoaded());

    assert.deepEqual(await opikOf(traceId), { state: 'sent', url: expectedUrl(traceId), lastError: null });
    const human = await codi(['traces', 'show', traceId]);
    assert.ok(human.stdout.includes(`opik      sent  ${expectedUrl(traceId)}`), human.stdout);
    assert.deepEqual(opik.duplicates(), { traces: [], spans: [] });
  });

  it('explain --opik with Opik down: exit 0, a note, pending; then Opik up + opik sync delivers once', async () => {
    await opik.down();
    explainJudged();
    const r = await codi(['explain', 'cart.js', '--opik']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'It sums the prices.');
    const note = r.stderr.split('\n').filter((l) => l.startsWith('Opik:'));
    assert.equal(note.length, 1, r.stderr);
    assert.match(note[0]!, /^Opik: queued \(Cannot reach Opik at http:\/\/127\.0\.0\.1:\d+\/api: .+\); run `codi opik sync` later$/);
    assert.ok(r.ms < 15_000, `exited promptly (${r.ms} ms)`);
    const [row] = await json<Array<{ id: string }>>(['traces', 'list', '--json']);
    const id = row!.id;
    const pending = await opikOf(id);
    assert.equal(pending.state, 'pending');
    assert.match(pending.lastError ?? '', /Cannot reach Opik/);

    await opik.up();
    const sync = await codi(['opik', 'sync']);
    assert.equal(sync.code, 0, sync.stderr);
    assert.match(sync.stdout, /^Opik: sent 1 · failed 0 · pending 0 · permanently failed 0/);
    assert.ok(opik.traces.has(id));
    assert.equal(spansOf(id).length, 4);
    assert.equal((await opikOf(id)).state, 'sent');

    const again = await json<SyncJson>(['opik', 'sync', '--json']);
    assert.deepEqual({ ...again, outbox: '' }, { sent: 0, failed: 0, pending: 0, permanentlyFailed: 0, scoresSent: 0, experimentsSent: 0, retried: 0, lastError: null, outbox: '' });
    assert.equal(again.outbox, home.dir, 'the outbox is the trace store\'s (shared with VS Code)');
    assert.equal(opik.writes.traces.get(id), 1, 'the trace was written once');
    assert.deepEqual(opik.duplicates(), { traces: [], spans: [] });
  });

  it('opik sync with a non-empty outbox and Opik down exits 4 promptly and keeps the trace queued', async () => {
    await opik.down();
    const r = await codi(['explain', 'cart.js', '--no-judge', '--json'], { CODI_OPIK: '1' });
    assert.equal(r.code, 0, r.stderr);
    const { traceId } = JSON.parse(r.stdout) as { traceId: string };
    const sync = await codi(['opik', 'sync', '--json']);
    assert.equal(sync.code, 4, sync.stderr);
    assert.ok(sync.ms < 15_000, `exited promptly (${sync.ms} ms)`);
    const out = JSON.parse(sync.stdout) as SyncJson;
    assert.deepEqual([out.sent, out.pending], [0, 1]);
    assert.match(out.lastError ?? '', /Cannot reach Opik/);
    assert.match(sync.stderr, /1 item\(s\) still queued: Cannot reach Opik.*Run `codi opik sync` again/);
    assert.equal((await opikOf(traceId)).state, 'pending');
  });

  it('parallel runs share the outbox without losing a trace', async () => {
    await opik.down();
    const runs = await Promise.all([1, 2, 3].map((i) => codi(['explain', `cart.js:${i}-${i + 1}`, '--no-judge', '--json', '--opik'])));
    const ids = runs.map((r) => {
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as { traceId: string }).traceId;
    });
    await opik.up();
    const sync = await json<SyncJson>(['opik', 'sync', '--json']);
    assert.deepEqual([sync.sent, sync.pending], [3, 0]);
    for (const id of ids) assert.ok(opik.traces.has(id), id);
  });

  it('without --opik: no request to Opik, the SDK is not loaded, state off; opik sync <id> exports it later', async () => {
    explainJudged();
    const r = await codi(['explain', 'cart.js', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const { traceId } = JSON.parse(r.stdout) as { traceId: string };
    assert.doesNotMatch(r.stderr, /Opik/);
    assert.deepEqual(await opikOf(traceId), { state: 'off', url: null, lastError: null });
    const human = await codi(['traces', 'show', traceId]);
    assert.match(human.stdout, /^ {2}opik {6}off/m);
    assert.equal(opik.requests.length, 0);
    assert.ok(!sdkLoaded(), 'the opik SDK was not loaded');
    assert.ok(!existsSync(join(home.dir, 'opik-outbox.json')), 'no outbox was created');

    const sync = await json<SyncJson>(['opik', 'sync', traceId.slice(0, 13), '--json']);
    assert.equal(sync.sent, 1);
    assert.ok(opik.traces.has(traceId));
    assert.equal((await opikOf(traceId)).state, 'sent');
  });

  it('a secret in the explained code never reaches Opik (CODI_OPIK=1)', async () => {
    writeFileSync(join(work.dir, 'config.js'), `const GOOGLE_API_KEY = "${FAKE.google}";\nexport const region = "eu";\n`);
    const r = await codi(['explain', 'config.js', '--json'], { CODI_OPIK: '1' });
    assert.equal(r.code, 0, r.stderr);
    const { traceId } = JSON.parse(r.stdout) as { traceId: string };
    const local = await json<{ input: { code: string } }>(['traces', 'show', traceId, '--json']);
    // Redacted before the model call (codi.redact.beforeModel's default), so the store keeps the placeholder too.
    assert.ok(!local.input.code.includes(FAKE.google) && local.input.code.includes('[REDACTED'), 'the local trace keeps the redacted code');
    assert.ok(opik.traces.has(traceId));
    assert.ok(opik.requests.length >= 3);
    for (const q of opik.requests) assert.ok(!q.raw.includes(FAKE.google) && !q.raw.includes(FAKE.google.slice(0, 20)), `${q.path} carries the secret`);
    assert.match(JSON.stringify(opik.traces.get(traceId)!.input), /\[REDACTED:/);
  });

  it('summarize --opik and generate --opik deliver their traces too; the JSON on stdout is unchanged', async () => {
    const s = await codi(['summarize', 'cart.js', '--steps', '2', '--json', '--opik']);
    assert.equal(s.code, 0, s.stderr);
    const g = await codi(['generate', '--prompt', 'add a function that counts the items', '--file', 'cart.js', '--json', '--opik']);
    assert.equal(g.code, 0, g.stderr);
    for (const [out, type] of [[s, 'summarize'], [g, 'generate']] as const) {
      const { traceId } = JSON.parse(out.stdout) as { traceId: string };
      assert.ok(opik.traces.has(traceId), type);
      assert.ok(spansOf(traceId).length >= 2, type);
      assert.equal((await opikOf(traceId)).state, 'sent');
      assert.match(out.stderr, /Opik: sent · http/);
    }
  });

  it('a trace Opik refuses for good: state failed, sync exits 4 and explains, --retry-failed delivers it', async () => {
    opik.fail({ kind: 'status', status: 422, body: { errors: ['bad trace'] }, path: /traces\/batch$/ });
    const r = await codi(['explain', 'cart.js', '--no-judge', '--json', '--opik']);
    assert.equal(r.code, 0, r.stderr);
    const { traceId } = JSON.parse(r.stdout) as { traceId: string };
    assert.match(r.stderr, /Opik: refused for good: Opik rejected the data \(HTTP 422: bad trace\)/);
    const failed = await opikOf(traceId);
    assert.equal(failed.state, 'failed');
    assert.match(failed.lastError ?? '', /HTTP 422/);
    const sync = await codi(['opik', 'sync']);
    assert.equal(sync.code, 4);
    assert.match(sync.stdout, /permanently failed 1/);
    assert.match(sync.stderr, /refused by Opik for good.*--retry-failed/);
    const retry = await json<SyncJson>(['opik', 'sync', '--retry-failed', '--json']);
    assert.deepEqual([retry.retried, retry.sent, retry.pending, retry.permanentlyFailed], [1, 1, 0, 0]);
    assert.equal((await opikOf(traceId)).state, 'sent');
  });

  it('configuration problems: the command keeps its exit code; opik sync exits 3 (cloud, no key) or 2', async () => {
    const cloud = { CODI_OPIK: '1', OPIK_URL_OVERRIDE: 'https://www.comet.com/opik/api', OPIK_API_KEY: '' };
    const r = await codi(['explain', 'cart.js', '--no-judge', '--json'], cloud);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^Opik: queued, not sent: Opik cloud needs an API key: set OPIK_API_KEY\. Then run `codi opik sync`\.$/m);
    const { traceId } = JSON.parse(r.stdout) as { traceId: string };
    assert.equal((await opikOf(traceId)).state, 'pending');
    const noKey = await codi(['opik', 'sync'], cloud);
    assert.equal(noKey.code, 3);
    assert.match(noKey.stderr, /OPIK_API_KEY/);
    const badUrl = await codi(['opik', 'sync'], { OPIK_URL_OVERRIDE: 'ftp://example.invalid/api' });
    assert.equal(badUrl.code, 2);
    assert.match(badUrl.stderr, /OPIK_URL_OVERRIDE must be an http\(s\) URL/);
    const noWorkspace = await codi(['opik', 'sync'], { OPIK_URL_OVERRIDE: 'https://www.comet.com/opik/api', OPIK_API_KEY: 'k', OPIK_WORKSPACE: '' });
    assert.equal(noWorkspace.code, 2);
    assert.match(noWorkspace.stderr, /needs a workspace: set OPIK_WORKSPACE/);
    assert.equal(opik.requests.length, 0);
    // Fixed configuration: the queued trace goes out.
    const fixed = await json<SyncJson>(['opik', 'sync', '--json']);
    assert.equal(fixed.sent, 1);
    assert.ok(opik.traces.has(traceId));
  });

  it('usage: opik without a known command exits 2; --help documents export and exit codes', async () => {
    for (const args of [['opik'], ['opik', 'push'], ['opik', 'sync', '--bogus']]) {
      const r = await codi(args);
      assert.equal(r.code, 2, args.join(' '));
    }
    const help = await codi(['--help']);
    assert.match(help.stdout, /codi opik sync \[<trace id>\.\.\.\] \[--retry-failed \| --drop-failed\] \[--wait SECONDS\] \[--json\]/);
    assert.match(help.stdout, /codi opik status \[--json\]/);
    assert.match(help.stdout, /OPIK_URL_OVERRIDE/);
    assert.match(help.stdout, /`codi opik sync`: 0 only when the\s+outbox is empty/);
    assert.equal(readFileSync(cli, 'utf8').includes('require("./lib/opik.js")'), true, 'the SDK stays out of the CLI bundle');
  });
});
