/**
 * Real recorded Gemini traffic (../shared/gemini-real, see its README) served at the HTTP level to the core's
 * pipelines: what a user gets from each recorded case. Streams go to explain/generate, unary answers to the
 * judge, the token count to summarize, and the error bodies to every pipeline.
 */
import assert from 'node:assert/strict';
import { createGeminiClient } from '../../src/core/gemini/client';
import type { RetryNotice } from '../../src/core/gemini/client';
import { costOf, SHIPPED_PRICES } from '../../src/core/gemini/pricing';
import { describeRetry } from '../../src/core/gemini/retry';
import { nextStepOf } from '../../src/core/errors';
import { explain } from '../../src/core/pipelines/explain';
import { generate } from '../../src/core/pipelines/generate';
import { summarize } from '../../src/core/pipelines/summarize';
import { Tracer } from '../../src/core/tracing/tracer';
import type { SpanRecord, TraceRecord } from '../../src/shared/types';
import { realJson, realReply } from '../support/geminiReal';
import { startGeminiStandIn } from '../support/geminiStandIn';
import type { GeminiStandIn } from '../support/geminiStandIn';

const MODEL = 'gemini-2.5-flash';
const CODE = 'export function total(items: { price: number; qty: number }[]): number {\n  return items.reduce((s, i) => s + i.price * i.qty, 0);\n}\n';
const THOUGHT = /Exploring Sky Color|Breaking Down the Sum/;

