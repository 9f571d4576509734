import assert from 'node:assert/strict';
import { CodiError } from '../../src/core/errors';
import { normalizeTag, retag } from '../../src/core/store/tags';
import { TraceStore } from '../../src/core/store/traceStore';
import { makeTrace, tempDir, WASM } from '../support/fixtures';

describe('User tags on traces', () => {
  let t: ReturnType<typeof tempDir>;
  let s: TraceStore;
  const a = makeTrace({ name: 'Explain src/a.ts:1-9', tags: ['explain', 'typescript'] });
  const b = makeTrace({ name: 'Explain src/b.ts:1-9', tags: ['explain'], startTime: a.startTime + 1 });

  beforeEach(async () => {
    t = tempDir();
    s = await TraceStore.open({ dir: t.dir, wasmPath: WASM });
    await s.saveTrace(a);
    await s.saveTrace(b);
  });
  afterEach(async () => {
    await s.close();
    t.cleanup();
  });

  it('adds and removes tags; the Traces filter, the tag list and a reopened store see them', async () => {
    const r = await retag(s, a.id, { add: [' flaky ', 'review'], remove: ['typescript'] });
    assert.deepEqual(r, { id: a.id, tags: ['explain', 'flaky', 'review'], changed: true });
    assert.deepEqual(s.query({ tag: 'flaky' }).items.map((x) => x.id), [a.id]);
    assert.deepEqual(s.query({ tag: 'typescript' }).items, []);
    assert.deepEqual(s.query({ tag: ['review', 'nothing'] }).items.map((x) => x.id), [a.id]);
    assert.ok(s.analysis().options().tags.includes('flaky'));
    assert.equal(s.count(), 2, 'the trace was replaced, not copied');
    await s.close();
    s = await TraceStore.open({ dir: t.dir, wasmPath: WASM });
    assert.deepEqual((await s.get(a.id))!.tags, ['explain', 'flaky', 'review']);
    assert.deepEqual((await s.get(b.id))!.tags, ['explain']);
    assert.equal(s.analysis().compare('tag', {}, { from: 0, to: Date.now() + 3_600_000 }).find((g) => g.key === 'flaky')?.runs, 1);
  });

  it('keeps appended ratings and writes nothing when nothing changes', async () => {
    await s.addScores(a.id, [{ name: 'rating', value: 1, reason: 'thumbs', source: 'user', spanId: null }]);
    assert.deepEqual(await retag(s, a.id, { add: ['explain'], remove: ['absent'] }), { id: a.id, tags: ['explain', 'typescript'], changed: false });
    await retag(s, a.id, { add: ['rated'] });
    assert.deepEqual((await s.get(a.id))!.scores.filter((x) => x.source === 'user').map((x) => x.value), [1]);
    const rated = s.analysis().compare('tag', {}, { from: 0, to: Date.now() + 3_600_000 }).find((g) => g.key === 'rated');
    assert.equal(rated?.userRating, 1);
  });

  it('refuses tags a list or a command line could not show, and unknown traces, with the next step', async () => {
    for (const bad of ['', '   ', 'a,b', 'x\ny', 'x'.repeat(65)]) assert.throws(() => normalizeTag(bad), (e: unknown) => e instanceof CodiError && e.kind === 'bad-input');
    assert.equal(normalizeTag('experiment:nightly'), 'experiment:nightly');
    await assert.rejects(retag(s, '0190aaaa-0000-7000-8000-000000000000', { add: ['x'] }), (e: unknown) => e instanceof CodiError && e.kind === 'bad-input' && /codi traces list/.test(e.message));
    assert.deepEqual((await s.get(a.id))!.tags, ['explain', 'typescript']);
  });
});
