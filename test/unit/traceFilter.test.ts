import assert from 'node:assert/strict';
import { describeFilter, filterFor, formatDateRange, isFiltered, parseChoices, parseDateRange } from '../../src/host/views/traceFilter';
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

  it('offer tags, models, a thread and a typed date range, combined with the rest', () => {
    const range = parseDateRange('2026-11-01..2026-11-20')!;
    assert.deepEqual(range, { from: new Date(2026, 10, 1).getTime(), to: new Date(2026, 10, 21).getTime() });
    assert.deepEqual(parseDateRange(' 2026-11-05 '), { from: new Date(2026, 10, 5).getTime(), to: new Date(2026, 10, 6).getTime() });
    for (const bad of ['', '2026-11-20..2026-11-01', '2026-02-30', 'last week', '2026-11-01..2026-11-02..2026-11-03']) assert.equal(parseDateRange(bad), null, bad);
    assert.equal(formatDateRange(range), '2026-11-01..2026-11-20');
    assert.equal(formatDateRange(parseDateRange('2026-11-05')!), '2026-11-05');
    const c = { tags: ['flaky', 'review'], models: ['gemini-2.5-pro'], thread: { id: 'th-1', label: 'src/lru.ts:29-36' }, range, since: '7d' as const };
    assert.deepEqual(filterFor(c, NOW), { tag: ['flaky', 'review'], answerModel: 'gemini-2.5-pro', threadId: 'th-1', from: range.from, to: range.to });
    assert.equal(describeFilter(c), 'tag flaky or review · model gemini-2.5-pro · thread "src/lru.ts:29-36" · 2026-11-01..2026-11-20');
    assert.deepEqual(filterFor({ since: '90d' }, NOW), { from: NOW - 90 * DAY });
    assert.ok(isFiltered({ tags: ['x'] }) && isFiltered({ models: ['m'] }) && isFiltered({ thread: { id: 't', label: 'l' } }) && isFiltered({ range }));
    // A date choice narrows a dashboard selection's period, never widens it.
    assert.deepEqual(filterFor({ since: '7d', selection: { label: 'model m', answerModel: 'm', from: NOW - 3 * DAY, to: NOW } }, NOW), { answerModel: 'm', from: NOW - 3 * DAY, to: NOW });
    assert.deepEqual(parseChoices({ ...c, tags: ['flaky', 7, ''], thread: { id: 3 }, range: { from: 5, to: 1 } }), { since: '7d', tags: ['flaky'], models: ['gemini-2.5-pro'] });
    assert.deepEqual(parseChoices(JSON.parse(JSON.stringify(c))), c);
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
      const tagged = makeTrace({ name: 'Explain src/tags.ts:1-9', startTime: NOW - 2 * DAY, tags: ['flaky'], threadId: 'th-1' });
      await s.saveTrace(tagged);
      assert.deepEqual(names({ tags: ['flaky', 'absent'] }), ['Explain src/tags.ts:1-9']);
      assert.deepEqual(names({ thread: { id: 'th-1', label: 'x' }, range: parseDateRange('2020-01-01..2020-01-02')! }), []);
      assert.deepEqual(names({ thread: { id: 'th-1', label: 'x' }, since: '7d' }), ['Explain src/tags.ts:1-9']);
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
