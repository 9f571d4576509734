/**
 * The CLI on real recorded Gemini traffic (../shared/gemini-real): what a script or a person at a terminal
 * sees for a cut-off answer, a disabled API, a bad key and a free-tier 429, and which model answered.
 */
import assert from 'node:assert/strict';
import { useCliKit } from '../support/cliKit';
import { realReply } from '../support/geminiReal';

describe('codi CLI on real recorded Gemini traffic', function () {
  this.timeout(60_000);
  const kit = useCliKit('clireal', { env: { CODI_MAX_ATTEMPTS: '1' }, files: { 'cart.js': 'export const total = (items) => items.reduce((s, i) => s + i.price * i.qty, 0);\n' } });
  const codi = (args: string[], env: Record<string, string> = {}) => kit.codi(args, env);

  it('02 an answer cut at MAX_TOKENS: --json has `warning`, the text output says so on stderr', async () => {
    kit.gemini.enqueue(realReply('02'));
    const j = await codi(['explain', 'cart.js', '--json', '--no-judge']);
    assert.equal(j.code, 0, j.stderr);
    const out = JSON.parse(j.stdout) as { warning?: string; usage: { thinkingTokens: number }; output: string };
    assert.match(out.warning ?? '', /cut off.*MAX_TOKENS/);
    assert.equal(out.usage.thinkingTokens, 45);
    kit.gemini.enqueue(realReply('02'));
    const t = await codi(['explain', 'cart.js', '--no-judge']);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stderr, /warning: The answer was cut off/);
  });

  it('12 a disabled Generative Language API: exit 3 and the activation link from the error details', async () => {
    kit.gemini.enqueue(realReply('12'));
    const r = await codi(['explain', 'cart.js']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /Generative Language API is not enabled/);
    assert.match(r.stderr, /Enable it at https:\/\/console\.developers\.google\.com\/apis\/api\/generativelanguage\.googleapis\.com\/overview\?project=12345678/);
  });

  it('11 an invalid key: exit 3', async () => {
    kit.gemini.enqueue(realReply('11'));
    const r = await codi(['explain', 'cart.js']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /API key not valid/);
  });

  it('13 a free-tier 429 asking for 58 s over --max-retry-wait: fails at once with exit 4, the quota and the delay', async () => {
    kit.gemini.enqueue(realReply('13'));
    const r = await codi(['explain', 'cart.js', '--max-retry-wait', '10'], { CODI_MAX_ATTEMPTS: '4' });
    assert.equal(r.code, 4, r.stderr);
    assert.equal(kit.gemini.requests.length, 1, 'no retry when the server asks for more than --max-retry-wait');
    assert.match(r.stderr, /generate_content_free_tier_requests \(limit 5/);
    assert.match(r.stderr, /58 s/);
    const env = await codi(['explain', 'cart.js'], { CODI_MAX_RETRY_WAIT: 'soon' });
    assert.equal(env.code, 2, 'a bad CODI_MAX_RETRY_WAIT is a usage error');
  });

  it('with the primary rate-limited, --json `model` is the fallback that answered and `requestedModel` the one asked for', async () => {
    kit.gemini.defaultHandler = (req) => (req.model === 'gemini-2.5-pro' ? realReply('13', { body: realReply('13').body.replace('"58s"', '"0s"') }) : { kind: 'text', text: 'It sums the prices.' });
    const r = await codi(['explain', 'cart.js', '--json', '--no-judge', '--model', 'gemini-2.5-pro'], { CODI_FALLBACK_MODEL: 'gemini-2.5-flash' });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { model: string; requestedModel: string; traceId: string };
    assert.deepEqual([out.model, out.requestedModel], ['gemini-2.5-flash', 'gemini-2.5-pro']);
    const shown = await codi(['traces', 'show', out.traceId, '--json']);
    const t = JSON.parse(shown.stdout) as { metadata: { model: string; requestedModel: string }; tags: string[] };
    assert.deepEqual([t.metadata.model, t.metadata.requestedModel], ['gemini-2.5-flash', 'gemini-2.5-pro']);
    assert.ok(t.tags.includes('fallback'));
    const text = await codi(['explain', 'cart.js', '--no-judge', '--model', 'gemini-2.5-pro'], { CODI_FALLBACK_MODEL: 'gemini-2.5-flash' });
    assert.match(text.stderr, /model: gemini-2\.5-flash answered \(fallback from gemini-2\.5-pro\)/);
  });
});
