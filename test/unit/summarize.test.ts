import assert from 'node:assert/strict';
import type { GeminiClient } from '../../src/core/gemini/client';
import { createGeminiClient } from '../../src/core/gemini/client';
import { SHIPPED_PRICES } from '../../src/core/gemini/pricing';
import type { SummarizeInput, SummarizeOptions, SummarizeResult } from '../../src/core/pipelines/summarize';
import { summarize } from '../../src/core/pipelines/summarize';
import { promptVersion } from '../../src/core/prompts/prompt';
import { PROMPTS } from '../../src/core/prompts/registry';
import { SUMMARY_CRITERIA } from '../../src/core/prompts/summarize';
import { Tracer } from '../../src/core/tracing/tracer';
import type { CodStep, SpanRecord, TraceRecord } from '../../src/shared/types';
import { estimateTokens, startGeminiStandIn } from '../support/geminiStandIn';
import type { GeminiStandIn, RecordedRequest } from '../support/geminiStandIn';
import { wireSteps } from '../support/verdicts';

const MODEL = 'gemini-2.5-flash';
const JUDGE_MODEL = 'gemini-2.5-pro';
const CODE = [
  'export function total(items: Item[]): number {',
  '  if (!items.length) throw new Error("empty cart");',
  '  return items.reduce((sum, i) => sum + i.price * i.qty, 0);',
  '}',
].join('\n');

/** A scripted single-mode CoD answer. */
const cod = (steps: Array<[string[], string]>) => ({ steps: steps.map(([missingEntities, denserSummary]) => ({ missingEntities, denserSummary })) });
/** A scripted judge answer: one verdict per step with the given overall scores. */
const judged = (scores: number[]) => wireSteps({
  steps: scores.map((score, i) => ({
    step: i + 1,
    criteria: SUMMARY_CRITERIA.map((name) => ({ name, score: Math.min(1, Math.round((score + 0.05) * 100) / 100), reason: `${name} of step ${i + 1}` })),
    score,
    reason: `overall ${i + 1}`,
  })),
});

const STEPS: Array<[string[], string]> = [
  [['`total`'], 'This code deals with a function named `total` that does something with a list of things and returns a value.'],
  [['reduce', 'price'], 'The `total` function uses reduce over items, adding each price times something, returning a number.'],
  [['qty', 'empty cart error'], '`total` calls reduce on items, summing price * qty; an empty list throws an "empty cart" error.'],
  [['Item[]'], '`total(Item[])` reduces items summing price*qty; throws on an empty cart.'],
  [['O(n)'], '`total(Item[])`: O(n) reduce summing price*qty; throws on empty cart.'],
];

const byName = (t: TraceRecord, name: string): SpanRecord[] => t.spans.filter((s) => s.name === name);
const one = (t: TraceRecord, name: string): SpanRecord => {
  const list = byName(t, name);
  assert.equal(list.length, 1, `one span ${name} in [${t.spans.map((s) => s.name).join(', ')}]`);
  return list[0]!;
};
const isJudge = (r: RecordedRequest) => /strict reviewer/i.test(r.body.systemInstruction?.parts?.[0]?.text ?? '');
const countBy = (reqs: RecordedRequest[]) => ({
  generate: reqs.filter((r) => r.action !== 'countTokens' && !isJudge(r)).length,
  judge: reqs.filter((r) => r.action !== 'countTokens' && isJudge(r)).length,
  countTokens: reqs.filter((r) => r.action === 'countTokens').length,
});

