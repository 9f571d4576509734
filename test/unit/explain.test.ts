import assert from 'node:assert/strict';
import { createGeminiClient } from '../../src/core/gemini/client';
import { costOf, SHIPPED_PRICES } from '../../src/core/gemini/pricing';
import type { ExplainInput, ExplainOptions, ExplainResult } from '../../src/core/pipelines/explain';
import { explain } from '../../src/core/pipelines/explain';
import { promptVersion } from '../../src/core/prompts/prompt';
import { EXPLAIN_CRITERIA, EXPLAIN_PROMPT, JUDGE_PROMPT } from '../../src/core/prompts/templates';
import { TraceStore } from '../../src/core/store/traceStore';
import { Tracer } from '../../src/core/tracing/tracer';
import type { JudgeVerdict, SpanRecord, TraceRecord, Usage } from '../../src/shared/types';
import { addUsage, emptyUsage } from '../../src/shared/types';
import { tempDir, WASM } from '../support/fixtures';
import { startGeminiStandIn } from '../support/geminiStandIn';
import type { GeminiStandIn } from '../support/geminiStandIn';
import { wireVerdict } from '../support/verdicts';

const MODEL = 'gemini-2.5-flash';
const JUDGE_MODEL = 'gemini-2.5-pro';
const CODE = 'function add(a, b) {\n  return a + b;\n}';
const ANSWER = '`add` returns the sum of `a` and `b`.\n\nIt does not check the types of its arguments.';
const VERDICT: JudgeVerdict = {
  score: 0.75,
  reason: 'Accurate but brief.',
  criteria: [
    { name: 'faithfulness', score: 0.9, reason: 'All true.' },
    { name: 'clarity', score: 0.8, reason: 'Clear.' },
    { name: 'completeness', score: 0.6, reason: 'Misses NaN.' },
    { name: 'concision', score: 1, reason: 'Short.' },
  ],
};

const spanNamed = (t: TraceRecord, name: string): SpanRecord => {
  const s = t.spans.find((x) => x.name === name);
  assert.ok(s, `span ${name} in [${t.spans.map((x) => x.name).join(', ')}]`);
  return s;
};

/** Usage and cost summed over the trace's LLM spans. */
function llmTotals(t: TraceRecord): { usage: Usage; cost: number } {
  let usage = emptyUsage();
  let cost = 0;
  for (const s of t.spans.filter((x) => x.type === 'llm')) {
    assert.ok(s.usage, `llm span ${s.name} has usage`);
    usage = addUsage(usage, s.usage);
    cost += s.costUsd ?? 0;
  }
  return { usage, cost };
}

