import assert from 'node:assert/strict';
import { describeFilter, filterFor, isFiltered, parseChoices } from '../../src/host/views/traceFilter';
import { TraceStore } from '../../src/core/store/traceStore';
import { makeTrace, tempDir, WASM } from '../support/fixtures';

const NOW = new Date(2026, 10, 28, 15, 30).getTime();
const DAY = 86_400_000;

describe('Traces view filter choices', () => {
  it('combine: search AND errors AND types AND date', () => {
    const f = filterFor({ text: '  lru  ', errors: true, types: ['explain', 'generate'], since: '7d' }, NOW);
    assert.deepEqual(f, { text: 'lru', errorOnly: true, type: ['explain', 'generate'], from: NOW - 7 * DAY });
  });

  it('"today" starts at local midnight and is recomputed from now', () => {
    assert.equal(filterFor({ since: 'today' }, NOW).from, new Date(2026, 10, 28).getTime());
    assert.equal(filterFor({ since: 'today' }, NOW + DAY).from, new Date(2026, 10, 29).getTime());
  });

  it('are described in words and only count as a filter when something is chosen', () => {
    assert.equal(describeFilter({ text: 'lru', errors: true, types: ['explain'], since: '30d' }), '"lru" · errors · explain · last 30 days');
    assert.equal(describeFilter({ score: 'low' }), 'score < 0.6');
    assert.equal(isFiltered({}), false);
    assert.equal(isFiltered({ text: '   ' }), false);
    assert.equal(isFiltered({ types: [] }), false);
    assert.equal(isFiltered({ score: 'good' }), true);
    assert.equal(describeFilter({ toReview: true, labels: ['unclear', 'too long'] }), 'to review · label unclear or too long');
    assert.deepEqual(filterFor({ toReview: true, labels: ['unclear'] }, NOW), { review: 'queued', label: 'unclear' });
    assert.equal(isFiltered({ labels: [] }), false);
  });

  it('read back from storage keep only what they know', () => {
    assert.deepEqual(parseChoices({ text: ' x ', errors: 'yes', score: 'meh', types: ['explain', 'rm -rf'], since: '1y', extra: 1 }), { text: 'x', types: ['explain'] });
    assert.deepEqual(parseChoices({ toReview: 'yes', labels: ['ok', 7, ''] }), { labels: ['ok'] });
    assert.deepEqual(parseChoices(null), {});
    assert.deepEqual(parseChoices('errors'), {});
  });

  it('select the traces every part allows, through the store index', async () => {
    const t = tempDir('codi-filter-');
    const s = await TraceStore.open({ dir: t.dir, wasmPath: WASM });
    try {
      const err = { kind: 'network' as const, message: 'offline' };
      await s.saveTrace(makeTrace({ name: 'Explain src/lru.ts:1-9', type: 'explain', startTime: NOW - DAY, error: err }));
      await s.saveTrace(makeTrace({ name: 'Explain src/lru.ts:10-19', type: 'explain', startTime: NOW - 10 * DAY, error: err }));
      await s.saveTrace(makeTrace({ name: 'Generate src/lru.ts: evict', type: 'generate', startTime: NOW - DAY, error: err }));
      await s.saveTrace(makeTrace({ name: 'Explain src/cart.ts:1-9', type: 'explain', startTime: NOW - DAY }));
      const names = (c: Parameters<typeof filterFor>[0]) => s.query({ ...filterFor(c, NOW), limit: 50 }).items.map((i) => i.name).sort();
      assert.deepEqual(names({ text: 'lru', errors: true, types: ['explain'], since: '7d' }), ['Explain src/lru.ts:1-9']);
      assert.deepEqual(names({ text: 'lru', errors: true }), ['Explain src/lru.ts:1-9', 'Explain src/lru.ts:10-19', 'Generate src/lru.ts: evict']);
      assert.deepEqual(names({ text: 'nothing-has-this' }), []);
      const cart = s.query({ text: 'cart' }).items[0]!.id;
      const evict = s.query({ text: 'evict' }).items[0]!.id;
      await s.annotations().update(cart, { review: 'queued', labels: ['unclear'] });
      await s.annotations().update(evict, { labels: ['too long'] });
      assert.deepEqual(names({ toReview: true }), ['Explain src/cart.ts:1-9']);
      assert.deepEqual(names({ labels: ['unclear', 'too long'] }), ['Explain src/cart.ts:1-9', 'Generate src/lru.ts: evict']);
      assert.deepEqual(names({ labels: ['too long'], errors: true }), ['Generate src/lru.ts: evict']);
    } finally {
      await s.close();
      t.cleanup();
    }
  });
});
