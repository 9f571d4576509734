import assert from 'node:assert/strict';
import { CodiError } from '../../src/core/errors';
import { promptVersion } from '../../src/core/prompts/prompt';
import { getPrompt, isOverridden, listPrompts, PROMPT_NAMES, PROMPTS, templateVariables, validateOverrides } from '../../src/core/prompts/registry';

describe('prompt registry', () => {
  it('names every template by its registry key, with a distinct 8-hex version', () => {
    const versions = new Set<string>();
    for (const name of PROMPT_NAMES) {
      assert.equal(PROMPTS[name].name, name);
      const v = promptVersion(PROMPTS[name]);
      assert.match(v, /^[0-9a-f]{8}$/);
      versions.add(v);
    }
    assert.equal(versions.size, PROMPT_NAMES.length);
    assert.deepEqual(templateVariables(PROMPTS['summarize.cod']), ['source', 'language', 'file', 'steps', 'words']);
    assert.deepEqual(templateVariables(PROMPTS.generate), ['language', 'fence', 'request', 'context']);
  });

  it('returns the shipped template without an override, and an override with its own version', () => {
    assert.equal(getPrompt('generate'), PROMPTS.generate);
    assert.equal(getPrompt('generate', { explain: { user: 'x {{code}}' } }), PROMPTS.generate);
    const o = getPrompt('generate', { generate: { user: 'Write {{request}} in {{language}}.' } });
    assert.equal(o.name, 'generate');
    assert.equal(o.system, PROMPTS.generate.system, 'a partial override keeps the other half');
    assert.equal(o.user, 'Write {{request}} in {{language}}.');
    assert.notEqual(promptVersion(o), promptVersion(PROMPTS.generate));
    assert.equal(promptVersion(o), promptVersion(getPrompt('generate', { generate: { user: 'Write {{request}} in {{language}}.' } })), 'same content, same version');
    assert.equal(isOverridden('generate', { generate: { user: 'Write {{request}}' } }), true);
    assert.equal(isOverridden('explain', { generate: { user: 'Write {{request}}' } }), false);
  });

  it('refuses an override that uses a variable the pipeline does not fill', () => {
    assert.throws(
      () => getPrompt('summarize.cod', { 'summarize.cod': { user: '{{source}} {{bogus}}' } }),
      (e: unknown) => e instanceof CodiError && e.kind === 'bad-input' && /\{\{bogus\}\}/.test(e.message),
    );
  });

  it('validateOverrides keeps the usable part and explains every problem', () => {
    const { overrides, problems } = validateOverrides({
      generate: { user: 'Only {{request}}' },
      nope: { user: 'x' },
      explain: { system: 42 },
      'judge.generate': { user: '{{missing}}' },
      'summarize.chunk': 'text',
    });
    assert.deepEqual(overrides, { generate: { user: 'Only {{request}}' } });
    assert.equal(problems.length, 5);
    assert.ok(problems.some((p) => /does not use .*\{\{context\}\}/.test(p)), 'unused variables are a warning');
    assert.ok(problems.some((p) => /Unknown prompt "nope"/.test(p)));
    assert.ok(problems.some((p) => /explain"\]\.system must be a string/.test(p)));
    assert.ok(problems.some((p) => /\{\{missing\}\}/.test(p)));
    assert.ok(problems.some((p) => /summarize\.chunk"\] must be an object/.test(p)));
    assert.deepEqual(validateOverrides(undefined), { overrides: {}, problems: [] });
    assert.equal(validateOverrides([]).problems.length, 1);
  });

  it('listPrompts shows every prompt as it would run', () => {
    const list = listPrompts({ generate: { system: 'S {{language}}' } });
    assert.deepEqual(list.map((p) => p.name), PROMPT_NAMES);
    const g = list.find((p) => p.name === 'generate')!;
    assert.deepEqual([g.overridden, g.system, g.version], [true, 'S {{language}}', promptVersion({ name: 'generate', system: 'S {{language}}', user: PROMPTS.generate.user })]);
    assert.equal(list.find((p) => p.name === 'explain')!.overridden, false);
  });
});
