import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CodiError } from '../../src/core/errors';
import type { GeminiClientOptions, GenerationResult } from '../../src/core/gemini/client';
import { createGeminiClient, UnparsableJsonError } from '../../src/core/gemini/client';
import { ModelCallError } from '../../src/core/gemini/errors';
import { costOf, priceFor, SHIPPED_PRICES } from '../../src/core/gemini/pricing';
import type { Usage } from '../../src/shared/types';
import { startGeminiStandIn } from '../support/geminiStandIn';
import type { GeminiStandIn } from '../support/geminiStandIn';

const MODEL = 'gemini-2.5-flash';
const SCHEMA = { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] };

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  return assert.fail('expected the call to reject');
}

/** The error a rejected call produced, checked to be a CodiError of `kind`. */
async function failsWith(p: Promise<unknown>, kind: CodiError['kind']): Promise<CodiError> {
  const e = await rejection(p);
  assert.ok(e instanceof CodiError, `expected a CodiError, got ${String(e)}`);
  assert.equal(e.kind, kind, `kind of "${e.message}"`);
  return e;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('Gemini client (core, over the wire stand-in)', () => {
  let gemini: GeminiStandIn;
  // One attempt: these tests check single calls and error mapping; retries are covered in geminiRetry.test.ts.
  const make = (o: Partial<GeminiClientOptions> = {}) => createGeminiClient({ apiKey: 'test-key', baseUrl: gemini.url, retry: { maxAttempts: 1 }, ...o });

  beforeEach(async () => {
    gemini = await startGeminiStandIn({ knownModels: [MODEL, 'gemini-2.5-pro'] });
  });
  afterEach(async () => {
    await gemini.close();
  });

  describe('stream', () => {
    it('concatenates deltas, counts chunks, maps usage with thinking tokens, and sends the key header (v1beta)', async () => {
      const text = 'The function `add` returns the sum of its two arguments, without any checks on their types.';
      gemini.enqueue({ kind: 'text', text, chunks: 4, chunkDelayMs: 5, thoughtsTokens: 7, usage: { promptTokenCount: 31, candidatesTokenCount: 22 } });
      const deltas: string[] = [];
      const r = await make().stream({ model: MODEL, prompt: 'Explain add', systemInstruction: 'Be brief.' }, (d) => deltas.push(d));

      assert.equal(r.text, text);
      assert.equal(deltas.length, 4);
      assert.equal(deltas.join(''), text);
      assert.equal(r.chunks, 4);
      assert.equal(r.finishReason, 'STOP');
      assert.deepEqual(r.usage, { promptTokens: 31, outputTokens: 22, thinkingTokens: 7, totalTokens: 60 });
      assert.equal(r.model, MODEL);
      assert.equal(r.modelVersion, MODEL);
      assert.equal(typeof r.ttftMs, 'number');
      assert.ok(r.ttftMs! >= 0 && r.ttftMs! <= r.latencyMs, `ttft ${r.ttftMs} within latency ${r.latencyMs}`);
      assert.ok(r.latencyMs >= 15, `three 5 ms gaps between chunks, latency ${r.latencyMs}`);

      assert.equal(gemini.requests.length, 1);
      const req = gemini.requests[0]!;
      assert.equal(req.path, `/v1beta/models/${MODEL}:streamGenerateContent`);
      assert.equal(req.query['alt'], 'sse');
      assert.equal(req.headers['x-goog-api-key'], 'test-key');
      assert.equal(req.apiKey, 'test-key');
      assert.equal(req.body.contents?.[0]?.parts?.[0]?.text, 'Explain add');
      assert.equal(req.body.systemInstruction?.parts?.[0]?.text, 'Be brief.');
    });

    it('uses the v1 path when asked, and reports a MAX_TOKENS finish', async () => {
      gemini.enqueue({ kind: 'text', text: 'Cut short', chunks: 2, finishReason: 'MAX_TOKENS' });
      const r = await make({ apiVersion: 'v1' }).stream({ model: 'gemini-2.5-pro', prompt: 'p', maxOutputTokens: 3 });
      assert.equal(r.text, 'Cut short');
      assert.equal(r.finishReason, 'MAX_TOKENS');
      assert.equal(gemini.requests[0]!.path, '/v1/models/gemini-2.5-pro:streamGenerateContent');
      assert.equal(gemini.requests[0]!.body.generationConfig?.maxOutputTokens, 3);
    });

    it('accepts a base URL with a trailing slash', async () => {
      gemini.enqueue({ kind: 'text', text: 'ok', chunks: 1 });
      const r = await createGeminiClient({ apiKey: 'k2', baseUrl: `${gemini.url}/` }).stream({ model: MODEL, prompt: 'p' });
      assert.equal(r.text, 'ok');
      assert.equal(gemini.requests[0]!.path, `/v1beta/models/${MODEL}:streamGenerateContent`);
      assert.equal(gemini.requests[0]!.apiKey, 'k2');
    });
  });

  describe('generateJson', () => {
    it('asks for JSON with the schema and parses the answer', async () => {
      gemini.enqueue({ kind: 'json', value: { n: 42, tags: ['a'] }, usage: { promptTokenCount: 10, candidatesTokenCount: 5 }, thoughtsTokens: 3 });
      const r = await make().generateJson({ model: MODEL, prompt: 'give n', schema: SCHEMA, temperature: 0 });
      assert.deepEqual(r.json, { n: 42, tags: ['a'] });
      assert.deepEqual(r.usage, { promptTokens: 10, outputTokens: 5, thinkingTokens: 3, totalTokens: 18 });
      assert.equal(r.chunks, 1);
      assert.equal(r.ttftMs, null);
      const req = gemini.requests[0]!;
      assert.equal(req.action, 'generateContent');
      assert.equal(req.body.generationConfig?.responseMimeType, 'application/json');
      assert.deepEqual(req.body.generationConfig?.responseJsonSchema, SCHEMA);
      assert.equal(req.body.generationConfig?.temperature, 0);
    });

    it('throws UnparsableJsonError (model-output) that keeps the call usage when the answer is not JSON', async () => {
      gemini.enqueue({ kind: 'text', text: '{"n": 4', usage: { promptTokenCount: 12, candidatesTokenCount: 4 }, thoughtsTokens: 2 });
      const e = await failsWith(make().generateJson({ model: MODEL, prompt: 'give n', schema: SCHEMA }), 'model-output');
      assert.ok(e instanceof UnparsableJsonError);
      const result: GenerationResult = e.result;
      assert.equal(result.text, '{"n": 4');
      assert.deepEqual(result.usage, { promptTokens: 12, outputTokens: 4, thinkingTokens: 2, totalTokens: 18 });
      assert.equal(result.finishReason, 'STOP');
    });

    it('maps a truncated HTTP body to model-output (not a crash)', async () => {
      gemini.enqueue({ kind: 'malformed' });
      const e = await failsWith(make().generateJson({ model: MODEL, prompt: 'p', schema: SCHEMA }), 'model-output');
      assert.ok(!(e instanceof UnparsableJsonError));
    });
  });

  describe('error mapping', () => {
    it('maps an invalid key (400 API_KEY_INVALID) to auth', async () => {
      const e = await failsWith(make({ apiKey: 'bad-key' }).stream({ model: MODEL, prompt: 'p' }), 'auth');
      assert.equal(e.status, 400);
      assert.match(e.message, /API key/i);
    });

    it('maps 403 to auth', async () => {
      gemini.enqueue({ kind: 'error', status: 403 });
      const e = await failsWith(make().stream({ model: MODEL, prompt: 'p' }), 'auth');
      assert.equal(e.status, 403);
    });

    it('maps 429 to quota with retryDelayMs from RetryInfo', async () => {
      gemini.enqueue({ kind: 'error', status: 429, retryDelay: '7s' });
      const e = await failsWith(make().stream({ model: MODEL, prompt: 'p' }), 'quota');
      assert.ok(e instanceof ModelCallError);
      assert.equal(e.status, 429);
      assert.equal(e.retryDelayMs, 7000);

      gemini.enqueue({ kind: 'error', status: 429, retryDelay: '1.5s' });
      const e2 = await failsWith(make().generateJson({ model: MODEL, prompt: 'p', schema: SCHEMA }), 'quota');
      assert.equal((e2 as ModelCallError).retryDelayMs, 1500);
    });

    it('maps 429 without RetryInfo to quota with no delay', async () => {
      gemini.enqueue({ kind: 'error', status: 429 });
      const e = await failsWith(make().stream({ model: MODEL, prompt: 'p' }), 'quota');
      assert.equal((e as ModelCallError).retryDelayMs, null);
    });

    it('maps an unknown model (404) to unknown-model (not a retryable service error), naming the model', async () => {
      const e = await failsWith(make().stream({ model: 'gemini-9-imaginary', prompt: 'p' }), 'unknown-model');
      assert.equal(e.status, 404);
      assert.match(e.message, /gemini-9-imaginary/);
      assert.equal(gemini.requests[0]!.model, 'gemini-9-imaginary');
    });

    for (const status of [500, 503] as const) {
      it(`maps ${status} to service`, async () => {
        gemini.enqueue({ kind: 'error', status });
        const e = await failsWith(make().stream({ model: MODEL, prompt: 'p' }), 'service');
        assert.equal(e.status, status);
        assert.match(e.message, new RegExp(String(status)));
      });
    }

    it('maps an in-stream error frame to its status kind', async () => {
      gemini.enqueue({ kind: 'streamError', afterChunks: 1, status: 503 });
      const deltas: string[] = [];
      await failsWith(make().stream({ model: MODEL, prompt: 'p' }, (d) => deltas.push(d)), 'service');
      assert.equal(deltas.length, 1);
    });

    it('maps a dropped connection to network (before the answer and mid-stream)', async () => {
      gemini.enqueue({ kind: 'drop' });
      await failsWith(make().stream({ model: MODEL, prompt: 'p' }), 'network');
      gemini.enqueue({ kind: 'drop', afterChunks: 2 });
      const deltas: string[] = [];
      await failsWith(make().stream({ model: MODEL, prompt: 'p' }, (d) => deltas.push(d)), 'network');
      assert.equal(deltas.length, 2);
      gemini.enqueue({ kind: 'drop' });
      await failsWith(make().generateJson({ model: MODEL, prompt: 'p', schema: SCHEMA }), 'network');
    });

    it('maps a refused connection to network', async () => {
      const port = await closedPort();
      const c = createGeminiClient({ apiKey: 'test-key', baseUrl: `http://127.0.0.1:${port}`, retry: { maxAttempts: 1 } });
      const e = await failsWith(c.stream({ model: MODEL, prompt: 'p' }), 'network');
      assert.ok(e instanceof ModelCallError);
      assert.match(e.message, /could not be reached/);
      // Says which endpoint was tried and what the socket error means, once.
      assert.ok(e.message.includes(`http://127.0.0.1:${port}`), e.message);
      assert.match(e.message, /connection was refused \(ECONNREFUSED\)/);
    });

    it('maps a hanging server past timeoutMs to timeout', async () => {
      gemini.enqueue({ kind: 'hang' }, { kind: 'hang', afterChunks: 1 });
      const t0 = Date.now();
      const e = await failsWith(make({ timeoutMs: 300 }).stream({ model: MODEL, prompt: 'p' }), 'timeout');
      assert.ok(Date.now() - t0 < 3000, 'the timeout fires close to timeoutMs');
      assert.ok(e instanceof ModelCallError);
      const deltas: string[] = [];
      await failsWith(make({ timeoutMs: 300 }).stream({ model: MODEL, prompt: 'p' }, (d) => deltas.push(d)), 'timeout');
      assert.equal(deltas.length, 1);
    });

    it('maps a caller abort to cancelled, promptly, before headers and mid-stream', async () => {
      gemini.enqueue({ kind: 'hang' }, { kind: 'hang', afterChunks: 1 });
      for (const expectDeltas of [0, 1]) {
        const ac = new AbortController();
        const deltas: string[] = [];
        const p = make({ timeoutMs: 60_000 }).stream({ model: MODEL, prompt: 'p', signal: ac.signal }, (d) => {
          deltas.push(d);
        });
        await gemini.waitForRequests(expectDeltas + 1);
        await new Promise((r) => setTimeout(r, 80));
        const t0 = Date.now();
        ac.abort();
        const e = await failsWith(p, 'cancelled');
        assert.ok(Date.now() - t0 < 500, `abort landed in ${Date.now() - t0} ms`);
        assert.equal(e.kind, 'cancelled');
        assert.equal(deltas.length, expectDeltas);
      }
    });

    it('refuses an already aborted signal without calling Gemini', async () => {
      const ac = new AbortController();
      ac.abort();
      await failsWith(make().generateJson({ model: MODEL, prompt: 'p', schema: SCHEMA, signal: ac.signal }), 'cancelled');
      assert.equal(gemini.requests.length, 0);
    });

    it('refuses an empty key with no-key, before any request', () => {
      assert.throws(() => createGeminiClient({ apiKey: '', baseUrl: gemini.url }), (e: unknown) => e instanceof CodiError && e.kind === 'no-key');
      assert.equal(gemini.requests.length, 0);
    });
  });
});

describe('pricing', () => {
  const usage = (promptTokens: number, outputTokens: number, thinkingTokens: number): Usage => ({
    promptTokens, outputTokens, thinkingTokens, totalTokens: promptTokens + outputTokens + thinkingTokens,
  });
  const close = (a: number | null, b: number) => assert.ok(a !== null && Math.abs(a - b) < 1e-12, `${a} ≈ ${b}`);

  it('prices thinking tokens as output', () => {
    // flash: $0.30 in, $2.50 out per million.
    close(costOf('gemini-2.5-flash', usage(1_000_000, 0, 0), SHIPPED_PRICES), 0.3);
    close(costOf('gemini-2.5-flash', usage(0, 1_000_000, 0), SHIPPED_PRICES), 2.5);
    close(costOf('gemini-2.5-flash', usage(0, 0, 1_000_000), SHIPPED_PRICES), 2.5);
    close(costOf('gemini-2.5-flash', usage(1000, 200, 800), SHIPPED_PRICES), (1000 * 0.3 + 1000 * 2.5) / 1e6);
    close(costOf('gemini-2.5-pro', usage(2000, 100, 900), SHIPPED_PRICES), (2000 * 1.25 + 1000 * 10) / 1e6);
  });

  it('matches dated and prefixed ids to the longest known prefix', () => {
    assert.deepEqual(priceFor('gemini-2.5-flash-preview-05-20', SHIPPED_PRICES), SHIPPED_PRICES['gemini-2.5-flash']);
    assert.deepEqual(priceFor('gemini-2.5-flash-lite-preview-06-17', SHIPPED_PRICES), SHIPPED_PRICES['gemini-2.5-flash-lite']);
    assert.deepEqual(priceFor('models/gemini-2.5-pro', SHIPPED_PRICES), SHIPPED_PRICES['gemini-2.5-pro']);
    close(costOf('gemini-2.5-flash-preview-05-20', usage(0, 0, 1_000_000), SHIPPED_PRICES), 2.5);
  });

  it('returns null (not 0) for an unknown model', () => {
    assert.equal(priceFor('gpt-4o', SHIPPED_PRICES), null);
    assert.equal(costOf('gpt-4o', usage(100, 100, 100), SHIPPED_PRICES), null);
    assert.equal(costOf('gemini-1.0-ultra', usage(100, 0, 0), SHIPPED_PRICES), null);
  });
});
