import assert from 'node:assert/strict';
import { CodiError } from '../../src/core/errors';
import type { GeminiClientOptions } from '../../src/core/gemini/client';
import { createGeminiClient, finishProblem, UnparsableJsonError } from '../../src/core/gemini/client';
import { ModelCallError } from '../../src/core/gemini/errors';
import { costOf, SHIPPED_PRICES } from '../../src/core/gemini/pricing';
import { backoffDelayMs, parseRetryAfter, retryPolicy } from '../../src/core/gemini/retry';
import { streamSpan } from '../../src/core/pipelines/llmSpan';
import { renderPrompt } from '../../src/core/prompts/prompt';
import { Tracer } from '../../src/core/tracing/tracer';
import type { TraceRecord } from '../../src/shared/types';
import { startGeminiStandIn } from '../support/geminiStandIn';
import type { GeminiStandIn, Reply } from '../support/geminiStandIn';

const MODEL = 'gemini-2.5-flash';
const FALLBACK = 'gemini-2.5-flash-lite';
const SCHEMA = { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] };
const TEXT = 'The function `add` returns the sum of its two arguments, without any checks on their types.';

async function failsWith(p: Promise<unknown>, kind: CodiError['kind']): Promise<ModelCallError> {
  let e: unknown = null;
  try {
    await p;
  } catch (err) {
    e = err;
  }
  assert.ok(e instanceof ModelCallError, `expected a ModelCallError, got ${String(e)}`);
  assert.ok(e instanceof CodiError);
  assert.equal(e.kind, kind, `kind of "${e.message}"`);
  return e;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Gemini client retry policy (wire stand-in)', function () {
  this.timeout(10_000);
  let gemini: GeminiStandIn;
  let logs: string[];
  const make = (o: Partial<GeminiClientOptions> = {}) =>
    createGeminiClient({
      apiKey: 'test-key',
      baseUrl: gemini.url,
      retry: { baseDelayMs: 10 },
      logger: { info: (m) => logs.push(`info ${m}`), warn: (m) => logs.push(`warn ${m}`) },
      ...o,
    });
  const paths = () => gemini.requests.map((r) => r.path);
  const primaryThenDefault = (status: 500 | 503) => {
    gemini.defaultHandler = (req) => (req.model === MODEL ? { kind: 'error', status } : { kind: 'text', text: TEXT, chunks: 2 });
  };

  beforeEach(async () => {
    gemini = await startGeminiStandIn({ knownModels: [MODEL, FALLBACK, 'gemini-2.5-pro'] });
    logs = [];
  });
  afterEach(async () => {
    await gemini.close();
  });

  it('waits out a 429 RetryInfo of 2s, then succeeds on attempt 2 and logs the retry', async () => {
    gemini.enqueue({ kind: 'error', status: 429, retryDelay: '2s' }, { kind: 'text', text: TEXT, chunks: 3 });
    const t0 = Date.now();
    const r = await make({ retry: {} }).stream({ model: MODEL, prompt: 'Explain add' });
    const elapsed = Date.now() - t0;
    assert.ok(elapsed >= 2000, `waited ${elapsed} ms`);
    assert.equal(r.text, TEXT);
    assert.equal(r.attempts, 2);
    assert.equal(r.retryDelaysMs?.length, 1);
    assert.ok(r.retryDelaysMs![0]! >= 2000, `delay ${r.retryDelaysMs![0]}`);
    assert.equal(r.fallbackFrom, null);
    assert.ok(r.ttftMs! >= 2000, 'ttft counts from the start of the call');
    assert.equal(gemini.requests.length, 2);
    assert.ok(gemini.requests[1]!.receivedAt - gemini.requests[0]!.receivedAt >= 1990);
    assert.ok(logs.some((l) => /^warn 429 from gemini-2\.5-flash, retrying in 2\.\d s \(attempt 2\/4\)$/.test(l)), logs.join('\n'));
    assert.doesNotMatch(gemini.requests[0]!.rawBody, /httpOptions|fetch/, 'the per-request fetch hook is not sent');
  });

  it('honours a Retry-After header (503 and 429, no RetryInfo) and keeps it on the final error', async () => {
    gemini.enqueue({ kind: 'error', status: 503, retryAfterHeader: '1' }, { kind: 'json', value: { n: 1 } });
    const t0 = Date.now();
    const r = await make().generateJson({ model: MODEL, prompt: 'n', schema: SCHEMA });
    assert.ok(Date.now() - t0 >= 1000, `waited ${Date.now() - t0} ms`);
    assert.deepEqual(r.json, { n: 1 });
    assert.equal(r.attempts, 2);
    assert.ok(r.retryDelaysMs![0]! >= 1000);

    gemini.enqueue({ kind: 'error', status: 429, retryAfterHeader: '0.3' });
    const e = await failsWith(make({ retry: { maxAttempts: 1 } }).stream({ model: MODEL, prompt: 'p' }), 'quota');
    assert.equal(e.retryDelayMs, 300);
  });

  it('gives up at once when the server asks for longer than maxDelayMs', async () => {
    gemini.enqueue({ kind: 'error', status: 429, retryDelay: '30s' });
    const t0 = Date.now();
    const e = await failsWith(make({ retry: { baseDelayMs: 10, maxDelayMs: 1000 } }).stream({ model: MODEL, prompt: 'p' }), 'quota');
    assert.ok(Date.now() - t0 < 1000);
    assert.equal(e.retryDelayMs, 30_000);
    assert.equal(gemini.requests.length, 1);
    assert.equal(e.partial?.attempts, 1);
  });

  it('falls back after a 503 storm: fallbackFrom recorded, paths show the fallback model', async () => {
    primaryThenDefault(503);
    const r = await make({ retry: { maxAttempts: 3, baseDelayMs: 10 }, fallbackModel: FALLBACK }).stream({ model: MODEL, prompt: 'p' });
    assert.equal(r.text, TEXT);
    assert.equal(r.model, FALLBACK);
    assert.equal(r.fallbackFrom, MODEL);
    assert.equal(r.attempts, 4);
    assert.equal(r.retryDelaysMs?.length, 2);
    const primary = `/v1beta/models/${MODEL}:streamGenerateContent`;
    assert.deepEqual(paths(), [primary, primary, primary, `/v1beta/models/${FALLBACK}:streamGenerateContent`]);
    assert.ok(logs.some((l) => l.includes(`falling back to ${FALLBACK}`)), logs.join('\n'));
  });

  it('falls back on a 429 storm with a per-request fallback model, but never on a 500 storm', async () => {
    gemini.defaultHandler = (req) => (req.model === MODEL ? { kind: 'error', status: 429 } : { kind: 'json', value: { n: 2 } });
    const r = await make({ retry: { maxAttempts: 2, baseDelayMs: 10 } }).generateJson({ model: MODEL, prompt: 'n', schema: SCHEMA, fallbackModel: FALLBACK });
    assert.deepEqual(r.json, { n: 2 });
    assert.equal(r.model, FALLBACK);
    assert.equal(r.fallbackFrom, MODEL);
    assert.equal(gemini.requests.length, 3);

    primaryThenDefault(500);
    const e = await failsWith(make({ retry: { maxAttempts: 2, baseDelayMs: 10 }, fallbackModel: FALLBACK }).stream({ model: MODEL, prompt: 'p' }), 'service');
    assert.equal(e.status, 500);
    assert.equal(gemini.requests.length, 5);
    assert.ok(gemini.requests.slice(3).every((q) => q.model === MODEL));
  });

  it('a 503 storm without fallback fails as service after exactly maxAttempts requests', async () => {
    gemini.defaultHandler = () => ({ kind: 'error', status: 503 });
    const e = await failsWith(make().stream({ model: MODEL, prompt: 'p' }), 'service');
    assert.equal(e.status, 503);
    assert.equal(gemini.requests.length, 4);
    assert.equal(e.partial?.attempts, 4);
    assert.equal(e.partial?.retryDelaysMs?.length, 3);
    assert.equal(e.partial?.fallbackFrom, null);
    assert.ok(logs.some((l) => l.includes('giving up after 4 attempts')));
  });

  it('countTokens retries a 503 too, and never falls back', async () => {
    gemini.enqueue({ kind: 'error', status: 503, action: 'countTokens' }, { kind: 'count', totalTokens: 42 });
    assert.equal(await make({ fallbackModel: FALLBACK }).countTokens({ model: MODEL, text: 'abc' }), 42);
    assert.deepEqual(gemini.requests.map((q) => [q.model, q.action]), [[MODEL, 'countTokens'], [MODEL, 'countTokens']]);
  });

  it('a failing fallback reports its own error, with fallbackFrom and the total attempts', async () => {
    gemini.defaultHandler = () => ({ kind: 'error', status: 503 });
    const e = await failsWith(make({ retry: { maxAttempts: 2, baseDelayMs: 10 }, fallbackModel: FALLBACK }).stream({ model: MODEL, prompt: 'p' }), 'service');
    assert.equal(gemini.requests.length, 4);
    assert.equal(e.partial?.model, FALLBACK);
    assert.equal(e.partial?.fallbackFrom, MODEL);
    assert.equal(e.partial?.attempts, 4);
  });

  const never: Array<[string, Reply | null, CodiError['kind'], number]> = [
    ['400', { kind: 'error', status: 400 }, 'bad-input', 400],
    ['400 API_KEY_INVALID', null, 'auth', 400],
    ['401', { kind: 'error', status: 401 }, 'auth', 401],
    ['403', { kind: 'error', status: 403 }, 'auth', 403],
    ['404 (unknown model)', null, 'unknown-model', 404],
  ];
  for (const [name, reply, kind, status] of never) {
    it(`does not retry ${name}: exactly one request, even with a fallback model`, async () => {
      if (reply) gemini.enqueue(reply);
      const c = make({ apiKey: name.includes('KEY') ? 'bad-key' : 'test-key', fallbackModel: FALLBACK });
      const model = name.startsWith('404') ? 'gemini-9-imaginary' : MODEL;
      const e = await failsWith(c.stream({ model, prompt: 'p' }), kind);
      assert.equal(e.status, status);
      assert.equal(gemini.requests.length, 1);
      assert.equal(e.partial?.attempts, 1);
      assert.deepEqual(logs, []);
    });
  }

  it('retries a connection dropped (or an error frame) before the first chunk', async () => {
    gemini.enqueue({ kind: 'drop' }, { kind: 'streamError', afterChunks: 0, status: 503 }, { kind: 'text', text: TEXT, chunks: 2 });
    const deltas: string[] = [];
    const r = await make().stream({ model: MODEL, prompt: 'p' }, (d) => deltas.push(d));
    assert.equal(r.text, TEXT);
    assert.equal(deltas.join(''), TEXT);
    assert.equal(r.attempts, 3);
    assert.equal(r.chunks, 2);
    assert.equal(gemini.requests.length, 3);
    assert.ok(logs.some((l) => l.startsWith('warn network error from gemini-2.5-flash, retrying')), logs.join('\n'));
  });

  it('does not retry a drop after text was delivered: network error carrying the partial text', async () => {
    gemini.enqueue({ kind: 'drop', afterChunks: 2, text: TEXT });
    const deltas: string[] = [];
    const e = await failsWith(make().stream({ model: MODEL, prompt: 'p' }, (d) => deltas.push(d)), 'network');
    assert.equal(gemini.requests.length, 1);
    assert.ok(deltas.length === 2);
    assert.equal(e.partial?.text, deltas.join(''));
    assert.ok(TEXT.startsWith(e.partial!.text) && e.partial!.text.length > 0);
    assert.equal(e.partial?.chunks, 2);
    assert.equal(e.partial?.attempts, 1);
  });

  it('times out each attempt: one request without retries, maxAttempts requests with them', async () => {
    gemini.defaultHandler = () => ({ kind: 'hang' });
    await failsWith(make({ timeoutMs: 200, retry: { maxAttempts: 1 } }).stream({ model: MODEL, prompt: 'p' }), 'timeout');
    assert.equal(gemini.requests.length, 1);
    const t0 = Date.now();
    const e = await failsWith(make({ timeoutMs: 200, retry: { maxAttempts: 3, baseDelayMs: 10 } }).stream({ model: MODEL, prompt: 'p' }), 'timeout');
    assert.ok(Date.now() - t0 >= 600, 'three full attempts');
    assert.equal(gemini.requests.length, 4);
    assert.equal(e.partial?.attempts, 3);
  });

  it('a stall after the first chunk times out without a retry, keeping the partial text', async () => {
    gemini.enqueue({ kind: 'hang', afterChunks: 1, text: TEXT });
    const e = await failsWith(make({ timeoutMs: 300 }).stream({ model: MODEL, prompt: 'p' }), 'timeout');
    assert.equal(gemini.requests.length, 1);
    assert.ok(e.partial!.text.length > 0 && TEXT.startsWith(e.partial!.text));
  });

  it('cancel during a backoff sleep returns promptly as cancelled', async () => {
    gemini.enqueue({ kind: 'error', status: 429, retryDelay: '5s' });
    const ac = new AbortController();
    const p = make({ retry: {} }).stream({ model: MODEL, prompt: 'p', signal: ac.signal });
    await gemini.waitForRequests(1);
    await pause(150);
    const t0 = Date.now();
    ac.abort();
    const e = await failsWith(p, 'cancelled');
    assert.ok(Date.now() - t0 < 500, `cancelled after ${Date.now() - t0} ms`);
    assert.equal(gemini.requests.length, 1);
    assert.deepEqual(e.partial?.retryDelaysMs, [5000]);
  });

  it('cancel mid-stream: cancelled, partial text kept, no retry', async () => {
    gemini.enqueue({ kind: 'hang', afterChunks: 1, text: TEXT });
    const ac = new AbortController();
    const deltas: string[] = [];
    const p = make({ timeoutMs: 60_000 }).stream({ model: MODEL, prompt: 'p', signal: ac.signal }, (d) => deltas.push(d));
    while (deltas.length === 0) await pause(10);
    const t0 = Date.now();
    ac.abort();
    const e = await failsWith(p, 'cancelled');
    assert.ok(Date.now() - t0 < 500);
    assert.equal(e.partial?.text, deltas.join(''));
    await pause(50);
    assert.equal(gemini.requests.length, 1);
  });

  it('reports MAX_TOKENS as truncated and SAFETY (or a blocked prompt) as blocked', async () => {
    gemini.enqueue({ kind: 'text', text: 'Cut', finishReason: 'MAX_TOKENS' }, { kind: 'text', text: '', finishReason: 'SAFETY' });
    const cut = await make().stream({ model: MODEL, prompt: 'p' });
    assert.equal(finishProblem(cut.finishReason)?.kind, 'truncated');
    assert.match(finishProblem(cut.finishReason)!.message, /MAX_TOKENS/);
    const blocked = await make().stream({ model: MODEL, prompt: 'p' });
    assert.deepEqual([finishProblem(blocked.finishReason)?.kind, finishProblem(blocked.finishReason)?.reason], ['blocked', 'SAFETY']);
    assert.equal(blocked.attempts, 1, 'a finish reason is an answer, not retried');

    const body = JSON.stringify({ promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata: { promptTokenCount: 5, totalTokenCount: 5 } });
    gemini.enqueue({ kind: 'raw', status: 200, body });
    const r = await make().generateJson({ model: MODEL, prompt: 'p', schema: SCHEMA }).catch((err: unknown) => err);
    assert.ok(r instanceof UnparsableJsonError, 'an empty answer is not JSON');
    assert.equal(r.result.blockReason, 'PROHIBITED_CONTENT');
    assert.equal(finishProblem(r.result.finishReason, r.result.blockReason)?.reason, 'PROMPT_PROHIBITED_CONTENT');
    assert.equal(finishProblem(null, 'PROHIBITED_CONTENT')?.kind, 'blocked');
    assert.equal(finishProblem('STOP'), null);
    assert.equal(finishProblem(null), null);
    assert.equal(finishProblem('OTHER')?.kind, 'blocked');
  });

  it('records attempts, delays, fallback, ttft, chunks, finish reason and the fallback price on the span', async () => {
    gemini.defaultHandler = (req) =>
      req.model === MODEL ? { kind: 'error', status: 503 } : { kind: 'text', text: TEXT, chunks: 3, finishReason: 'MAX_TOKENS', usage: { promptTokenCount: 1000, candidatesTokenCount: 500 } };
    const saved: TraceRecord[] = [];
    const trace = new Tracer({ saveTrace: async (t) => void saved.push(t) }).startTrace({ name: 't', type: 'explain', input: null });
    const prompt = renderPrompt({ name: 'p', system: 'Be brief.', user: 'Explain {{x}}' }, { x: 'add' });
    const client = make({ retry: { maxAttempts: 2, baseDelayMs: 10 }, fallbackModel: FALLBACK });
    const r = await streamSpan({ gemini: () => client, prices: SHIPPED_PRICES }, trace, 'gemini.generate', MODEL, prompt);
    await trace.end({ output: r.text });
    const span = saved[0]!.spans.find((s) => s.name === 'gemini.generate')!;
    assert.equal(span.model, FALLBACK);
    assert.equal(span.costUsd, costOf(FALLBACK, r.usage, SHIPPED_PRICES));
    assert.notEqual(span.costUsd, costOf(MODEL, r.usage, SHIPPED_PRICES));
    const a = span.attributes;
    assert.deepEqual([a.attempts, a.fallbackFrom, a.chunks, a.finishReason, a.finishProblem], [3, MODEL, 3, 'MAX_TOKENS', 'truncated']);
    assert.equal((a.retryDelaysMs as number[]).length, 1);
    assert.equal(typeof a.ttftMs, 'number');
    assert.match(String(a.warning), /cut off/);
  });

  it('records a failed call (attempts, partial text) on the span', async () => {
    gemini.enqueue({ kind: 'error', status: 500 }, { kind: 'drop', afterChunks: 1, text: TEXT });
    const saved: TraceRecord[] = [];
    const trace = new Tracer({ saveTrace: async (t) => void saved.push(t) }).startTrace({ name: 't', type: 'explain', input: null });
    const prompt = renderPrompt({ name: 'p', system: '', user: 'Explain' }, {});
    const client = make();
    await streamSpan({ gemini: () => client, prices: SHIPPED_PRICES }, trace, 'gemini.generate', MODEL, prompt).catch(() => undefined);
    await trace.end({ output: null });
    const span = saved[0]!.spans.find((s) => s.name === 'gemini.generate')!;
    assert.equal(span.error?.kind, 'network');
    assert.equal(span.attributes.attempts, 2);
    assert.ok(typeof span.output === 'string' && span.output.length > 0 && TEXT.startsWith(span.output));
  });
});

describe('retry policy arithmetic', () => {
  it('full jitter under an exponential cap, raised to the server delay, null above maxDelayMs', () => {
    const p = retryPolicy({ baseDelayMs: 100, maxDelayMs: 1000 });
    assert.equal(p.maxAttempts, 4);
    assert.equal(backoffDelayMs(1, p, null, () => 1), 100);
    assert.equal(backoffDelayMs(3, p, null, () => 1), 400);
    assert.equal(backoffDelayMs(6, p, null, () => 1), 1000);
    assert.equal(backoffDelayMs(3, p, null, () => 0), 0);
    assert.equal(backoffDelayMs(1, p, 700, () => 0.5), 700);
    assert.equal(backoffDelayMs(1, p, 1001, () => 0.5), null);
    assert.equal(retryPolicy({ maxAttempts: 0 }).maxAttempts, 1);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('3', now), 3000);
    assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now), 5000);
    assert.equal(parseRetryAfter('soon', now), null);
    assert.equal(parseRetryAfter(null, now), null);
  });
});