describe('real recorded Gemini traffic, replayed at the HTTP level', () => {
  let gemini: GeminiStandIn;
  let saved: TraceRecord[];
  beforeEach(async () => {
    gemini = await startGeminiStandIn();
    saved = [];
  });
  afterEach(() => gemini.close());

  const base = (over: { maxDelayMs?: number; onRetry?: (n: RetryNotice) => void; signal?: AbortSignal } = {}) => ({
    tracer: new Tracer({ saveTrace: async (t) => void saved.push(structuredClone(t)) }),
    gemini: () => createGeminiClient({ apiKey: 'test-key', baseUrl: gemini.url, timeoutMs: 10_000, retry: { maxAttempts: 1, maxDelayMs: over.maxDelayMs ?? 60_000 } }),
    prices: SHIPPED_PRICES, model: MODEL, judgeModel: MODEL, judgeEnabled: true,
    ...(over.onRetry ? { onRetry: over.onRetry } : {}), ...(over.signal ? { signal: over.signal } : {}),
  });
  const explainRun = (over: Parameters<typeof base>[0] = {}, judge = true) =>
    explain({ code: CODE, language: 'typescript', file: 'src/cart.ts', startLine: 1, endLine: 3 }, { ...base(over), judgeEnabled: judge, maxInputChars: 10_000 });
  const generateRun = () => generate({ prompt: 'Write `average` next to `total`.', language: 'typescript', file: 'src/cart.ts', fileText: CODE, cursorLine: 3 }, { ...base(), judgeEnabled: false });
  const summarizeRun = () => summarize({ code: CODE, language: 'typescript', file: 'src/cart.ts', startLine: 1, endLine: 3 }, { ...base(), steps: 2, judgeEnabled: false });
  const span = (t: TraceRecord, name: string): SpanRecord => {
    const s = t.spans.find((x) => x.name === name);
    assert.ok(s, `span ${name} in [${t.spans.map((x) => x.name).join(', ')}]`);
    return s;
  };
  const pricedWithThinking = (s: SpanRecord) => {
    assert.ok(s.usage && s.model);
    assert.equal(s.costUsd, costOf(s.model, s.usage, SHIPPED_PRICES));
    const withoutThinking = costOf(s.model, { ...s.usage, thinkingTokens: 0 }, SHIPPED_PRICES);
    assert.ok(s.costUsd! > (withoutThinking ?? 0), 'thinking tokens are priced (as output)');
  };

  it('02 stream cut at MAX_TOKENS with thinking: the text is kept and flagged, thinking tokens from the last chunk counted and priced', async () => {
    gemini.enqueue(realReply('02'));
    const r = await explainRun({}, false);
    assert.equal(r.error, null);
    const t = saved[0]!;
    assert.equal(t.metadata.truncated, true);
    assert.match(String(t.metadata.warning), /cut off.*MAX_TOKENS/);
    const g = span(t, 'gemini.generate');
    assert.equal(g.attributes.finishReason, 'MAX_TOKENS');
    assert.equal(g.usage?.thinkingTokens, 45);
    assert.ok(r.output.length > 0 && r.output === g.output);
    pricedWithThinking(g);
  });

  it('07 stream with thought-summary parts: no thought text in the answer; 540 thinking tokens counted and priced', async () => {
    gemini.enqueue(realReply('07'));
    const r = await explainRun({}, false);
    assert.equal(r.error, null);
    assert.doesNotMatch(r.output, THOUGHT);
    assert.match(r.output, /scatter blue light/);
    const g = span(saved[0]!, 'gemini.generate');
    assert.equal(g.usage?.thinkingTokens, 540);
    assert.doesNotMatch(JSON.stringify(saved[0]), THOUGHT, 'thoughts are stored nowhere in the trace');
    pricedWithThinking(g);
  });

  it('08 a short stream ending in STOP is the answer, for explain and generate', async () => {
    const events = [...realReply('08').body.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1]!) as { candidates: Array<{ content: { parts: Array<{ text: string }> } }> });
    const expected = events.map((e) => e.candidates[0]!.content.parts.map((p) => p.text).join('')).join('');
    gemini.enqueue(realReply('08'));
    const r = await explainRun({}, false);
    assert.equal(r.error, null);
    assert.equal(r.output, expected);
    gemini.enqueue(realReply('08'));
    const g = await generateRun();
    assert.equal(g.output, expected);
    assert.equal(saved[1]!.metadata.truncated, undefined);
  });

  it('09 a prompt blocked for SAFETY (stream, no candidates) is a blocked error naming the reason, recorded on the trace', async () => {
    gemini.enqueue(realReply('09'));
    const r = await explainRun();
    assert.equal(r.error?.kind, 'blocked');
    assert.match(r.error!.message, /prompt blocked: SAFETY/);
    assert.equal(saved[0]!.error?.kind, 'blocked');
    assert.equal(span(saved[0]!, 'gemini.generate').attributes.blockReason, 'SAFETY');
    assert.equal(gemini.requests.length, 1, 'no judge call for a blocked answer');
  });

  it('a stream dropped in the middle of an event is a network error that keeps the partial text', async () => {
    const full = realReply('07');
    const lastEvent = full.body.lastIndexOf('data: ');
    gemini.enqueue({ ...full, cutAfter: lastEvent + 40 });
    const r = await explainRun({}, false);
    assert.equal(r.error?.kind, 'network', `${r.error?.kind}: ${r.error?.message}`);
    assert.doesNotMatch(nextStepOf(r.error!), /bug in CODI/);
    assert.ok(r.output.length > 0, 'the text received before the drop is kept');
    assert.equal(saved[0]!.output, r.output);
  });

  for (const [id, what, thinking] of [['01', 'a plain answer cut at MAX_TOKENS', 48], ['03', 'a JSON answer for another schema', 331], ['06', 'only a thought part, cut at MAX_TOKENS', 19]] as const) {
    it(`${id} served to the judge (${what}): repaired once, thoughts never parsed, thinking tokens counted`, async () => {
      gemini.enqueue({ kind: 'text', text: 'It sums price × qty.' }, realReply(id));
      const r = await explainRun();
      assert.equal(r.error, null);
      assert.ok(r.judge, 'the repair produced a verdict');
      const call = span(saved[0]!, 'judge.call');
      assert.equal(call.usage?.thinkingTokens, thinking);
      pricedWithThinking(call);
      assert.ok(saved[0]!.spans.some((s) => s.name === 'judge.repair'));
      assert.doesNotMatch(JSON.stringify(saved[0]), THOUGHT);
    });
  }

  for (const [id, reason] of [['10', 'SAFETY'], ['16', 'PROHIBITED_CONTENT']] as const) {
    it(`${id} a judge answer withheld for ${reason}: a blocked judge error naming it, the explanation kept, no repair`, async () => {
      gemini.enqueue({ kind: 'text', text: 'It sums price × qty.' }, realReply(id));
      const r = await explainRun();
      assert.equal(r.error, null);
      assert.equal(r.output, 'It sums price × qty.');
      assert.equal(r.judgeError?.kind, 'blocked');
      assert.match(r.judgeError!.message, new RegExp(reason));
      assert.equal(saved[0]!.spans.some((s) => s.name === 'judge.repair'), false);
    });
  }

  it('04 countTokens: the recorded total is the token count of each Chain-of-Density step', async () => {
    const total = (realJson('04') as { interactions: Array<{ response: { bodySegments: Array<{ totalTokens: number }> } }> }).interactions[0]!.response.bodySegments[0]!.totalTokens;
    gemini.enqueue({ ...realReply('04'), action: 'countTokens' }, { ...realReply('04'), action: 'countTokens' });
    const r = await summarizeRun();
    assert.equal(r.error, null, r.error?.message);
    assert.deepEqual(r.summary.steps.map((s) => s.tokens), [total, total]);
  });

  const errorCases: Array<[string, string, RegExp, RegExp]> = [
    ['05', 'unknown-model', /not found/i, /model name/],
    ['11', 'auth', /API key not valid/, /key/],
    ['12', 'auth', /Generative Language API is not enabled/, /https:\/\/console\.developers\.google\.com\/apis\/api\/generativelanguage\.googleapis\.com\/overview\?project=12345678/],
    ['13', 'quota', /generate_content_free_tier_requests \(limit 5, GenerateRequestsPerMinutePerProjectPerModel-FreeTier\).*retry in 58 s/, /Retry after 58 s/],
    ['14', 'service', /model is overloaded/, /Retry/],
    ['15', 'bad-input', /Thinking level MINIMAL is not supported/, /settings/],
  ];
  for (const [id, kind, message, next] of errorCases) {
    it(`${id} → ${kind} with a message and next step that say what happened, in explain, generate and summarize`, async () => {
      for (const run of [() => explainRun({ maxDelayMs: 10_000 }), generateRun, summarizeRun]) {
        saved = [];
        gemini.enqueue(realReply(id));
        const r = await run();
        assert.equal(r.error?.kind, kind, `${r.error?.kind}: ${r.error?.message}`);
        assert.match(r.error!.message, message);
        assert.match(nextStepOf(r.error!), next);
        assert.equal(saved[0]!.error?.kind, kind, 'recorded on the trace');
      }
    });
  }

  it('13 a free-tier 429 asking for 58 s: the run says "Rate limited — retrying in 58 s" while it waits, and Cancel ends it', async () => {
    gemini.enqueue(realReply('13'));
    const abort = new AbortController();
    const notices: RetryNotice[] = [];
    const client = () => createGeminiClient({ apiKey: 'k', baseUrl: gemini.url, timeoutMs: 10_000, retry: { maxAttempts: 4, maxDelayMs: 60_000 } });
    const r = await explain({ code: CODE, language: 'typescript', file: 'a.ts', startLine: 1, endLine: 3 }, {
      ...base(), gemini: client, maxInputChars: 10_000, signal: abort.signal,
      onRetry: (n) => { notices.push(n); abort.abort(); },
    });
    assert.equal(notices.length, 1);
    assert.equal(notices[0]!.delayMs, 58_000);
    assert.equal(describeRetry(notices[0]!), 'Rate limited — retrying in 58 s (attempt 2/4)');
    assert.equal(r.error?.kind, 'cancelled');
    assert.equal(gemini.requests.length, 1);
  });
});
