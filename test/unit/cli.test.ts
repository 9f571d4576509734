import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { costOf, SHIPPED_PRICES } from '../../src/core/gemini/pricing';
import type { JudgeVerdict } from '../../src/shared/types';
import { buildCli, startCli } from '../support/cliKit';
import { tempDir } from '../support/fixtures';
import { defaultReply, startGeminiStandIn } from '../support/geminiStandIn';
import type { GeminiStandIn, Reply } from '../support/geminiStandIn';
import { wireVerdict } from '../support/verdicts';

const MODEL = 'gemini-2.5-flash';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ANSWER = 'The `total` function adds up the prices of the items in a cart.';
const VERDICT: JudgeVerdict = {
  score: 0.8,
  reason: 'Good.',
  criteria: [
    { name: 'faithfulness', score: 0.9, reason: 'True.' },
    { name: 'clarity', score: 0.85, reason: 'Clear.' },
    { name: 'completeness', score: 0.7, reason: 'Misses empty carts.' },
    { name: 'concision', score: 0.95, reason: 'Short.' },
  ],
};
const SOURCE = ['// cart.js', 'function total(items) {', '  return items.reduce((s, i) => s + i.price, 0);', '}', 'module.exports = { total };'].join('\n');
const keysOf = (o: object) => Object.keys(o).sort();


