import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SUMMARY_CRITERIA } from '../../src/core/prompts/summarize';
import { buildCli, startCli } from '../support/cliKit';
import { tempDir } from '../support/fixtures';
import { estimateTokens, startGeminiStandIn } from '../support/geminiStandIn';
import type { GeminiStandIn, RecordedRequest } from '../support/geminiStandIn';
import { wireSteps } from '../support/verdicts';

const MODEL = 'gemini-2.5-flash';
const SOURCE = ['// cart.js', 'function total(items) {', '  if (!items.length) return 0;', '  return items.reduce((s, i) => s + i.price, 0);', '}', 'module.exports = { total };'].join('\n');
const EXPLAIN_KEYS = ['costUsd', 'judge', 'latencyMs', 'model', 'output', 'requestedModel', 'score', 'traceId', 'usage'];
const STEP_KEYS = ['entitiesAdded', 'entityDensity', 'index', 'score', 'summary', 'tokens', 'words'];
const keysOf = (o: object) => Object.keys(o).sort();
const isJudge = (r: RecordedRequest) => /strict reviewer/i.test(r.body.systemInstruction?.parts?.[0]?.text ?? '');
const calls = (reqs: RecordedRequest[]) => ({
  generate: reqs.filter((r) => r.action !== 'countTokens' && !isJudge(r)).length,
  judge: reqs.filter((r) => r.action !== 'countTokens' && isJudge(r)).length,
  countTokens: reqs.filter((r) => r.action === 'countTokens').length,
});
const judged = (scores: number[]) => wireSteps({
  steps: scores.map((score, i) => ({ step: i + 1, criteria: SUMMARY_CRITERIA.map((name) => ({ name, score, reason: 'r' })), score, reason: `step ${i + 1}` })),
});

interface StepJson {
  index: number;
  summary: string;
  entitiesAdded: string[];
  words: number;
  tokens: number;
  entityDensity: number;
  score: number | null;
}

