import assert from 'node:assert/strict';
import { CodiError, nextStepFor, withNextStep } from '../../src/core/errors';
import { mapModelError } from '../../src/core/gemini/errors';
import { checkTextInput } from '../../src/core/pipelines/input';
import { plural } from '../../src/shared/text';
import type { ErrorKind } from '../../src/shared/types';

const KINDS: ErrorKind[] = ['no-key', 'auth', 'quota', 'network', 'timeout', 'cancelled', 'bad-input', 'model-output', 'service', 'internal'];

const inputError = (text: string, max: number): CodiError => {
  try {
    checkTextInput(text, max);
  } catch (e) {
    if (e instanceof CodiError) return e;
  }
  throw new Error('expected a bad-input error');
};

describe('messages a user reads', () => {
  it('the editor never sends a user to the CLI, and the CLI never to a VS Code command', () => {
    for (const kind of KINDS) {
      assert.doesNotMatch(nextStepFor(kind, 'editor'), /GEMINI_API_KEY|GOOGLE_API_KEY|--model|CLI/, kind);
      assert.doesNotMatch(nextStepFor(kind, 'cli'), /"CODI: |codi\.\w+/, kind);
    }
  });

  it('the no-key notification says it once', () => {
    const text = withNextStep('No Gemini API key is set.', 'no-key', 'editor');
    assert.equal(text, 'No Gemini API key is set. Set one with "CODI: Set Gemini API Key".');
    assert.equal(text.match(/Gemini API key/gi)?.length, 2, 'what is missing, then the command that sets it; nothing repeated');
  });

  it('a network failure names the endpoint and the socket error once, then one next step', () => {
    const err = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND gemini.example' } });
    const e = mapModelError(err, 'gemini-2.5-flash', 'https://gemini.example');
    assert.equal(e.kind, 'network');
    const text = withNextStep(e.message, e.kind, 'editor');
    assert.match(text, /^Gemini could not be reached at https:\/\/gemini\.example: the host name could not be resolved \(ENOTFOUND\)\. Check your connection/);
    assert.equal(text.match(/could not be reached/g)?.length, 1);
    assert.equal(text.match(/ENOTFOUND/g)?.length, 1);
  });

  it('an input problem carries its own next step: too large never mentions binary files, binary never mentions the limit', () => {
    const large = inputError('x'.repeat(1200), 1000);
    const shown = withNextStep(large.message, large.kind, 'editor');
    assert.match(shown, /1,200 characters; the limit is 1,000 \(setting codi\.maxInputChars\)\. Select less code\.$/);
    assert.doesNotMatch(shown, /binary/i);
    const binary = inputError('a\0b', 1000);
    assert.doesNotMatch(withNextStep(binary.message, binary.kind, 'editor'), /limit|maxInputChars/);
    assert.equal(nextStepFor('bad-input', 'editor'), '');
  });

  it('a next step already in the message is not added again', () => {
    const step = nextStepFor('timeout', 'editor');
    assert.equal(withNextStep(`Slow. ${step}`, 'timeout', 'editor'), `Slow. ${step}`);
  });

  it('counts read as words, not "trace(s)"', () => {
    assert.equal(plural(1, 'trace'), '1 trace');
    assert.equal(plural(0, 'trace'), '0 traces');
    assert.equal(plural(1200, 'trace'), '1,200 traces');
  });
});
