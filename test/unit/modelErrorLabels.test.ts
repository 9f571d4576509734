/**
 * Labels of model failures a user meets through proxies and typos (issue 12, point 12): a truncated
 * JSON body or an HTML page is the endpoint's fault, not "a bug in CODI"; an unknown model is not
 * something to retry.
 */
import assert from 'node:assert/strict';
import { createGeminiClient } from '../../src/core/gemini/client';
import { CodiError, nextStepFor } from '../../src/core/errors';
import { startGeminiStandIn } from '../support/geminiStandIn';
import type { GeminiStandIn, Reply } from '../support/geminiStandIn';

describe('model failure labels', () => {
  let gemini: GeminiStandIn;
  beforeEach(async () => {
    gemini = await startGeminiStandIn({ knownModels: ['gemini-2.5-flash'] });
  });
  afterEach(() => gemini.close());
  const make = () => createGeminiClient({ apiKey: 'test-key', baseUrl: gemini.url, retry: { maxAttempts: 1 } });
  async function failure(reply: Reply | null, model = 'gemini-2.5-flash', stream = true): Promise<CodiError> {
    if (reply) gemini.enqueue(reply);
    const call = stream ? make().stream({ model, prompt: 'p' }) : make().generateJson({ model, prompt: 'p', schema: { type: 'object' } } as never);
    const e = await call.then(() => null, (err: unknown) => err);
    assert.ok(e instanceof CodiError, `a CodiError, got ${String(e)}`);
    return e;
  }
  const notABug = (e: CodiError) => {
    assert.notEqual(e.kind, 'internal', e.message);
    assert.doesNotMatch(nextStepFor(e.kind), /bug in CODI/);
  };

  it('an HTML page from a proxy (200 or 502) is the endpoint, not a bug in CODI', async () => {
    const html = '<!DOCTYPE html><html><body><h1>Proxy authentication required</h1></body></html>';
    for (const [status, stream] of [[200, true], [200, false], [502, true]] as const) {
      const e = await failure({ kind: 'raw', status, body: html, headers: { 'content-type': 'text/html' } }, 'gemini-2.5-flash', stream);
      notABug(e);
      assert.match(e.message, /HTML|not a Gemini|proxy|malformed|service error/i, e.message);
    }
  });

  it('a truncated JSON body is a malformed answer from the endpoint, not a bug in CODI', async () => {
    for (const stream of [true, false]) notABug(await failure({ kind: 'malformed', afterChunks: 1 }, 'gemini-2.5-flash', stream));
    notABug(await failure({ kind: 'raw', status: 200, body: '{"candidates": [{"content": {"parts": [{"te' }, 'gemini-2.5-flash', false));
  });

  it('a 404 for an unknown model says to check the model, not to retry', async () => {
    const e = await failure(null, 'gemini-9-imaginary');
    assert.equal(e.status, 404);
    assert.match(e.message, /gemini-9-imaginary/);
    assert.doesNotMatch(`${e.message} ${nextStepFor(e.kind)}`, /retry/i);
    assert.match(nextStepFor(e.kind), /model/i);
  });
});