describe('codi summarize / generate (bundled CLI, as a child process)', function () {
  this.timeout(120_000);
  let bin: { cli: string; cleanup: () => void };
  let cli: string;
  let gemini: GeminiStandIn;
  let home: ReturnType<typeof tempDir>;
  let work: ReturnType<typeof tempDir>;

  before(async () => {
    bin = await buildCli('codi-clip-bin-');
    cli = bin.cli;
  });
  after(() => bin.cleanup());

  beforeEach(async () => {
    gemini = await startGeminiStandIn();
    home = tempDir('codi-clip-home-');
    work = tempDir('codi-clip-work-');
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

  describe('summarize', () => {
    const STEPS: Array<[string[], string]> = [
      [['`total`'], 'This code deals with a function called `total` that works on some list and gives back a value.'],
      [['reduce', 'price'], 'The `total` function uses reduce on the items, adding up each price, and gives back a number.'],
      [['empty list'], '`total` sums each price with reduce; an empty list returns 0 early, before reducing.'],
    ];
    const codReply = { kind: 'json' as const, value: { steps: STEPS.map(([missingEntities, denserSummary]) => ({ missingEntities, denserSummary })) } };

    it('--json prints the explain fields plus steps and recommendedStep; traces show agrees', async () => {
      gemini.enqueue(codReply, { kind: 'json', value: judged([0.7, 0.9, 0.9]) });
      const out = await codiJson<Record<string, unknown>>(['summarize', 'cart.js', '--steps', '3', '--json']);
      assert.deepEqual(keysOf(out), [...EXPLAIN_KEYS, 'recommendedStep', 'steps'].sort());
      const steps = out.steps as StepJson[];
      assert.equal(steps.length, 3);
      for (const s of steps) assert.deepEqual(keysOf(s), STEP_KEYS);
      const present = [1, 3, 4]; // accumulated entities that occur in each step's text
      steps.forEach((s, i) => {
        const [entities, summary] = STEPS[i]!;
        assert.deepEqual([s.index, s.summary, s.entitiesAdded, s.words], [i + 1, summary, entities, summary.split(' ').length]);
        assert.equal(s.tokens, estimateTokens(summary));
        assert.equal(s.entityDensity, present[i]! / s.tokens, `density of step ${i + 1}`);
      });
      assert.deepEqual(steps.map((s) => s.score), [0.7, 0.9, 0.9]);
      assert.equal(out.recommendedStep, 2, 'ties go to the earlier step');
      assert.equal(out.output, STEPS[1]![1]);
      assert.equal(out.score, 0.9);
      assert.equal((out.judge as { score: number }).score, 0.9);
      assert.equal(out.model, MODEL);
      assert.deepEqual(calls(gemini.requests), { generate: 1, judge: 1, countTokens: 3 });

      const t = await codiJson<{ type: string; output: string; spans: Array<{ name: string; attributes: Record<string, unknown> }>; scores: Array<{ name: string; value: number; spanId: string | null }> }>(['traces', 'show', out.traceId as string, '--json']);
      assert.equal(t.type, 'summarize');
      assert.equal(t.output, out.output);
      const stepSpans = t.spans.filter((s) => /^step \d$/.test(s.name));
      assert.deepEqual(stepSpans.map((s) => s.attributes.entityDensity), steps.map((s) => s.entityDensity));
      assert.equal(t.scores.find((s) => s.name === 'overall' && s.spanId === null)?.value, 0.9);
    });

    for (const mode of ['single', 'iterative'] as const) {
      it(`--mode ${mode} --steps 1..8: exactly N steps, ${mode === 'single' ? 'one CoD call' : 'N CoD calls'}`, async () => {
        for (let n = 1; n <= 8; n++) {
          gemini.requests.length = 0;
          const out = await codiJson<{ steps: StepJson[]; recommendedStep: number | null; score: number | null }>(['summarize', 'cart.js', '--steps', String(n), '--mode', mode, '--json']);
          assert.equal(out.steps.length, n, `--steps ${n}`);
          assert.deepEqual(out.steps.map((s) => s.index), Array.from({ length: n }, (_, i) => i + 1));
          for (const s of out.steps) assert.ok(s.tokens > 0 && s.words > 0 && s.entityDensity > 0 && typeof s.score === 'number');
          assert.equal(out.recommendedStep, Math.min(n, 3), 'the stand-in grades steps 0.58, 0.72, 0.91, 0.80, …');
          assert.deepEqual(calls(gemini.requests), { generate: mode === 'single' ? 1 : n, judge: 1, countTokens: n });
        }
      });
    }

    it('a line range sends only those lines; human output lists the steps and marks the recommended one', async () => {
      gemini.enqueue(codReply, { kind: 'json', value: judged([0.5, 0.6, 0.8]) });
      const r = await codi(['summarize', 'cart.js:2-5', '--steps', '3']);
      assert.equal(r.code, 0, r.stderr);
      const prompt = gemini.requests[0]!.body.contents?.[0]?.parts?.[0]?.text ?? '';
      assert.ok(prompt.includes('function total(items)') && !prompt.includes('// cart.js') && !prompt.includes('module.exports'));
      assert.match(r.stdout, /^Step 1 · \d+ words · \d+ tokens · density 0\.\d{3} · score 0\.50/m);
      assert.match(r.stdout, /^Step 3 .* score 0\.80 {2}← recommended$/m);
      assert.match(r.stderr, /recommended step 3 \(highest judged\)/);
      assert.match(r.stderr, /single mode · 3 steps · [\d,]+ tokens · \$[\d.]+ · [\d.]+ m?s · trace [0-9a-f-]{36}/);
    });

    it('--max-input-tokens below the input size summarizes in parts first', async () => {
      // --max-input-tokens is at least 1,000 (issue 12): an input of about 2,300 tokens makes 3 parts.
      writeFileSync(join(work.dir, 'long.js'), 'const total = 1;\n'.repeat(540));
      const r = await codi(['summarize', 'long.js', '--steps', '2', '--max-input-tokens', '1000', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { traceId: string; steps: StepJson[] };
      assert.equal(out.steps.length, 2);
      const streams = gemini.requests.filter((q) => q.action === 'streamGenerateContent');
      assert.ok(streams.length >= 2, `${streams.length} part summaries`);
      const t = await codiJson<{ metadata: { chunks: number }; spans: Array<{ name: string }> }>(['traces', 'show', out.traceId, '--json']);
      assert.equal(t.metadata.chunks, streams.length);
      assert.equal(t.spans.filter((s) => /^chunk \d+$/.test(s.name)).length, streams.length);
    });

    const usage: Array<[string, string[], RegExp]> = [
      ['--steps 9', ['--steps', '9'], /--steps must be an integer from 1 to 8/],
      ['--steps 0', ['--steps', '0'], /--steps must be an integer from 1 to 8/],
      ['--mode bogus', ['--mode', 'bogus'], /--mode must be single or iterative/],
      ['an unknown option', ['--bogus'], /unknown option --bogus/],
    ];
    for (const [label, extra, message] of usage) {
      it(`exits 2 on ${label} without calling Gemini`, async () => {
        const r = await codi(['summarize', 'cart.js', ...extra]);
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, message);
        assert.equal(gemini.requests.length, 0);
      });
    }

    it('exits 3 without a key and 130 on SIGINT, recording the cancelled trace', async () => {
      const nokey = await codi(['summarize', 'cart.js'], { GEMINI_API_KEY: '' });
      assert.equal(nokey.code, 3);
      gemini.enqueue({ kind: 'hang' });
      const run = start(['summarize', 'cart.js', '--mode', 'iterative']);
      await gemini.waitForRequests(1, 20_000);
      await new Promise((res) => setTimeout(res, 200));
      run.child.kill('SIGINT');
      const r = await run.done;
      assert.equal(r.code, 130, r.stderr);
      const rows = await codiJson<Array<{ type: string; error: { kind: string } | null }>>(['traces', 'list', '--json']);
      assert.deepEqual(rows.map((x) => [x.type, x.error?.kind]), [['summarize', 'cancelled'], ['summarize', 'no-key']]);
    });
  });

  describe('generate', () => {
    const CODE = 'function average(items) {\n  return items.length ? total(items) / items.length : 0;\n}';

    it('--json prints the explain fields plus code, language and parses', async () => {
      gemini.enqueue({ kind: 'text', text: `\`\`\`js\n${CODE}\n\`\`\`` });
      const out = await codiJson<Record<string, unknown>>(['generate', '--prompt', 'Add an average function', '--file', 'cart.js', '--line', '5', '--json']);
      assert.deepEqual(keysOf(out), [...EXPLAIN_KEYS, 'code', 'language', 'parses'].sort());
      assert.equal(out.code, CODE);
      assert.equal(out.language, 'javascript');
      assert.equal(out.parses, true);
      assert.equal(typeof out.score, 'number', 'judged by the stand-in');
      assert.equal(typeof out.costUsd, 'number');
      const prompt = gemini.requests[0]!.body.contents?.[0]?.parts?.[0]?.text ?? '';
      assert.match(prompt, /Add an average function/);
      assert.match(prompt, /The code goes after line 5\./);
      assert.ok(prompt.includes('module.exports = { total };'), 'the file is the context');
      const t = await codiJson<{ type: string; scores: Array<{ name: string; value: number; source: string }> }>(['traces', 'show', out.traceId as string, '--json']);
      assert.equal(t.type, 'generate');
      assert.deepEqual(t.scores.filter((s) => s.source === 'heuristic').map((s) => [s.name, s.value]), [['single-code-block', 1], ['parses', 1]]);
    });

    it('parses is false for broken TypeScript and null for an unchecked language', async () => {
      gemini.enqueue({ kind: 'text', text: '```ts\nconst x: = 1;\n```' });
      const bad = await codiJson<{ parses: boolean | null; language: string }>(['generate', '--prompt', 'x', '--lang', 'typescript', '--json', '--no-judge']);
      assert.deepEqual([bad.parses, bad.language], [false, 'typescript']);
      gemini.enqueue({ kind: 'text', text: '```python\nprint(1)\n```' });
      const py = await codiJson<{ parses: boolean | null; language: string; score: number | null }>(['generate', '--prompt', 'x', '--lang', 'python', '--json', '--no-judge']);
      assert.deepEqual([py.parses, py.language, py.score], [null, 'python', null]);
      gemini.enqueue({ kind: 'text', text: '```json\n{"a": 1}\n```' });
      const json = await codiJson<{ parses: boolean | null }>(['generate', '--prompt', 'x', '--lang', 'json', '--json', '--no-judge']);
      assert.equal(json.parses, true);
    });

    it('human output streams the answer to stdout and the checks and verdict to stderr', async () => {
      gemini.enqueue({ kind: 'text', text: '```ts\nconst a = 1;\n```\n```ts\nconst b = 2;\n```', chunks: 2 });
      const r = await codi(['generate', '--prompt', 'two constants', '--lang', 'typescript']);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stdout.startsWith('```ts\nconst a = 1;'));
      assert.match(r.stderr, /checks: parses ok, single-code-block FAILED \(2 code blocks; the first one is used\.\)/);
      assert.match(r.stderr, /score \d\.\d\d \(correctness/);
    });

    const usage: Array<[string, string[], RegExp]> = [
      ['no --prompt', ['generate'], /generate needs --prompt/],
      ['a positional argument', ['generate', 'cart.js', '--prompt', 'x'], /unexpected argument cart\.js/],
      ['--line without --file', ['generate', '--prompt', 'x', '--line', '3'], /--line needs --file/],
      ['a missing --file', ['generate', '--prompt', 'x', '--file', 'nope.js'], /no such file/],
    ];
    for (const [label, args, message] of usage) {
      it(`exits 2 on ${label} without calling Gemini`, async () => {
        const r = await codi(args);
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, message);
        assert.equal(gemini.requests.length, 0);
      });
    }

    it('exits 130 on SIGINT mid-stream and records the cancelled trace', async () => {
      gemini.enqueue({ kind: 'hang', afterChunks: 1, text: '```ts\nconst partial = 1;\nconst more = 2;\n```' });
      const run = start(['generate', '--prompt', 'x', '--lang', 'typescript']);
      await gemini.waitForRequests(1, 20_000);
      await new Promise((res) => setTimeout(res, 200));
      run.child.kill('SIGINT');
      const r = await run.done;
      assert.equal(r.code, 130, r.stderr);
      const rows = await codiJson<Array<{ type: string; error: { kind: string } | null }>>(['traces', 'list', '--json']);
      assert.deepEqual(rows.map((x) => [x.type, x.error?.kind]), [['generate', 'cancelled']]);
    });
  });
});