describe('codi CLI (bundled, as a child process)', function () {
  this.timeout(60_000);
  let bin: { cli: string; cleanup: () => void };
  let cli: string;
  let gemini: GeminiStandIn;
  let home: ReturnType<typeof tempDir>;
  let work: ReturnType<typeof tempDir>;

  before(async () => {
    bin = await buildCli('codi-cli-bin-');
    cli = bin.cli;
  });
  after(() => bin.cleanup());

  beforeEach(async () => {
    gemini = await startGeminiStandIn();
    home = tempDir('codi-cli-home-');
    work = tempDir('codi-cli-work-');
    writeFileSync(join(work.dir, 'cart.js'), SOURCE);
  });
  afterEach(async () => {
    await gemini.close();
    home.cleanup();
    work.cleanup();
  });

  const start = (args: string[], env: Record<string, string> = {}) =>
    startCli(cli, args, work.dir, { GEMINI_API_KEY: 'test-key', GOOGLE_GEMINI_BASE_URL: gemini.url, CODI_HOME: home.dir, ...env }, 30_000);
  const codi = (args: string[], env: Record<string, string> = {}) => start(args, env).done;
  async function codiJson<T>(args: string[], env: Record<string, string> = {}): Promise<T> {
    const r = await codi(args, env);
    assert.equal(r.code, 0, `codi ${args.join(' ')} failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  }
  const alwaysError = (status: 503): void => {
    gemini.defaultHandler = (): Reply => ({ kind: 'error', status });
  };

  it('explain --json prints the documented object, and traces show --json agrees with it', async () => {
    gemini.enqueue(
      { kind: 'text', text: ANSWER, chunks: 3, thoughtsTokens: 30, usage: { promptTokenCount: 90, candidatesTokenCount: 16 } },
      { kind: 'json', value: wireVerdict(VERDICT), usage: { promptTokenCount: 120, candidatesTokenCount: 50 } },
    );
    const out = await codiJson<Record<string, unknown>>(['explain', 'cart.js', '--json']);
    assert.deepEqual(keysOf(out), ['costUsd', 'judge', 'latencyMs', 'model', 'output', 'requestedModel', 'score', 'traceId', 'usage']);
    assert.match(out.traceId as string, UUID);
    assert.equal(out.output, ANSWER);
    assert.equal(out.model, MODEL);
    assert.equal(out.score, 0.8);
    assert.deepEqual(out.judge, VERDICT);
    const usage = { promptTokens: 210, outputTokens: 66, thinkingTokens: 30, totalTokens: 306 };
    assert.deepEqual(out.usage, usage);
    assert.equal(typeof out.costUsd, 'number');
    assert.ok(Math.abs((out.costUsd as number) - costOf(MODEL, usage, SHIPPED_PRICES)!) < 1e-12);
    assert.equal(typeof out.latencyMs, 'number');
    assert.ok((out.latencyMs as number) >= 0);
    assert.equal(gemini.requests.length, 2);
    assert.equal(gemini.requests[0]!.apiKey, 'test-key');

    const t = await codiJson<Record<string, unknown>>(['traces', 'show', out.traceId as string, '--json']);
    assert.equal(t.id, out.traceId);
    assert.equal(t.type, 'explain');
    assert.deepEqual(t.usage, usage);
    assert.equal(t.error, null);
    const spans = t.spans as Array<Record<string, unknown>>;
    assert.deepEqual(spans.map((s) => s.name).sort(), ['explain', 'gemini.generate', 'judge', 'judge.call']);
    for (const s of spans) {
      for (const k of ['id', 'parentSpanId', 'name', 'type', 'startTime', 'endTime', 'model', 'usage', 'costUsd', 'error', 'input', 'output']) {
        assert.ok(k in s, `span ${String(s.name)} has ${k}`);
      }
      assert.match(s.id as string, UUID);
      assert.equal(typeof s.startTime, 'number');
      assert.equal(typeof s.endTime, 'number');
    }
    const byName = new Map(spans.map((s) => [s.name as string, s]));
    assert.equal(byName.get('explain')!.parentSpanId, null);
    assert.equal(byName.get('gemini.generate')!.parentSpanId, byName.get('explain')!.id);
    assert.equal(byName.get('gemini.generate')!.type, 'llm');
    assert.equal(byName.get('gemini.generate')!.model, MODEL);
    assert.equal(byName.get('gemini.generate')!.output, ANSWER);
    assert.deepEqual(byName.get('gemini.generate')!.usage, { promptTokens: 90, outputTokens: 16, thinkingTokens: 30, totalTokens: 136 });
    assert.equal(byName.get('judge.call')!.parentSpanId, byName.get('judge')!.id);
    const scores = t.scores as Array<Record<string, unknown>>;
    assert.deepEqual(
      scores.map((s) => [s.name, s.value, s.reason, s.source]),
      [['overall', 0.8, 'Good.', 'judge'], ...VERDICT.criteria.map((c) => [c.name, c.score, c.reason, 'judge'])],
    );
  });

  it('--no-judge makes exactly one generation request; score and judge are null', async () => {
    const out = await codiJson<Record<string, unknown>>(['explain', 'cart.js', '--no-judge', '--json']);
    assert.equal(out.score, null);
    assert.equal(out.judge, null);
    assert.equal(typeof out.output, 'string');
    assert.match(out.output as string, /total/);
    assert.equal(gemini.requests.length, 1);
    assert.equal(gemini.requests[0]!.action, 'streamGenerateContent');
  });

  it('--model reaches the request path, and a line range sends only those lines', async () => {
    const out = await codiJson<Record<string, unknown>>(['explain', 'cart.js:2-3', '--model', 'gemini-2.5-pro', '--json', '--no-judge']);
    assert.equal(out.model, 'gemini-2.5-pro');
    const req = gemini.requests[0]!;
    assert.equal(req.path, '/v1beta/models/gemini-2.5-pro:streamGenerateContent');
    const prompt = req.body.contents?.[0]?.parts?.[0]?.text ?? '';
    const block = /```javascript\n([\s\S]*?)\n```/.exec(prompt)?.[1];
    assert.equal(block, SOURCE.split('\n').slice(1, 3).join('\n'), prompt);
    assert.ok(!prompt.includes('// cart.js') && !prompt.includes('module.exports'), 'other lines are not sent');
    assert.match(prompt, /lines 2-3/);
    const t = await codiJson<{ name: string; input: { startLine: number; endLine: number; code: string } }>(['traces', 'show', out.traceId as string, '--json']);
    assert.equal(t.name, 'Explain cart.js:2-3');
    assert.deepEqual([t.input.startLine, t.input.endLine], [2, 3]);
  });

  it('accepts GOOGLE_API_KEY when GEMINI_API_KEY is not set', async () => {
    const r = await codi(['explain', 'cart.js', '--no-judge', '--json'], { GEMINI_API_KEY: '', GOOGLE_API_KEY: 'google-key' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(gemini.requests[0]!.apiKey, 'google-key');
  });

  it('traces list --json: newest first, every field, and --limit', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await codiJson<{ traceId: string }>(['explain', `cart.js:${i + 1}-${i + 2}`, '--no-judge', '--json'])).traceId);
    const rows = await codiJson<Array<Record<string, unknown>>>(['traces', 'list', '--json']);
    assert.deepEqual(rows.map((r) => r.id), [...ids].reverse());
    for (const r of rows) {
      assert.deepEqual(keysOf(r), ['costUsd', 'durationMs', 'endTime', 'error', 'id', 'model', 'name', 'score', 'startTime', 'tags', 'threadId', 'totalTokens', 'type']);
      assert.equal(r.type, 'explain');
      assert.equal(r.model, MODEL);
      assert.equal(r.score, null);
      assert.equal(r.error, null);
      assert.equal(r.threadId, null);
      assert.deepEqual(r.tags, ['explain', 'javascript', MODEL]); // automatic tags: pipeline, language, answering model
      assert.equal(typeof r.startTime, 'number');
      assert.equal(r.durationMs, (r.endTime as number) - (r.startTime as number));
      assert.ok((r.totalTokens as number) > 0);
      assert.ok((r.costUsd as number) > 0);
    }
    assert.equal(rows[0]!.name, 'Explain cart.js:3-4');
    assert.ok((rows[0]!.startTime as number) >= (rows[1]!.startTime as number));
    const two = await codiJson<Array<{ id: string }>>(['traces', 'list', '--json', '--limit', '2']);
    assert.deepEqual(two.map((r) => r.id), [ids[2], ids[1]]);
    const human = await codi(['traces', 'list']);
    assert.equal(human.code, 0);
    assert.ok(human.stdout.includes(ids[0]!) && human.stdout.includes('Explain cart.js:1-2'));
  });

  it('traces show with an unknown id exits 2', async () => {
    const r = await codi(['traces', 'show', '01234567-89ab-7cde-8f01-234567890abc', '--json']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /no trace with id 01234567-89ab-7cde-8f01-234567890abc/);
  });

  const usageErrors: Array<[string, string[], RegExp]> = [
    ['an unknown command', ['frobnicate'], /unknown command "frobnicate"/],
    ['a reversed line range', ['explain', 'cart.js:5-2'], /bad line range/],
    ['a missing file', ['explain', 'nope.js'], /no such file/],
    ['an unknown option', ['explain', 'cart.js', '--bogus'], /unknown option --bogus/],
    ['a bad --limit', ['traces', 'list', '--limit', '0'], /--limit/],
    ['no arguments', [], /Usage:/],
  ];
  for (const [label, args, message] of usageErrors) {
    it(`exits 2 on ${label} without calling Gemini`, async () => {
      const r = await codi(args);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr + r.stdout, message);
      assert.equal(gemini.requests.length, 0);
    });
  }

  it('exits 3 with no key, without calling Gemini', async () => {
    const r = await codi(['explain', 'cart.js'], { GEMINI_API_KEY: '' });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /GEMINI_API_KEY/);
    assert.equal(gemini.requests.length, 0);
  });

  it('exits 3 on a rejected key, and the trace is listed with error kind auth', async () => {
    const r = await codi(['explain', 'cart.js', '--json'], { GEMINI_API_KEY: 'bad-key' });
    assert.equal(r.code, 3);
    assert.equal(JSON.parse(r.stdout).error.kind, 'auth');
    assert.equal(gemini.requests.length, 1);
    const rows = await codiJson<Array<{ error: { kind: string } | null; score: number | null }>>(['traces', 'list', '--json']);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.error?.kind, 'auth');
    assert.equal(rows[0]!.score, null);
  });

  it('exits 4 when Gemini answers 503', async () => {
    alwaysError(503);
    const r = await codi(['explain', 'cart.js']);
    assert.equal(r.code, 4);
    assert.match(r.stderr, /503/);
    const rows = await codiJson<Array<{ error: { kind: string; status?: number } | null }>>(['traces', 'list', '--json']);
    assert.deepEqual(rows[0]!.error && [rows[0]!.error.kind, rows[0]!.error.status], ['service', 503]);
  });

  it('traces list filters through the index (errors, type, score, search) and traces stats totals the day', async () => {
    assert.equal((await codi(['explain', 'cart.js', '--json'])).code, 0);
    assert.equal((await codi(['explain', 'cart.js:1-2', '--json'], { GEMINI_API_KEY: 'bad-key' })).code, 3);
    type Row = { id: string; type: string; error: { kind: string } | null; score: number | null };
    const all = await codiJson<Row[]>(['traces', 'list', '--json']);
    assert.equal(all.length, 2);
    assert.deepEqual((await codiJson<Row[]>(['traces', 'list', '--errors', '--json'])).map((r) => r.error?.kind), ['auth']);
    assert.deepEqual(await codiJson<Row[]>(['traces', 'list', '--type', 'summarize', '--json']), []);
    assert.deepEqual((await codiJson<Row[]>(['traces', 'list', '--min-score', '0.5', '--json'])).map((r) => r.error), [null]);
    assert.equal((await codiJson<Row[]>(['traces', 'list', '--search', 'cart.js:1-2', '--json'])).length, 1);
    assert.equal((await codi(['traces', 'list', '--min-score', '2'])).code, 2);
    const days = await codiJson<Array<{ count: number; errors: number; meanScore: number | null; tokens: number }>>(['traces', 'stats', '--days', '1', '--json']);
    assert.equal(days.length, 1);
    assert.equal(days[0]!.count, 2);
    assert.equal(days[0]!.errors, 1);
    assert.ok(days[0]!.meanScore !== null && days[0]!.tokens > 0);
  });

  it('CODI_MAX_ATTEMPTS bounds the retries and CODI_FALLBACK_MODEL answers when the model stays at 503', async () => {
    gemini.defaultHandler = (req): Reply => (req.model === MODEL ? { kind: 'error', status: 503 } : defaultReply(req));
    const r = await codi(['explain', 'cart.js', '--json', '--no-judge'], { CODI_MAX_ATTEMPTS: '2', CODI_FALLBACK_MODEL: 'gemini-2.5-flash-lite' });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(gemini.requests.map((q) => q.model), [MODEL, MODEL, 'gemini-2.5-flash-lite']);
    assert.match(r.stderr, /503 from gemini-2\.5-flash/);
    const t = await codiJson<{ spans: Array<{ model: string | null; attributes: Record<string, unknown> }> }>(['traces', 'show', (JSON.parse(r.stdout) as { traceId: string }).traceId, '--json']);
    const llm = t.spans.find((s) => s.attributes.fallbackFrom !== undefined && s.attributes.fallbackFrom !== null);
    assert.equal(llm?.attributes.fallbackFrom, MODEL);
    assert.equal(llm?.model, 'gemini-2.5-flash-lite');
  });

  it('exits 130 on SIGINT during a hanging stream and records the cancelled trace', async () => {
    gemini.enqueue({ kind: 'hang', afterChunks: 1, text: 'Partial words that arrive before the stall. More words never arrive.' });
    const run = start(['explain', 'cart.js']);
    await gemini.waitForRequests(1, 20_000);
    await new Promise((r) => setTimeout(r, 200));
    run.child.kill('SIGINT');
    const r = await run.done;
    assert.equal(r.code, 130, r.stderr);
    assert.ok(r.stdout.startsWith('Partial'), `partial output streamed: ${r.stdout}`);
    const rows = await codiJson<Array<{ id: string; error: { kind: string } | null }>>(['traces', 'list', '--json']);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.error?.kind, 'cancelled');
    const t = await codiJson<{ output: string }>(['traces', 'show', rows[0]!.id, '--json']);
    assert.ok(t.output.startsWith('Partial'));
  });

  it('human output streams the explanation to stdout and a footer to stderr', async () => {
    gemini.enqueue({ kind: 'text', text: ANSWER, chunks: 2 }, { kind: 'json', value: wireVerdict(VERDICT) });
    const r = await codi(['explain', 'cart.js']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), ANSWER);
    const [row] = await codiJson<Array<{ id: string }>>(['traces', 'list', '--json']);
    assert.match(r.stderr, /score 0\.80 \(faithfulness 0\.90, clarity 0\.85, completeness 0\.70, concision 0\.95\)/);
    assert.match(r.stderr, new RegExp(`[\\d,]+ tokens · \\$[\\d.]+ · [\\d.]+ m?s · trace ${row!.id}`));
    const show = await codi(['traces', 'show', row!.id.slice(0, 13)]);
    assert.equal(show.code, 0);
    assert.match(show.stdout, /gemini\.generate \[llm\]/);
    assert.ok(show.stdout.includes(ANSWER));
  });

  it('--version prints the version defined at build time', async () => {
    const r = await codi(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), '9.9.9-test');
  });
});
