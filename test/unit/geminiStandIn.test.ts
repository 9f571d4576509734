import assert from 'node:assert/strict';
import { ApiError, GoogleGenAI } from '@google/genai';
import type { GenerateContentResponse } from '@google/genai';
import { firstIdentifier, startGeminiStandIn, valueForSchema } from '../support/geminiStandIn';
import type { GeminiStandIn } from '../support/geminiStandIn';

const MODEL = 'gemini-2.5-flash';

function client(standIn: GeminiStandIn, opts: { apiKey?: string; apiVersion?: 'v1' | 'v1beta' } = {}): GoogleGenAI {
  return new GoogleGenAI({
    vertexai: false,
    apiKey: opts.apiKey ?? 'test-key',
    httpOptions: { baseUrl: standIn.url, apiVersion: opts.apiVersion ?? 'v1beta' },
  });
}

async function collect(stream: AsyncGenerator<GenerateContentResponse>, into: GenerateContentResponse[]): Promise<void> {
  for await (const chunk of stream) into.push(chunk);
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  assert.fail('expected the call to throw');
}

describe('Gemini stand-in (wire level, driven by the real @google/genai SDK)', () => {
  let gemini: GeminiStandIn;
  beforeEach(async () => {
    gemini = await startGeminiStandIn();
  });
  afterEach(async () => {
    await gemini.close();
  });

  it('serves generateContent on v1beta and records the request', async () => {
    gemini.enqueue({ kind: 'text', text: 'A short answer.', usage: { promptTokenCount: 11, candidatesTokenCount: 4 } });
    const res = await client(gemini).models.generateContent({
      model: MODEL,
      contents: 'Explain function add(a, b) { return a + b }',
      config: { systemInstruction: 'Be brief.', temperature: 0.2 },
    });
    assert.equal(res.text, 'A short answer.');
    assert.equal(res.candidates?.[0]?.finishReason, 'STOP');
    assert.equal(res.candidates?.[0]?.content?.role, 'model');
    assert.deepEqual(
      { p: res.usageMetadata?.promptTokenCount, c: res.usageMetadata?.candidatesTokenCount, t: res.usageMetadata?.totalTokenCount },
      { p: 11, c: 4, t: 15 },
    );
    assert.equal(res.modelVersion, MODEL);
    assert.match(res.responseId ?? '', /^[\w-]{20,}$/);

    assert.equal(gemini.requests.length, 1);
    const r = gemini.requests[0]!;
    assert.equal(r.method, 'POST');
    assert.equal(r.path, `/v1beta/models/${MODEL}:generateContent`);
    assert.deepEqual([r.apiVersion, r.model, r.action, r.answeredWith], ['v1beta', MODEL, 'generateContent', 'text']);
    assert.equal(r.headers['x-goog-api-key'], 'test-key');
    assert.equal(r.apiKey, 'test-key');
    assert.equal(r.body.contents?.[0]?.role, 'user');
    assert.equal(r.body.contents?.[0]?.parts?.[0]?.text, 'Explain function add(a, b) { return a + b }');
    assert.equal(r.body.systemInstruction?.parts?.[0]?.text, 'Be brief.');
    assert.equal(r.body.generationConfig?.temperature, 0.2);
    assert.ok(Math.abs(Date.now() - r.receivedAt) < 5000);
  });

  it('serves the v1 path when the client pins apiVersion v1', async () => {
    gemini.enqueue({ kind: 'text', text: 'v1 answer' });
    const res = await client(gemini, { apiVersion: 'v1' }).models.generateContent({ model: MODEL, contents: 'hi' });
    assert.equal(res.text, 'v1 answer');
    assert.equal(gemini.requests[0]?.path, `/v1/models/${MODEL}:generateContent`);
    assert.equal(gemini.requests[0]?.apiVersion, 'v1');
  });

  it('streams SSE frames with running usage and a final finishReason', async () => {
    const text = 'The quick brown fox jumps over the lazy dog while the cat watches from the warm windowsill.';
    gemini.enqueue({ kind: 'text', text, chunks: 4, thoughtsTokens: 30, usage: { promptTokenCount: 9, candidatesTokenCount: 40 } });
    const chunks: GenerateContentResponse[] = [];
    await collect(await client(gemini).models.generateContentStream({ model: MODEL, contents: 'Tell me a story' }), chunks);

    assert.equal(chunks.length, 4);
    assert.equal(chunks.map((c) => c.text ?? '').join(''), text);
    const reasons = chunks.map((c) => c.candidates?.[0]?.finishReason);
    assert.deepEqual(reasons, [undefined, undefined, undefined, 'STOP']);
    const cand = chunks.map((c) => c.usageMetadata?.candidatesTokenCount ?? -1);
    for (let i = 1; i < cand.length; i++) assert.ok(cand[i]! >= cand[i - 1]!, `running usage must not go down: ${cand.join(',')}`);
    assert.ok(cand[0]! < 40);
    const last = chunks[3]!.usageMetadata!;
    assert.deepEqual([last.promptTokenCount, last.candidatesTokenCount, last.thoughtsTokenCount, last.totalTokenCount], [9, 40, 30, 79]);
    assert.ok(chunks.every((c) => c.responseId === chunks[0]!.responseId));

    const r = gemini.requests[0]!;
    assert.equal(r.action, 'streamGenerateContent');
    assert.equal(r.query['alt'], 'sse');
    assert.equal(r.path, `/v1beta/models/${MODEL}:streamGenerateContent`);
  });

  it('frames SSE like Google: text/event-stream, "data: <json>" frames separated by CRLF CRLF', async () => {
    gemini.enqueue({ kind: 'text', text: 'alpha beta gamma delta epsilon', chunks: 3 });
    const res = await fetch(`${gemini.url}/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`, {
      method: 'POST', headers: { 'x-goog-api-key': 'k', 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    const raw = await res.text();
    assert.ok(raw.endsWith('\r\n\r\n'));
    const frames = raw.split('\r\n\r\n').filter(Boolean);
    assert.equal(frames.length, 3);
    for (const f of frames) assert.match(f, /^data: \{"candidates":\[\{"content":\{"role":"model","parts":\[\{"text":/);
  });

  it('answers a scripted json reply as structured output text', async () => {
    const value = { score: 0.5, reason: 'meh', criteria: [] };
    gemini.enqueue({ kind: 'json', value });
    const res = await client(gemini).models.generateContent({
      model: MODEL,
      contents: 'judge this',
      config: { responseMimeType: 'application/json' },
    });
    assert.deepEqual(JSON.parse(res.text ?? ''), value);
    assert.equal(gemini.requests[0]?.body.generationConfig?.responseMimeType, 'application/json');
  });

  it('throws ApiError 429 carrying RetryInfo and sends Retry-After when asked', async () => {
    gemini.enqueue({ kind: 'error', status: 429, retryDelay: '2s', retryAfterHeader: '2' });
    const err = await rejection(client(gemini).models.generateContent({ model: MODEL, contents: 'x' }));
    assert.ok(err instanceof ApiError, String(err));
    assert.equal(err.status, 429);
    const body = JSON.parse(err.message) as { error: { code: number; status: string; details: Array<Record<string, unknown>> } };
    assert.equal(body.error.code, 429);
    assert.equal(body.error.status, 'RESOURCE_EXHAUSTED');
    assert.deepEqual(body.error.details.at(-1), { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '2s' });
    assert.match(err.message, /"retryDelay":"2s"/);

    gemini.enqueue({ kind: 'error', status: 503, retryAfterHeader: '7' });
    const raw = await fetch(`${gemini.url}/v1beta/models/${MODEL}:generateContent`, {
      method: 'POST', headers: { 'x-goog-api-key': 'k', 'content-type': 'application/json' }, body: '{"contents":[]}',
    });
    assert.equal(raw.status, 503);
    assert.equal(raw.headers.get('retry-after'), '7');
    assert.deepEqual(await raw.json(), { error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } });
  });

  it('turns an in-stream error frame into ApiError after the good frames', async () => {
    gemini.enqueue({ kind: 'streamError', afterChunks: 2, status: 500, message: 'boom' });
    const chunks: GenerateContentResponse[] = [];
    const err = await rejection(collect(await client(gemini).models.generateContentStream({ model: MODEL, contents: 'x' }), chunks));
    assert.equal(chunks.length, 2);
    assert.ok(err instanceof ApiError, String(err));
    assert.equal(err.status, 500);
    assert.match(err.message, /^got status: INTERNAL\. .*"boom"/);
  });

  it('makes the SDK throw SyntaxError on a malformed body and a malformed SSE frame', async () => {
    gemini.enqueue({ kind: 'malformed' }, { kind: 'malformed', afterChunks: 1 });
    const unary = await rejection(client(gemini).models.generateContent({ model: MODEL, contents: 'x' }));
    assert.ok(unary instanceof SyntaxError, String(unary));
    const chunks: GenerateContentResponse[] = [];
    const streamed = await rejection(collect(await client(gemini).models.generateContentStream({ model: MODEL, contents: 'x' }), chunks));
    assert.equal(chunks.length, 1);
    assert.ok(streamed instanceof SyntaxError, String(streamed));
  });

  it('drops the connection before answering and mid-stream', async () => {
    gemini.enqueue({ kind: 'drop' }, { kind: 'drop', afterChunks: 2 });
    const before = await rejection(client(gemini).models.generateContent({ model: MODEL, contents: 'x' }));
    assert.ok(before instanceof TypeError, String(before));
    const chunks: GenerateContentResponse[] = [];
    const mid = await rejection(collect(await client(gemini).models.generateContentStream({ model: MODEL, contents: 'x' }), chunks));
    assert.equal(chunks.length, 2);
    assert.ok(mid instanceof TypeError, String(mid));
    assert.match((mid as Error).message, /terminated/);
  });

  it('hangs until the client aborts, and close() releases a hanging request', async () => {
    gemini.enqueue({ kind: 'hang' }, { kind: 'hang', afterChunks: 1 });
    const started = Date.now();
    const aborted = await rejection(
      client(gemini).models.generateContent({ model: MODEL, contents: 'x', config: { abortSignal: AbortSignal.timeout(150) } }),
    );
    assert.ok(aborted instanceof Error);
    assert.ok(Date.now() - started >= 140);

    const chunks: GenerateContentResponse[] = [];
    const pending = client(gemini).models.generateContentStream({ model: MODEL, contents: 'x' }).then((s) => collect(s, chunks));
    await gemini.waitForRequests(2);
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    await gemini.close();
    assert.ok(Date.now() - t0 < 1000, 'close() must not wait for hanging replies');
    assert.ok((await rejection(pending)) instanceof Error);
    assert.equal(chunks.length, 1);
  });

  it('rejects bad and missing keys like Google', async () => {
    const err = await rejection(client(gemini, { apiKey: 'bad-key' }).models.generateContent({ model: MODEL, contents: 'x' }));
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 400);
    const body = JSON.parse(err.message) as { error: { status: string; message: string; details: Array<{ reason?: string }> } };
    assert.equal(body.error.status, 'INVALID_ARGUMENT');
    assert.equal(body.error.message, 'API key not valid. Please pass a valid API key.');
    assert.equal(body.error.details[0]?.reason, 'API_KEY_INVALID');

    const missing = await fetch(`${gemini.url}/v1beta/models/${MODEL}:generateContent`, { method: 'POST', body: '{}' });
    assert.equal(missing.status, 403);
    assert.equal(((await missing.json()) as { error: { status: string } }).error.status, 'PERMISSION_DENIED');
    assert.deepEqual(gemini.requests.map((r) => r.answeredWith), ['rejected', 'rejected']);
  });

  it('answers unknown routes with a 404 google.rpc.Status', async () => {
    const res = await fetch(`${gemini.url}/v1beta/models/${MODEL}:embedContent`, { method: 'POST', headers: { 'x-goog-api-key': 'k' }, body: '{}' });
    assert.equal(res.status, 404);
    const body = (await res.json()) as { error: { code: number; status: string } };
    assert.deepEqual([body.error.code, body.error.status], [404, 'NOT_FOUND']);
    assert.equal(gemini.requests.length, 0);
    assert.equal(gemini.unmatched[0]?.path, `/v1beta/models/${MODEL}:embedContent`);
  });

  it('serves countTokens without consuming generation replies', async () => {
    gemini.enqueue({ kind: 'text', text: 'kept for generation' }, { kind: 'count', totalTokens: 42 });
    const counted = await client(gemini).models.countTokens({ model: MODEL, contents: 'abcdefgh' });
    assert.equal(counted.totalTokens, 42);
    const def = await client(gemini).models.countTokens({ model: MODEL, contents: 'abcdefgh' });
    assert.equal(def.totalTokens, 2);
    assert.equal(gemini.pending, 1);
    const res = await client(gemini).models.generateContent({ model: MODEL, contents: 'x' });
    assert.equal(res.text, 'kept for generation');
    assert.deepEqual(gemini.requests.map((r) => r.action), ['countTokens', 'countTokens', 'generateContent']);
  });

  it('serves the script FIFO, then the default handler, honouring delayMs', async () => {
    await gemini.close();
    gemini = await startGeminiStandIn({ script: [{ kind: 'text', text: 'one', delayMs: 120 }, { kind: 'text', text: 'two' }] });
    const ai = client(gemini);
    const t0 = Date.now();
    assert.equal((await ai.models.generateContent({ model: MODEL, contents: 'x' })).text, 'one');
    assert.ok(Date.now() - t0 >= 110);
    assert.equal((await ai.models.generateContent({ model: MODEL, contents: 'x' })).text, 'two');
    const third = await ai.models.generateContent({ model: MODEL, contents: 'What does parseConfig do?' });
    assert.match(third.text ?? '', /`parseConfig`/);
  });

  it('streams a default Markdown explanation naming the first identifier of the code', async () => {
    const chunks: GenerateContentResponse[] = [];
    const prompt = 'Explain the following TypeScript code:\n```ts\nexport function debounceCalls(fn: () => void) {}\n```';
    await collect(await client(gemini).models.generateContentStream({ model: MODEL, contents: prompt }), chunks);
    assert.ok(chunks.length >= 3, `expected several frames, got ${chunks.length}`);
    const text = chunks.map((c) => c.text ?? '').join('');
    assert.match(text, /^### /);
    assert.match(text, /`debounceCalls`/);
    assert.equal(chunks.at(-1)?.candidates?.[0]?.finishReason, 'STOP');
    const usage = chunks.at(-1)!.usageMetadata!;
    assert.equal(usage.totalTokenCount, usage.promptTokenCount! + usage.candidatesTokenCount! + (usage.thoughtsTokenCount ?? 0));
  });

  it('answers a JSON request without schema with a judge verdict', async () => {
    const res = await client(gemini).models.generateContent({ model: MODEL, contents: 'Rate it', config: { responseMimeType: 'application/json' } });
    const v = JSON.parse(res.text ?? '') as { score: number; reason: string; criteria: Array<{ name: string; score: number; reason: string }> };
    assert.equal(v.score, 0.86);
    assert.deepEqual(v.criteria.map((c) => c.name), ['faithfulness', 'clarity', 'completeness', 'concision']);
    assert.ok(v.criteria.every((c) => c.score >= 0 && c.score <= 1 && c.reason.length > 10));
  });

  it('answers a JSON request with responseJsonSchema by a conforming value', async () => {
    const schema = {
      type: 'object',
      properties: {
        score: { type: 'number', minimum: 0, maximum: 1 },
        reason: { type: 'string' },
        criteria: {
          type: 'array',
          minItems: 3,
          maxItems: 3,
          items: {
            type: 'object',
            properties: {
              name: { type: 'string', enum: ['accuracy', 'clarity', 'brevity'] },
              score: { type: 'integer', minimum: 1, maximum: 5 },
              reason: { type: 'string', maxLength: 200 },
            },
            required: ['name', 'score', 'reason'],
          },
        },
        verdict: { type: 'string', enum: ['pass', 'fail'] },
      },
      required: ['score', 'reason', 'criteria', 'verdict'],
    };
    const res = await client(gemini).models.generateContent({
      model: MODEL,
      contents: 'Judge the explanation',
      config: { responseMimeType: 'application/json', responseJsonSchema: schema },
    });
    const v = JSON.parse(res.text ?? '') as { score: number; verdict: string; criteria: Array<{ name: string; score: number; reason: string }> };
    assert.deepEqual(v.criteria.map((c) => c.name), ['accuracy', 'clarity', 'brevity']);
    assert.ok(v.criteria.every((c) => Number.isInteger(c.score) && c.score >= 1 && c.score <= 5 && c.reason.includes(c.name)));
    assert.ok(v.score >= 0 && v.score <= 1);
    assert.equal(v.verdict, 'pass');
    assert.ok(gemini.requests[0]?.body.generationConfig?.responseJsonSchema);
  });

  it('truncates with MAX_TOKENS when maxOutputTokens is too small', async () => {
    const res = await client(gemini).models.generateContent({ model: MODEL, contents: 'Explain foo()', config: { maxOutputTokens: 5 } });
    assert.equal(res.candidates?.[0]?.finishReason, 'MAX_TOKENS');
    assert.ok((res.text ?? '').length <= 20);
  });
});

describe('valueForSchema / firstIdentifier', () => {
  it('conforms to bounds, enums, $ref and OpenAPI-style responseSchema', () => {
    const v = valueForSchema({
      type: 'object',
      $defs: { step: { type: 'object', properties: { missing_entities: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 3 }, denser_summary: { type: 'string', minLength: 80 } }, required: ['missing_entities', 'denser_summary'] } },
      properties: {
        steps: { type: 'array', items: { $ref: '#/$defs/step' }, minItems: 5, maxItems: 5 },
        confidence: { type: 'number', exclusiveMinimum: 0, maximum: 0.5 },
        tags: { type: ['array', 'null'], items: { type: 'string' }, maxItems: 1 },
        ok: { type: 'boolean' },
      },
    }, 'parseArgs') as { steps: Array<{ missing_entities: string[]; denser_summary: string }>; confidence: number; tags: string[]; ok: boolean };
    assert.equal(v.steps.length, 5);
    assert.ok(v.steps.every((s) => s.missing_entities.length >= 1 && s.missing_entities.length <= 3 && s.denser_summary.length >= 80));
    assert.ok(v.confidence > 0 && v.confidence <= 0.5);
    assert.equal(v.tags.length, 1);
    assert.equal(v.ok, true);

    const o = valueForSchema({ type: 'OBJECT', properties: { rating: { type: 'INTEGER', minimum: 1, maximum: 10 }, label: { type: 'STRING', enum: ['good', 'bad'] } }, propertyOrdering: ['label', 'rating'] }) as Record<string, unknown>;
    assert.deepEqual(Object.keys(o), ['label', 'rating']);
    assert.equal(o['label'], 'good');
    assert.ok(Number.isInteger(o['rating']) && (o['rating'] as number) >= 1 && (o['rating'] as number) <= 10);
  });

  it('finds the subject identifier of a prompt', () => {
    assert.equal(firstIdentifier('Explain this:\n```py\ndef load_users(path):\n  pass\n```'), 'load_users');
    assert.equal(firstIdentifier('Explain the following code: const total = items.reduce(sum, 0)'), 'total');
    assert.equal(firstIdentifier('What is recursion?'), 'recursion');
    assert.equal(firstIdentifier(''), undefined);
  });
});
