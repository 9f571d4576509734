/**
 * `codi eval`, `eval list/show/compare` and `codi replay` as a CI script uses them: the bundled CLI as a child
 * process against the Gemini stand-in, on the shipped sample datasets.
 */
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildCli, startCli } from '../support/cliKit';
import { tempDir } from '../support/fixtures';
import { defaultReply, startGeminiStandIn } from '../support/geminiStandIn';
import type { GeminiStandIn } from '../support/geminiStandIn';

const SAMPLES = resolve(__dirname, '../../samples');

interface EvalJson {
  runId: string; name: string; status: string; passRate: number; passed: number; failed: number;
  dataset: { name: string; hash: string; cases: number };
  gate: { minPassRate: number; baseline: string | null; regressions: string[]; ok: boolean };
  cases: Array<{ id: string; pass: boolean; score: number | null; traceId: string; failures: string[]; repeats?: unknown[]; scoreStdev?: number }>;
}

describe('codi eval / replay (bundled CLI, as a child process)', function () {
  this.timeout(180_000);
  let bin: { cli: string; cleanup: () => void };
  let gemini: GeminiStandIn;
  let home: ReturnType<typeof tempDir>;
  let work: ReturnType<typeof tempDir>;
  before(async () => {
    bin = await buildCli('codi-clieval-bin-');
  });
  after(() => bin.cleanup());
  beforeEach(async () => {
    gemini = await startGeminiStandIn();
    home = tempDir('codi-clieval-home-');
    work = tempDir('codi-clieval-work-');
    cpSync(SAMPLES, work.dir, { recursive: true });
  });
  afterEach(async () => {
    await gemini.close();
    home.cleanup();
    work.cleanup();
  });
  const start = (args: string[], env: Record<string, string> = {}) =>
    startCli(bin.cli, args, work.dir, { GEMINI_API_KEY: 'test-key', GOOGLE_GEMINI_BASE_URL: gemini.url, CODI_HOME: home.dir, ...env }, 150_000);
  const codi = (args: string[], env: Record<string, string> = {}) => start(args, env).done;
  const json = <T>(r: { stdout: string; stderr: string }): T => {
    try {
      return JSON.parse(r.stdout) as T;
    } catch {
      throw new Error(`not JSON: ${r.stdout.slice(0, 300)}\nstderr: ${r.stderr}`);
    }
  };
  const tighten = (file: string, id: string, expect: Record<string, unknown>) => {
    const path = join(work.dir, 'datasets', file);
    const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; expect: Record<string, unknown> });
    writeFileSync(path, lines.map((c) => JSON.stringify(c.id === id ? { ...c, expect: { ...c.expect, ...expect } } : c)).join('\n'));
  };

  it('each shipped sample dataset passes; every case is a trace tagged with the experiment; JUnit and eval list/show agree', async () => {
    for (const ds of ['explain', 'summarize', 'generate']) {
      const r = await codi(['eval', `datasets/${ds}.jsonl`, '--json', '--concurrency', '4', '--junit', `${ds}.xml`]);
      assert.equal(r.code, 0, `${ds}: ${r.stderr}\n${r.stdout.slice(0, 2000)}`);
      const out = json<EvalJson>(r);
      assert.deepEqual([out.dataset.cases, out.passed, out.failed, out.passRate, out.gate.ok], [12, 12, 0, 1, true], ds);
      assert.match(out.dataset.hash, /^[0-9a-f]{16}$/);
      const xml = readFileSync(join(work.dir, `${ds}.xml`), 'utf8');
      assert.equal((xml.match(/<testcase /g) ?? []).length, 12);
      assert.match(xml, /<testsuite name="[^"]+" tests="12" failures="0"/);
      const t = json<{ tags: string[]; metadata: Record<string, unknown> }>(await codi(['traces', 'show', out.cases[0]!.traceId, '--json']));
      assert.ok(t.tags.includes(`experiment:${out.name}`), `tags ${t.tags.join(',')}`);
      assert.equal(t.metadata.experiment, out.runId);
      assert.equal(t.metadata.datasetCase, out.cases[0]!.id);
      assert.equal(t.metadata.pipeline, ds);
    }
    const list = json<Array<{ runId: string; dataset: string; passRate: number; cases: number }>>(await codi(['eval', 'list', '--json']));
    assert.deepEqual(list.map((l) => l.dataset), ['generate', 'summarize', 'explain'], 'newest first');
    const shown = await codi(['eval', 'show', list[2]!.runId]);
    assert.equal(shown.code, 0);
    assert.match(shown.stdout, /lru-get\s+pass/);
    assert.match(shown.stdout, /12\/12 passed \(100\.0%\)/);
  });

  it('a tightened expectation fails the gate (exit 1), says which case and why; --min-pass-rate lets it through', async () => {
    tighten('explain.jsonl', 'lru-get', { score: [0.99, 1], contains: ['value', 'a word the answer never has'] });
    const r = await codi(['eval', 'datasets/explain.jsonl', '--json']);
    assert.equal(r.code, 1, r.stderr);
    const out = json<EvalJson>(r);
    assert.equal(out.gate.ok, false);
    assert.equal(out.failed, 1);
    const c = out.cases.find((x) => x.id === 'lru-get')!;
    assert.equal(c.pass, false);
    assert.ok(c.failures.some((f) => /score 0\.\d+ not in \[0\.99, 1\]/.test(f)), c.failures.join(' | '));
    assert.ok(c.failures.some((f) => /does not contain "a word the answer never has"/.test(f)));
    const text = await codi(['eval', 'datasets/explain.jsonl', '--min-pass-rate', '0.9']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /lru-get\s+FAIL/);
    assert.match(text.stderr, /gate passed/);
    const env = await codi(['eval', 'datasets/explain.jsonl'], { CODI_MIN_PASS_RATE: '0.95' });
    assert.equal(env.code, 1);
    assert.match(env.stderr, /pass rate 91\.7% is below the minimum 95\.0%/);
  });

  it('--baseline: a case that passed before and fails now fails the gate even above the pass rate; compare shows the flip', async () => {
    const a = json<EvalJson>(await codi(['eval', 'datasets/explain.jsonl', '--json', '--name', 'before']));
    tighten('explain.jsonl', 'fib-memo', { maxWords: 3 });
    const r = await codi(['eval', 'datasets/explain.jsonl', '--json', '--name', 'after', '--min-pass-rate', '0.5', '--baseline', a.runId]);
    assert.equal(r.code, 1);
    const b = json<EvalJson>(r);
    assert.deepEqual(b.gate.regressions, ['fib-memo']);
    writeFileSync(join(work.dir, 'before.json'), JSON.stringify(a));
    const fromFile = await codi(['eval', 'datasets/explain.jsonl', '--min-pass-rate', '0.5', '--baseline', 'before.json']);
    assert.equal(fromFile.code, 1);
    assert.match(fromFile.stderr, /1 case\(s\) passed in the baseline and fail now: fib-memo/);
    const cmp = json<{ passRateDelta: number; meanScoreDelta: { value: number; low: number; high: number }; cases: Array<{ id: string; flipped: string | null }> }>(await codi(['eval', 'compare', 'before', 'after', '--json']));
    assert.ok(Math.abs(cmp.passRateDelta - -1 / 12) < 1e-6, String(cmp.passRateDelta));
    assert.deepEqual(cmp.cases.filter((c) => c.flipped).map((c) => [c.id, c.flipped]), [['fib-memo', 'pass→fail']]);
    assert.ok(cmp.meanScoreDelta.low <= cmp.meanScoreDelta.value && cmp.meanScoreDelta.value <= cmp.meanScoreDelta.high);
  });

  it('refuses a bad dataset before any model call, naming every problem with its line', async () => {
    writeFileSync(join(work.dir, 'bad.jsonl'), [
      '{"id": "a", "pipeline": "explain", "code": "x = 1", "language": "python"}',
      '{"id": "b", "pipeline": "translate", "code": "x"}',
      '{"id": "a", "pipeline": "explain", "code": "y = 2"}',
      '{"id": "c", "pipeline": "explain", "file": "missing.ts"}',
      '{"id": "d", "pipeline": "explain", "file": "workspace/src/lru.ts", "lines": "40-30"}',
      '{"id": "e", "pipeline": "explain", "code": "z", "expect": {"score": [0.9, 0.2]}}',
      '{oops',
    ].join('\n'));
    const r = await codi(['eval', 'bad.jsonl']);
    assert.equal(r.code, 2);
    for (const want of [/line 2: unknown pipeline "translate"/, /line 3: duplicate id "a" \(first on line 1\)/, /line 4: file not found: missing\.ts/, /line 5: bad lines range "40-30"/, /line 6: bad range "score"/, /line 7: invalid JSON/]) assert.match(r.stderr, want);
    assert.equal(gemini.requests.length, 0);
  });

  it('--repeat 2 runs each case twice and reports mean ± stdev; CSV and YAML datasets run too', async () => {
    writeFileSync(join(work.dir, 'two.csv'), 'id,pipeline,file,lines,expect\nget,explain,workspace/src/lru.ts,16-27,"{""contains"": [""get""]}"\nset,explain,workspace/src/lru.ts,29-36,\n');
    const r = json<EvalJson>(await codi(['eval', 'two.csv', '--json', '--repeat', '2', '--no-judge']));
    assert.deepEqual(r.cases.map((c) => [c.id, c.repeats?.length, typeof c.scoreStdev]), [['get', 2, 'number'], ['set', 2, 'number']]);
    writeFileSync(join(work.dir, 'one.yaml'), '- id: slug\n  pipeline: explain\n  language: python\n  code: |\n    def slugify(text):\n        return text.lower()\n  expect:\n    contains: slugify\n');
    const y = await codi(['eval', 'one.yaml', '--json']);
    assert.equal(y.code, 0, y.stderr);
    assert.equal(json<EvalJson>(y).passed, 1);
  });

  it('a burst of 429s with RetryInfo under concurrency costs at most one extra request per worker, not a retry storm', async () => {
    let limited = 4;
    gemini.defaultHandler = (req) => {
      if (req.action !== 'countTokens' && limited > 0) {
        limited--;
        return { kind: 'error', status: 429, retryDelay: '1s' };
      }
      return defaultReply(req);
    };
    const r = await codi(['eval', 'datasets/explain.jsonl', '--json', '--concurrency', '4']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(json<EvalJson>(r).passed, 12);
    // 12 explanations + 12 judge calls are needed; each of the 4 workers met the limit once at most.
    const calls = gemini.requests.filter((q) => q.action !== 'countTokens').length;
    assert.ok(calls <= 24 + 4, `${calls} requests for 24 calls`);
    const afterLimit = gemini.requests.filter((q) => q.answeredWith !== 'error').length;
    assert.equal(afterLimit, calls - 4);
  });

  it('Ctrl+C stops cleanly: finished cases are kept, the run is stored as cancelled, exit 130', async () => {
    gemini.defaultHandler = () => ({ kind: 'text', text: 'Slow answer about `get`.', delayMs: 400 });
    const run = start(['eval', 'datasets/explain.jsonl', '--no-judge']);
    await gemini.waitForRequests(3, 60_000);
    run.child.kill('SIGINT');
    const r = await run.done;
    assert.equal(r.code, 130, r.stderr);
    const list = json<Array<{ status: string; cases: number }>>(await codi(['eval', 'list', '--json']));
    assert.equal(list[0]!.status, 'cancelled');
    assert.ok(list[0]!.cases < 12);
  });

  it('codi replay re-runs a trace with another model, links it (replayOf) and prints the deltas', async () => {
    const first = json<{ traceId: string; model: string }>(await codi(['explain', 'workspace/src/lru.ts:16-27', '--json']));
    const r = await codi(['replay', first.traceId, '--model', 'gemini-2.5-pro', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = json<{ traceId: string; model: string; replayOf: string; diff: { scoreDelta: number | null; costDelta: number | null; latencyDelta: number | null } }>(r);
    assert.equal(out.replayOf, first.traceId);
    assert.equal(out.model, 'gemini-2.5-pro');
    assert.equal(typeof out.diff.costDelta, 'number');
    assert.equal(typeof out.diff.scoreDelta, 'number');
    const t = json<{ metadata: Record<string, unknown>; input: { code: string } }>(await codi(['traces', 'show', out.traceId, '--json']));
    assert.equal(t.metadata.replayOf, first.traceId);
    assert.match(t.input.code, /get\(key: K\)/);
    const gen = json<{ traceId: string }>(await codi(['generate', '--prompt', 'Write a function named clampNumber.', '--file', 'workspace/src/lru.ts', '--json', '--no-judge']));
    const again = await codi(['replay', gen.traceId, '--json', '--no-judge']);
    assert.equal(again.code, 0, again.stderr);
    const body = gemini.requests.filter((q) => q.action !== 'countTokens').at(-1)!.rawBody;
    assert.match(body, /LruCache/, 'a generate replay sends the original file as context again');
  });

  it('codi summarize over several files and patterns: one trace per file, then what failed grouped by kind', async () => {
    const r = await codi(['summarize', 'workspace/**/*.ts', 'workspace/python/fib.py', 'missing.ts', '--json', '--no-judge', '--steps', '2']);
    assert.equal(r.code, 2, r.stderr);
    const out = json<{ files: Array<{ file: string; ok: boolean; traceId: string | null }>; succeeded: number; failed: number; byError: Record<string, string[]> }>(r);
    assert.deepEqual(out.files.map((f) => [f.file, f.ok]), [['workspace/src/lru.ts', true], ['workspace/python/fib.py', true], ['missing.ts', false]]);
    assert.deepEqual(out.byError, { 'bad-input': ['missing.ts'] });
    const list = json<Array<{ type: string }>>(await codi(['traces', 'list', '--json']));
    assert.equal(list.filter((t) => t.type === 'summarize').length, 2);
    const text = await codi(['summarize', 'workspace/**/*.ts', 'missing.ts', '--no-judge', '--steps', '2']);
    assert.match(text.stderr, /1 of 2 file\(s\) summarized, 1 failed:\n {2}bad-input \(1\): missing\.ts/);
  });
});
