import assert from 'node:assert/strict';
import { packLines, splitIntoChunks, tokenUpperBound } from '../../src/core/pipelines/chunking';
import { accumulateEntities, countWords, entityOccurs, fenced, measureDensity, normalizeEntity, parseCodSteps, recommendStep } from '../../src/core/pipelines/cod';
import { parseStepVerdicts } from '../../src/core/judge/stepJudge';
import { SUMMARY_CRITERIA } from '../../src/core/prompts/summarize';

describe('Chain-of-Density measurements (cod.ts)', () => {
  it('matches entities case-insensitively, without backticks, on word boundaries', () => {
    assert.equal(entityOccurs('`parseArgs()`', 'It calls parseargs twice.'), true);
    assert.equal(entityOccurs('add', 'the address is kept'), false);
    assert.equal(entityOccurs('add', 'it will `add` them'), true);
    assert.equal(entityOccurs('O(n log n)', 'runs in O(n  log n) time'), true);
    assert.equal(entityOccurs('Map<string, number>', 'a Map<string, number> cache'), true);
    assert.equal(entityOccurs('items.reduce', 'calls items.reduce once'), true);
    assert.equal(entityOccurs('', 'anything'), false);
    assert.equal(normalizeEntity(' `Foo()` '), 'foo');
  });

  it('accumulates distinct entities across steps and measures density as present / tokens', () => {
    const acc = accumulateEntities([{ missingEntities: ['`a`', 'B'] }, { missingEntities: ['a', 'c'] }, { missingEntities: [] }]);
    assert.deepEqual(acc, [['`a`', 'B'], ['`a`', 'B', 'c'], ['`a`', 'B', 'c']]);
    const m = measureDensity('Uses `a` and c only.', acc[1]!, 8);
    assert.deepEqual(m, { words: 5, tokens: 8, present: ['`a`', 'c'], missing: ['B'], entityDensity: 2 / 8 });
    assert.equal(measureDensity('x', ['x'], 0).entityDensity, 0);
    assert.equal(countWords('  two\n words '), 2);
  });

  it('recommends the highest score, ties to the earlier step, null when unjudged', () => {
    assert.equal(recommendStep([0.5, 0.8, 0.8, 0.7]), 2);
    assert.equal(recommendStep([null, 0.1, null]), 2);
    assert.equal(recommendStep([null, null]), null);
    assert.equal(recommendStep([0.9]), 1);
  });

  it('parses the single-mode answer leniently but requires N usable steps', () => {
    const item = (s: string) => ({ missingEntities: ['x'], denserSummary: s });
    assert.deepEqual(parseCodSteps({ steps: [item('a'), item('b')] }, 2), { drafts: [item('a'), item('b')], extra: 0 });
    assert.equal(parseCodSteps({ steps: [item('a'), item('b'), item('c')] }, 2)?.extra, 1);
    assert.equal(parseCodSteps({ steps: [item('a')] }, 2), null);
    assert.equal(parseCodSteps({ steps: [item('a'), { missingEntities: [] }] }, 2), null);
    // The paper's own key names and ";"-delimited entities are accepted.
    assert.deepEqual(parseCodSteps([{ Missing_Entities: 'a; b', Denser_Summary: 's' }], 1)?.drafts, [{ missingEntities: ['a', 'b'], denserSummary: 's' }]);
  });

  it('fences text that itself contains backtick fences', () => {
    assert.equal(fenced('x', 'ts'), '```ts\nx\n```');
    assert.equal(fenced('a ```` b'), '`````\na ```` b\n`````');
  });
});

describe('step judge parsing (stepJudge.ts)', () => {
  const v = (step: number, score: number) => ({ step, score, reason: `r${step}`, criteria: Object.fromEntries(SUMMARY_CRITERIA.map((name) => [name, { score, reason: 'x' }])) });
  it('orders items by their step numbers when those are exactly 1..n, else by position', () => {
    assert.deepEqual(parseStepVerdicts({ steps: [v(2, 0.2), v(1, 0.1)] }, SUMMARY_CRITERIA, 2)?.map((x) => x.score), [0.1, 0.2]);
    assert.deepEqual(parseStepVerdicts({ steps: [v(2, 0.2), v(2, 0.1)] }, SUMMARY_CRITERIA, 2)?.map((x) => x.score), [0.2, 0.1]);
  });
  it('rejects a wrong count or a verdict missing a criterion', () => {
    assert.equal(parseStepVerdicts({ steps: [v(1, 0.1)] }, SUMMARY_CRITERIA, 2), null);
    const broken = { ...v(1, 0.5), criteria: {} };
    assert.equal(parseStepVerdicts({ steps: [broken] }, SUMMARY_CRITERIA, 1), null);
  });
});

describe('chunking (chunking.ts)', () => {
  it('bounds tokens by UTF-8 bytes', () => {
    assert.equal(tokenUpperBound('abc'), 3);
    assert.equal(tokenUpperBound('é'), 2);
  });

  it('packs whole lines and cuts only a line longer than the limit', () => {
    const pieces = packLines(['aaaa', 'bbbb', 'cccccccccccc', 'dd'].join('\n'), 10, 9);
    assert.deepEqual(pieces, [
      { text: 'aaaa\nbbbb', startLine: 10, endLine: 11 },
      { text: 'ccccccccc', startLine: 12, endLine: 12 },
      { text: 'ccc', startLine: 12, endLine: 12 },
      { text: 'dd', startLine: 13, endLine: 13 },
    ]);
  });

  it('re-splits a piece the counter finds over the limit, so every chunk fits', async () => {
    // Uneven text: the first half is "expensive" (a token per char, the most a byte can cost), the second cheap.
    const lines = [...Array.from({ length: 10 }, () => '#'.repeat(20)), ...Array.from({ length: 10 }, () => 'a'.repeat(20))];
    const text = lines.join('\n');
    const count = async (t: string) => [...t].reduce((n, ch) => n + (ch === '#' ? 1 : ch === '\n' ? 0 : 0.25), 0);
    const calls: string[] = [];
    const chunks = await splitIntoChunks(text, 1, 60, await count(text), async (t) => (calls.push(t), count(t)));
    for (const c of chunks) assert.ok(c.tokens <= 60, `chunk ${c.startLine}-${c.endLine} has ${c.tokens}`);
    assert.deepEqual(chunks.map((c) => c.text).join('\n'), text, 'nothing lost or reordered');
    assert.ok(calls.length > 0);
    assert.ok(chunks.some((c) => c.endLine - c.startLine === 1), 'an expensive piece was halved');
  });
});