describe('summarize pipeline (Chain of Density, stand-in)', () => {
  let gemini: GeminiStandIn;
  let saved: TraceRecord[];

  beforeEach(async () => {
    gemini = await startGeminiStandIn();
    saved = [];
  });
  afterEach(() => gemini.close());

  const input = (over: Partial<SummarizeInput> = {}): SummarizeInput => ({ code: CODE, language: 'typescript', file: 'src/cart.ts', startLine: 1, endLine: 4, ...over });
  function run(over: Partial<SummarizeOptions> = {}, inp: Partial<SummarizeInput> = {}, client?: (c: GeminiClient) => GeminiClient): Promise<SummarizeResult> {
    return summarize(input(inp), {
      tracer: new Tracer({ saveTrace: async (t) => void saved.push(structuredClone(t)) }),
      gemini: () => {
        const c = createGeminiClient({ apiKey: 'test-key', baseUrl: gemini.url, timeoutMs: 10_000 });
        return client ? client(c) : c;
      },
      prices: SHIPPED_PRICES,
      model: MODEL,
      judgeModel: JUDGE_MODEL,
      judgeEnabled: true,
      ...over,
    });
  }
  function savedTrace(r: SummarizeResult): TraceRecord {
    assert.equal(saved.length, 1, 'one trace saved');
    assert.deepEqual(saved[0], r.trace);
    return r.trace;
  }

  it('single mode: one CoD call, a span per step with our own density, one judge call, recommended step', async () => {
    gemini.enqueue({ kind: 'json', value: cod(STEPS), usage: { promptTokenCount: 300, candidatesTokenCount: 250 } }, { kind: 'json', value: judged([0.6, 0.7, 0.9, 0.85, 0.8]) });
    const seen: CodStep[] = [];
    let judging = 0;
    const r = await run({ onStep: (s) => seen.push({ ...s }), onJudging: () => judging++ });
    assert.equal(r.error, null);
    assert.equal(r.judgeError, null);
    const t = savedTrace(r);

    assert.deepEqual(countBy(gemini.requests), { generate: 1, judge: 1, countTokens: 5 });
    assert.equal(r.summary.mode, 'single');
    assert.equal(r.summary.chunks, 1);
    assert.deepEqual(seen.map((s) => s.index), [1, 2, 3, 4, 5]);
    assert.ok(seen.every((s) => s.score === null), 'steps are reported before judging');
    assert.equal(judging, 1);

    // Density: distinct accumulated entities that occur in the text / tokens (counted by countTokens).
    const expectPresent = [
      ['`total`'],
      ['`total`', 'reduce', 'price'],
      ['`total`', 'reduce', 'price', 'qty'], // "empty cart error" is not in the text
      ['`total`', 'price', 'qty', 'Item[]'], // "reduces" is not the word "reduce"
      ['`total`', 'price', 'qty', 'Item[]', 'O(n)'], // "reduce" occurs again
    ];
    expectPresent[4]!.push('reduce');
    r.summary.steps.forEach((s, i) => {
      const [entities, summary] = STEPS[i]!;
      const tokens = estimateTokens(summary);
      assert.equal(s.index, i + 1);
      assert.equal(s.summary, summary);
      assert.deepEqual(s.entitiesAdded, entities);
      assert.equal(s.words, summary.split(/\s+/).length);
      assert.equal(s.tokens, tokens);
      assert.equal(s.entityDensity, expectPresent[i]!.length / tokens, `density of step ${i + 1}`);
      const span = one(t, `step ${i + 1}`);
      assert.deepEqual([...(span.attributes.entitiesPresent as string[])].sort(), [...expectPresent[i]!].sort());
    });
    assert.deepEqual(one(t, 'step 3').attributes.entitiesMissing, ['empty cart error']);

    assert.deepEqual(r.summary.steps.map((s) => s.score), [0.6, 0.7, 0.9, 0.85, 0.8]);
    assert.equal(r.summary.recommendedStep, 3);
    assert.equal(r.output, STEPS[2]![1]);
    assert.equal(r.judge?.score, 0.9);
    assert.equal(r.stepVerdicts?.length, 5);
    assert.equal(t.output, r.output);

    // Span tree: summarize → cod → gemini.cod + step i (→ countTokens); summarize → judge → judge.call.
    const root = one(t, 'summarize');
    const codSpan = one(t, 'cod');
    const call = one(t, 'gemini.cod');
    assert.equal(root.parentSpanId, null);
    assert.equal(codSpan.parentSpanId, root.id);
    assert.deepEqual([call.type, call.parentSpanId, call.model], ['llm', codSpan.id, MODEL]);
    assert.deepEqual(call.usage, { promptTokens: 300, outputTokens: 250, thinkingTokens: 0, totalTokens: 550 });
    assert.equal(call.attributes.promptName, 'summarize.cod');
    assert.equal(call.attributes.promptVersion, promptVersion(PROMPTS['summarize.cod']));
    for (let i = 1; i <= 5; i++) {
      const s = one(t, `step ${i}`);
      assert.deepEqual([s.type, s.parentSpanId, s.usage, s.costUsd], ['general', codSpan.id, null, null], 'a step has no model usage of its own');
      assert.ok(s.startTime >= call.endTime!, 'steps are created after the call returns');
      assert.equal(s.attributes.codStep, i);
      assert.equal(s.output, STEPS[i - 1]![1]);
      const counts = t.spans.filter((x) => x.parentSpanId === s.id);
      assert.deepEqual(counts.map((x) => [x.name, x.type, x.attributes.tokenSource]), [['countTokens', 'tool', 'countTokens']]);
    }
    const judgeSpan = one(t, 'judge');
    assert.deepEqual([judgeSpan.type, judgeSpan.parentSpanId], ['judge', root.id]);
    assert.equal(one(t, 'judge.call').attributes.promptName, 'judge.summarize');

    // Scores: per step on its span; the recommended step's on the trace.
    const step3 = one(t, 'step 3');
    const spanScores = t.scores.filter((s) => s.spanId === step3.id);
    assert.deepEqual(spanScores.map((s) => [s.name, s.value, s.source]), [['overall', 0.9, 'judge'], ...SUMMARY_CRITERIA.map((c) => [c, 0.95, 'judge'])]);
    const traceScores = t.scores.filter((s) => !s.spanId);
    assert.deepEqual(traceScores.map((s) => s.name), ['overall', ...SUMMARY_CRITERIA]);
    assert.equal(traceScores[0]!.value, 0.9);
    assert.match(traceScores[0]!.reason, /^Step 3/);
    assert.equal(t.scores.length, 5 * 5 + 5);

    assert.equal(t.type, 'summarize');
    assert.equal(t.metadata.mode, 'single');
    assert.equal(t.metadata.recommendedStep, 3);
    assert.equal(t.metadata.promptVersion, promptVersion(PROMPTS['summarize.cod']));
    assert.deepEqual(t.metadata.prompts, { 'summarize.cod': promptVersion(PROMPTS['summarize.cod']), 'judge.summarize': promptVersion(PROMPTS['judge.summarize']) });
    assert.deepEqual(root.output, r.summary);
    // The CoD request asks for exactly 5 steps through its schema.
    const schema = gemini.requests.find((q) => q.action === 'generateContent')!.body.generationConfig?.responseJsonSchema as { properties: { steps: { minItems: number; maxItems: number } } };
    assert.deepEqual([schema.properties.steps.minItems, schema.properties.steps.maxItems], [5, 5]);
  });

  it('ties go to the earlier step', async () => {
    gemini.enqueue({ kind: 'json', value: cod(STEPS) }, { kind: 'json', value: judged([0.7, 0.9, 0.8, 0.9, 0.9]) });
    const r = await run();
    assert.equal(r.summary.recommendedStep, 2);
    assert.equal(r.output, STEPS[1]![1]);
  });

  it('iterative mode: one call per step inside its step span, each prompt builds on the previous summary', async () => {
    for (const [entities, summary] of STEPS) gemini.enqueue({ kind: 'json', value: { missingEntities: entities, denserSummary: summary } });
    gemini.enqueue({ kind: 'json', value: judged([0.5, 0.6, 0.7, 0.8, 0.75]) });
    const seen: number[] = [];
    const r = await run({ mode: 'iterative', onStep: (s) => seen.push(s.index) });
    assert.equal(r.error, null);
    const t = savedTrace(r);
    assert.deepEqual(countBy(gemini.requests), { generate: 5, judge: 1, countTokens: 5 });
    assert.deepEqual(seen, [1, 2, 3, 4, 5]);
    assert.equal(r.summary.mode, 'iterative');
    assert.equal(r.summary.recommendedStep, 4);
    assert.deepEqual(r.summary.steps.map((s) => s.summary), STEPS.map(([, s]) => s));
    assert.equal(r.summary.steps[2]!.entityDensity, 4 / estimateTokens(STEPS[2]![1]));
    const codSpan = one(t, 'cod');
    const calls = byName(t, 'gemini.cod.step');
    assert.equal(calls.length, 5);
    for (let i = 1; i <= 5; i++) {
      const s = one(t, `step ${i}`);
      assert.equal(s.parentSpanId, codSpan.id);
      const kids = t.spans.filter((x) => x.parentSpanId === s.id).map((x) => x.name);
      assert.deepEqual(kids, ['gemini.cod.step', 'countTokens']);
      const call = calls.find((c) => c.parentSpanId === s.id)!;
      assert.equal(call.attributes.promptName, i === 1 ? 'summarize.cod.first' : 'summarize.cod.next');
      assert.ok(call.usage && call.usage.totalTokens > 0);
    }
    const gen = gemini.requests.filter((q) => q.action === 'generateContent');
    const prompt3 = gen[2]!.body.contents?.[0]?.parts?.[0]?.text ?? '';
    assert.ok(prompt3.includes(STEPS[1]![1]), 'step 3 sees step 2');
    assert.match(prompt3, /step 3 of 5/);
    assert.match(prompt3, /`total`; reduce; price/);
    assert.deepEqual(Object.keys(t.metadata.prompts as object).sort(), ['judge.summarize', 'summarize.cod.first', 'summarize.cod.next']);
  });

  for (const mode of ['single', 'iterative'] as const) {
    it(`${mode} mode: steps 1..8 each give exactly N steps (${mode === 'single' ? '1 call' : 'N calls'} + judge + N counts)`, async () => {
      for (let n = 1; n <= 8; n++) {
        gemini.requests.length = 0;
        saved = [];
        const r = await run({ mode, steps: n });
        assert.equal(r.error, null, `steps ${n}: ${r.error?.message}`);
        assert.equal(r.judgeError, null);
        assert.equal(r.summary.steps.length, n);
        assert.deepEqual(r.summary.steps.map((s) => s.index), Array.from({ length: n }, (_, i) => i + 1));
        assert.deepEqual(countBy(gemini.requests), { generate: mode === 'single' ? 1 : n, judge: 1, countTokens: n });
        assert.equal(r.trace.spans.filter((s) => s.attributes.codStep !== undefined).length, n);
        assert.equal(r.summary.recommendedStep, Math.min(n, 3), 'the stand-in grades steps 0.58, 0.72, 0.91, 0.80, … : step 3 wins once it exists');
      }
    });
  }

  it('records a judge error after two malformed answers, keeps the steps, never throws', async () => {
    gemini.enqueue({ kind: 'json', value: cod(STEPS) }, { kind: 'text', text: '{"steps": [{"step": 1, "crit' }, { kind: 'json', value: { steps: [] } });
    const r = await run();
    assert.equal(r.error, null);
    assert.equal(r.judgeError?.kind, 'model-output');
    assert.equal(r.judge, null);
    assert.equal(r.stepVerdicts, null);
    assert.equal(r.summary.steps.length, 5);
    assert.ok(r.summary.steps.every((s) => s.score === null));
    assert.equal(r.summary.recommendedStep, null);
    assert.equal(r.output, STEPS[4]![1], 'unjudged: the last step');
    const t = savedTrace(r);
    assert.equal(t.error, null);
    assert.equal(one(t, 'judge').error?.kind, 'model-output');
    assert.equal(one(t, 'judge.repair').error, null);
    assert.deepEqual(t.scores, []);
  });

  it('repairs a CoD answer with too few steps once; fails with model-output after a second bad answer', async () => {
    gemini.enqueue({ kind: 'json', value: cod(STEPS.slice(0, 3)) }, { kind: 'json', value: cod(STEPS) });
    const ok = await run({ judgeEnabled: false });
    assert.equal(ok.error, null);
    assert.equal(ok.summary.steps.length, 5);
    assert.equal(one(ok.trace, 'gemini.cod.repair').error, null);
    assert.match(gemini.requests.filter((q) => q.action === 'generateContent')[1]!.body.contents?.[0]?.parts?.[0]?.text ?? '', /not valid JSON/);

    saved = [];
    gemini.enqueue({ kind: 'text', text: 'no json' }, { kind: 'json', value: { steps: 'five' } });
    const bad = await run();
    assert.equal(bad.error?.kind, 'model-output');
    assert.deepEqual(bad.summary.steps, []);
    const t = savedTrace(bad);
    assert.equal(t.error?.kind, 'model-output');
    assert.equal(byName(t, 'judge').length, 0);
  });

  it('keeps only the first N steps when the model writes more', async () => {
    gemini.enqueue({ kind: 'json', value: cod(STEPS) });
    const r = await run({ steps: 3, judgeEnabled: false });
    assert.equal(r.summary.steps.length, 3);
    assert.equal(one(r.trace, 'cod').attributes.extraStepsDropped, 2);
  });

  it('without the judge: no judge call, no scores, the last step is the output', async () => {
    gemini.enqueue({ kind: 'json', value: cod(STEPS) });
    const r = await run({ judgeEnabled: false });
    assert.deepEqual(countBy(gemini.requests), { generate: 1, judge: 0, countTokens: 5 });
    assert.equal(r.summary.recommendedStep, null);
    assert.equal(r.output, STEPS[4]![1]);
    assert.deepEqual(r.trace.scores, []);
    assert.equal(r.trace.metadata.judgeModel, null);
  });

  it('long input: counts tokens, splits on line boundaries into chunks within the limit, summarizes each, then CoD', async () => {
    const lines = Array.from({ length: 24 }, (_, i) => `export const value${i} = compute(${i}, "some padding text");`);
    const code = lines.join('\n');
    const limit = 120;
    let chunkReplies = 0;
    gemini.defaultHandler = (req) => {
      if (req.action === 'countTokens') return { kind: 'count' };
      if (req.action === 'streamGenerateContent') return { kind: 'text', text: `Part summary ${++chunkReplies}: defines values with \`compute\`.` };
      return { kind: 'json', value: req.body.generationConfig?.responseJsonSchema && /strict reviewer/.test(req.body.systemInstruction?.parts?.[0]?.text ?? '') ? judged([0.8, 0.8, 0.8]) : cod(STEPS.slice(0, 3)) };
    };
    const progress: Array<[number, number]> = [];
    const r = await run({ steps: 3, maxInputTokens: limit, onChunk: (d, n) => progress.push([d, n]) }, { code, endLine: 24 });
    assert.equal(r.error, null, r.error?.message);
    const t = savedTrace(r);
    const total = estimateTokens(code);
    assert.ok(total > limit);
    assert.equal(one(t, 'input.countTokens').output, total);
    const chunkSpans = t.spans.filter((s) => /^chunk \d+$/.test(s.name));
    assert.equal(r.summary.chunks, chunkSpans.length);
    assert.ok(chunkSpans.length >= Math.ceil(total / limit), `${chunkSpans.length} chunks`);
    assert.equal(one(t, 'chunks').parentSpanId, one(t, 'summarize').id);
    let nextLine = 1;
    for (const s of chunkSpans) {
      const inp = s.input as { startLine: number; endLine: number; tokens: number };
      assert.equal(inp.startLine, nextLine, 'chunks cover the lines in order, without gaps');
      assert.ok(inp.tokens <= limit, `chunk of ${inp.tokens} tokens`);
      const text = lines.slice(inp.startLine - 1, inp.endLine).join('\n');
      assert.ok(estimateTokens(text) <= limit);
      nextLine = inp.endLine + 1;
      assert.deepEqual(t.spans.filter((x) => x.parentSpanId === s.id).map((x) => [x.name, x.type]), [['gemini.chunk', 'llm']]);
    }
    assert.equal(nextLine, 25);
    assert.equal(progress[0]![0], 0);
    assert.deepEqual(progress.at(-1), [chunkSpans.length, chunkSpans.length]);
    const codReq = gemini.requests.find((q) => q.action === 'generateContent')!;
    const codPrompt = codReq.body.contents?.[0]?.parts?.[0]?.text ?? '';
    assert.match(codPrompt, new RegExp(`Part 1 of ${chunkSpans.length} \\(lines 1-`));
    assert.ok(!codPrompt.includes('value23 = compute'), 'CoD sees the part summaries, not the code');
    assert.equal(r.summary.steps.length, 3);
    assert.equal(t.metadata.chunks, chunkSpans.length);
  });

  it('falls back to an estimate when a step count fails, and says so on the span', async () => {
    gemini.enqueue({ kind: 'json', value: cod(STEPS.slice(0, 2)) });
    const r = await run({ steps: 2, judgeEnabled: false }, {}, (c) => ({ ...c, countTokens: async () => { throw new Error('count service down'); } }));
    assert.equal(r.error, null);
    const s = r.summary.steps[0]!;
    assert.equal(s.tokens, Math.ceil(STEPS[0]![1].length / 4));
    const span = one(r.trace, 'step 1');
    assert.equal(span.attributes.tokenSource, 'estimate');
    assert.match(String(t0(r.trace, span).attributes.countError), /count service down/);
  });

  it('cancelling during iterative mode records a cancelled trace with the steps done so far', async () => {
    const ac = new AbortController();
    gemini.enqueue({ kind: 'json', value: { missingEntities: ['`total`'], denserSummary: STEPS[0]![1] } }, { kind: 'hang' });
    const p = run({ mode: 'iterative', signal: ac.signal, onStep: () => setTimeout(() => ac.abort(), 50) });
    const r = await p;
    assert.equal(r.error?.kind, 'cancelled');
    assert.equal(r.summary.steps.length, 1);
    assert.equal(r.output, STEPS[0]![1]);
    const t = savedTrace(r);
    assert.equal(t.error?.kind, 'cancelled');
    assert.equal(one(t, 'step 2').error?.kind, 'cancelled');
  });

  const bad: Array<[string, Partial<SummarizeOptions>, Partial<SummarizeInput>, RegExp]> = [
    ['steps 0', { steps: 0 }, {}, /steps must be a whole number from 1 to 8/],
    ['steps 9', { steps: 9 }, {}, /from 1 to 8/],
    ['words 5', { words: 5 }, {}, /words/],
    ['an empty selection', {}, { code: '  \n ' }, /empty/],
    ['binary input', {}, { code: 'a\u0000b' }, /binary/],
    ['an override with an unknown variable', { promptOverrides: { 'summarize.cod': { user: '{{nope}}' } } }, {}, /\{\{nope\}\}/],
  ];
  for (const [label, opts, inp, message] of bad) {
    it(`rejects ${label} as bad-input without any request, and saves the trace`, async () => {
      const r = await run(opts, inp);
      assert.equal(r.error?.kind, 'bad-input');
      assert.match(r.error!.message, message);
      assert.equal(gemini.requests.length, 0);
      assert.equal(savedTrace(r).error?.kind, 'bad-input');
    });
  }

  it('a prompt override is sent and recorded with its own version', async () => {
    const override = { system: 'You are a terse code summarizer. Entities in backticks.' };
    gemini.enqueue({ kind: 'json', value: cod(STEPS) });
    const r = await run({ judgeEnabled: false, promptOverrides: { 'summarize.cod': override } });
    assert.equal(r.error, null);
    const version = promptVersion({ name: 'summarize.cod', system: override.system, user: PROMPTS['summarize.cod'].user });
    assert.notEqual(version, promptVersion(PROMPTS['summarize.cod']));
    assert.equal(one(r.trace, 'gemini.cod').attributes.promptVersion, version);
    assert.equal(r.trace.metadata.promptVersion, version);
    assert.deepEqual(r.trace.metadata.promptOverrides, ['summarize.cod']);
    assert.equal(gemini.requests[0]!.body.systemInstruction?.parts?.[0]?.text, override.system);
  });
});

function t0(t: TraceRecord, parent: SpanRecord): SpanRecord {
  const kid = t.spans.find((s) => s.parentSpanId === parent.id && s.name === 'countTokens');
  assert.ok(kid);
  return kid;
}