describe('explain pipeline (stand-in + real store)', () => {
  let gemini: GeminiStandIn;
  let tmp: ReturnType<typeof tempDir>;
  let store: TraceStore;

  beforeEach(async () => {
    gemini = await startGeminiStandIn();
    tmp = tempDir();
    store = await TraceStore.open({ dir: tmp.dir, wasmPath: WASM });
  });
  afterEach(async () => {
    await store.close();
    await gemini.close();
    tmp.cleanup();
  });

  const input = (over: Partial<ExplainInput> = {}): ExplainInput => ({
    code: CODE, language: 'javascript', file: 'src/add.js', startLine: 1, endLine: 3, ...over,
  });
  function run(over: Partial<ExplainOptions> = {}, inp: Partial<ExplainInput> = {}, apiKey = 'test-key'): Promise<ExplainResult> {
    return explain(input(inp), {
      tracer: new Tracer(store),
      gemini: () => createGeminiClient({ apiKey, baseUrl: gemini.url, timeoutMs: 10_000 }),
      prices: SHIPPED_PRICES,
      model: MODEL,
      judgeModel: JUDGE_MODEL,
      judgeEnabled: true,
      maxInputChars: 1000,
      ...over,
    });
  }
  /** The saved trace equals the returned one. */
  async function saved(r: ExplainResult): Promise<TraceRecord> {
    const t = await store.get(r.trace.id);
    assert.ok(t, 'trace saved');
    assert.deepEqual(t, r.trace);
    assert.ok(t.endTime !== null && t.endTime >= t.startTime);
    return t;
  }

  it('streams, judges and saves one trace with the full span tree, scores and totals', async () => {
    gemini.enqueue(
      { kind: 'text', text: ANSWER, chunks: 3, thoughtsTokens: 40, usage: { promptTokenCount: 100, candidatesTokenCount: 20 } },
      { kind: 'json', value: wireVerdict(VERDICT), thoughtsTokens: 10, usage: { promptTokenCount: 150, candidatesTokenCount: 60 } },
    );
    const deltas: string[] = [];
    let started: string | null = null;
    let judging = 0;
    const r = await run({ onText: (d) => deltas.push(d), onStart: (id) => (started = id), onJudging: () => judging++ });

    assert.equal(r.error, null);
    assert.equal(r.judgeError, null);
    assert.equal(r.output, ANSWER);
    assert.equal(deltas.length, 3);
    assert.equal(deltas.join(''), ANSWER);
    assert.deepEqual(r.judge, VERDICT);
    assert.equal(started, r.trace.id);
    assert.equal(judging, 1);

    const t = await saved(r);
    assert.equal(t.type, 'explain');
    assert.equal(t.name, 'Explain src/add.js:1-3');
    assert.equal(t.output, ANSWER);
    assert.equal(t.error, null);
    assert.equal(t.metadata.model, MODEL);
    assert.equal(t.metadata.judgeModel, JUDGE_MODEL);
    assert.equal(t.metadata.promptVersion, promptVersion(EXPLAIN_PROMPT));

    assert.deepEqual(t.spans.map((s) => s.name).sort(), ['explain', 'gemini.generate', 'judge', 'judge.call']);
    const root = spanNamed(t, 'explain');
    const gen = spanNamed(t, 'gemini.generate');
    const judgeSpan = spanNamed(t, 'judge');
    const call = spanNamed(t, 'judge.call');
    assert.deepEqual([root.type, root.parentSpanId], ['general', null]);
    assert.deepEqual([gen.type, gen.parentSpanId, gen.model, gen.provider], ['llm', root.id, MODEL, 'google_ai']);
    assert.deepEqual([judgeSpan.type, judgeSpan.parentSpanId, judgeSpan.model], ['judge', root.id, JUDGE_MODEL]);
    assert.deepEqual([call.type, call.parentSpanId, call.model], ['llm', judgeSpan.id, JUDGE_MODEL]);
    for (const s of t.spans) assert.equal(s.error, null, `${s.name} has no error`);

    assert.deepEqual(gen.usage, { promptTokens: 100, outputTokens: 20, thinkingTokens: 40, totalTokens: 160 });
    assert.equal(gen.costUsd, costOf(MODEL, gen.usage!, SHIPPED_PRICES));
    assert.ok(Math.abs(gen.costUsd! - (100 * 0.3 + 60 * 2.5) / 1e6) < 1e-12);
    assert.equal(gen.attributes.promptName, 'explain');
    assert.equal(gen.attributes.promptVersion, promptVersion(EXPLAIN_PROMPT));
    assert.equal(gen.attributes.chunks, 3);
    assert.equal(gen.attributes.finishReason, 'STOP');
    assert.equal(typeof gen.attributes.ttftMs, 'number');
    assert.equal(gen.output, ANSWER);
    assert.deepEqual(call.usage, { promptTokens: 150, outputTokens: 60, thinkingTokens: 10, totalTokens: 220 });
    assert.equal(call.costUsd, costOf(JUDGE_MODEL, call.usage!, SHIPPED_PRICES));
    assert.equal(call.attributes.promptName, JUDGE_PROMPT.name);
    assert.equal(call.attributes.promptVersion, promptVersion(JUDGE_PROMPT));
    assert.equal(judgeSpan.attributes.attempts, 1);

    assert.deepEqual(
      t.scores.map((s) => [s.name, s.value, s.reason, s.source]),
      [['overall', 0.75, 'Accurate but brief.', 'judge'], ...VERDICT.criteria.map((c) => [c.name, c.score, c.reason, 'judge'])],
    );
    const totals = llmTotals(t);
    assert.deepEqual(t.usage, totals.usage);
    assert.deepEqual(t.usage, { promptTokens: 250, outputTokens: 80, thinkingTokens: 50, totalTokens: 380 });
    assert.ok(Math.abs(t.costUsd! - totals.cost) < 1e-15);
    assert.equal(store.list()[0]!.score, 0.75);

    const [genReq, judgeReq] = gemini.requests;
    assert.equal(genReq!.path, `/v1beta/models/${MODEL}:streamGenerateContent`);
    assert.ok(genReq!.body.contents?.[0]?.parts?.[0]?.text?.includes(CODE));
    assert.equal(judgeReq!.path, `/v1beta/models/${JUDGE_MODEL}:generateContent`);
    assert.ok(judgeReq!.body.contents?.[0]?.parts?.[0]?.text?.includes(ANSWER), 'the judge sees the output');
  });

  it('skips the judge when disabled: one request, no judge spans, no scores', async () => {
    const r = await run({ judgeEnabled: false });
    assert.equal(r.error, null);
    assert.equal(r.judge, null);
    assert.ok(r.output.length > 20);
    assert.equal(gemini.requests.length, 1);
    const t = await saved(r);
    assert.deepEqual(t.spans.map((s) => s.name).sort(), ['explain', 'gemini.generate']);
    assert.deepEqual(t.scores, []);
    assert.equal(t.metadata.judgeModel, null);
    assert.deepEqual(t.usage, spanNamed(t, 'gemini.generate').usage);
  });

  it('records a judge error (model-output) after two malformed answers, keeping the output and both calls', async () => {
    gemini.enqueue(
      { kind: 'text', text: ANSWER, usage: { promptTokenCount: 50, candidatesTokenCount: 10 } },
      { kind: 'text', text: '{"score": 0.8, "crit', usage: { promptTokenCount: 70, candidatesTokenCount: 7 } },
      { kind: 'text', text: 'not json at all', usage: { promptTokenCount: 80, candidatesTokenCount: 5 } },
    );
    const r = await run();
    assert.equal(r.error, null);
    assert.equal(r.judge, null);
    assert.equal(r.judgeError?.kind, 'model-output');
    assert.equal(r.output, ANSWER);
    assert.equal(gemini.requests.length, 3);
    const t = await saved(r);
    assert.equal(t.error, null);
    assert.equal(t.output, ANSWER);
    assert.deepEqual(t.scores, []);
    assert.equal(spanNamed(t, 'judge').error?.kind, 'model-output');
    assert.equal(spanNamed(t, 'explain').error, null);
    assert.deepEqual(spanNamed(t, 'judge.call').usage, { promptTokens: 70, outputTokens: 7, thinkingTokens: 0, totalTokens: 77 });
    assert.deepEqual(spanNamed(t, 'judge.repair').usage, { promptTokens: 80, outputTokens: 5, thinkingTokens: 0, totalTokens: 85 });
    assert.equal(spanNamed(t, 'judge.repair').output, 'not json at all');
    assert.deepEqual(t.usage, llmTotals(t).usage);
    assert.equal(t.usage!.totalTokens, 60 + 77 + 85);
    assert.ok(Math.abs(t.costUsd! - llmTotals(t).cost) < 1e-15);
    assert.ok(t.costUsd! > spanNamed(t, 'gemini.generate').costUsd!, 'judge calls are priced too');
  });

  it('repairs one malformed judge answer (or a verdict that misses criteria) and records judge.repair', async () => {
    const incomplete = { score: 0.5, reason: 'r', criteria: [{ name: 'clarity', score: 0.5, reason: 'r' }] };
    for (const bad of [{ kind: 'text' as const, text: '{oops' }, { kind: 'json' as const, value: wireVerdict(incomplete) }]) {
      gemini.requests.length = 0;
      gemini.enqueue({ kind: 'text', text: ANSWER }, bad, { kind: 'json', value: wireVerdict(VERDICT) });
      const r = await run();
      assert.equal(r.error, null);
      assert.equal(r.judgeError, null);
      assert.deepEqual(r.judge, VERDICT);
      const t = await saved(r);
      const repair = spanNamed(t, 'judge.repair');
      assert.equal(repair.parentSpanId, spanNamed(t, 'judge').id);
      assert.equal(repair.error, null);
      assert.equal(spanNamed(t, 'judge').attributes.attempts, 2);
      assert.equal(t.scores.length, 1 + EXPLAIN_CRITERIA.length);
      assert.equal(gemini.requests.length, 3);
      assert.match(gemini.requests[2]!.body.contents?.[0]?.parts?.[0]?.text ?? '', /not valid JSON/);
    }
  });

  it('returns an auth error for a bad key and still saves the trace with it', async () => {
    const r = await run({}, {}, 'bad-key');
    assert.equal(r.error?.kind, 'auth');
    assert.equal(r.output, '');
    assert.equal(gemini.requests.length, 1);
    const t = await saved(r);
    assert.equal(t.error?.kind, 'auth');
    assert.equal(t.error?.status, 400);
    assert.equal(spanNamed(t, 'gemini.generate').error?.kind, 'auth');
    assert.equal(store.list()[0]!.error?.kind, 'auth');
  });

  it('returns no-key without a request when no key is set, and saves the trace', async () => {
    const r = await run({}, {}, '');
    assert.equal(r.error?.kind, 'no-key');
    assert.equal(gemini.requests.length, 0);
    const t = await saved(r);
    assert.equal(t.error?.kind, 'no-key');
    assert.equal(spanNamed(t, 'gemini.generate').error?.kind, 'no-key');
  });

  it('cancels mid-stream: kind cancelled, partial output kept, trace saved', async () => {
    const text = 'First part of the answer. Second part of the answer. Third part. Fourth part.';
    gemini.enqueue({ kind: 'hang', afterChunks: 1, text });
    const ac = new AbortController();
    const deltas: string[] = [];
    const p = run({ signal: ac.signal, onText: (d) => deltas.push(d) });
    await gemini.waitForRequests(1);
    while (deltas.length === 0) await new Promise((res) => setTimeout(res, 10));
    const t0 = Date.now();
    ac.abort();
    const r = await p;
    assert.ok(Date.now() - t0 < 1000, 'cancellation is prompt');
    assert.equal(r.error?.kind, 'cancelled');
    assert.equal(r.output, deltas.join(''));
    assert.ok(r.output.length > 0 && text.startsWith(r.output) && r.output.length < text.length);
    const t = await saved(r);
    assert.equal(t.error?.kind, 'cancelled');
    assert.equal(t.output, r.output);
    assert.equal(spanNamed(t, 'gemini.generate').error?.kind, 'cancelled');
    assert.equal(t.spans.some((s) => s.name === 'judge'), false);
    assert.equal(gemini.requests.length, 1);
  });

  it('turns a SAFETY finish into a blocked error and does not judge', async () => {
    gemini.enqueue({ kind: 'text', text: 'I cannot', finishReason: 'SAFETY' });
    const r = await run();
    assert.equal(r.error?.kind, 'blocked');
    assert.match(r.error!.message, /SAFETY/);
    assert.equal(gemini.requests.length, 1);
    const t = await saved(r);
    assert.equal(t.error?.kind, 'blocked');
    assert.equal(spanNamed(t, 'gemini.generate').attributes.finishReason, 'SAFETY');
  });

  const badInputs: Array<[string, string, RegExp]> = [
    ['binary (NUL bytes)', 'abc\u0000def', /binary/],
    ['binary (control characters)', '\u0001\u0002\u0003\u0004\u0005abc', /binary/],
    ['empty', '  \n\t ', /empty/],
    ['too large', 'x'.repeat(1001), /limit is 1,000/],
  ];
  for (const [label, code, message] of badInputs) {
    it(`rejects ${label} input as bad-input without any HTTP request`, async () => {
      const r = await run({}, { code });
      assert.equal(r.error?.kind, 'bad-input');
      assert.match(r.error!.message, message);
      assert.equal(gemini.requests.length, 0);
      assert.equal(gemini.unmatched.length, 0);
      const t = await saved(r);
      assert.equal(t.error?.kind, 'bad-input');
      assert.equal(t.usage, null);
    });
  }
});
