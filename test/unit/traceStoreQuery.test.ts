import assert from 'node:assert/strict';
import { TraceStore } from '../../src/core/store/traceStore';
import type { TraceRecord } from '../../src/shared/types';
import { makeTrace, tempDir, WASM } from '../support/fixtures';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 10); // midnight UTC

/** 30 traces over three UTC days with known types, tags, threads, models, scores, errors and texts. */
function corpus(): TraceRecord[] {
  return Array.from({ length: 30 }, (_, i) => {
    const day = Math.floor(i / 10);
    const start = T0 + day * DAY + (i % 10) * 60_000;
    const error = i % 7 === 3 ? { kind: 'quota' as const, message: 'Resource exhausted' } : null;
    const score = error ? null : (i % 10) / 10;
    return makeTrace(
      {
        name: i === 12 ? 'Explain parseConfig in Settings.ts' : `Explain item ${i}`,
        type: i % 3 === 0 ? 'summarize' : 'explain',
        startTime: start,
        endTime: start + 100 * (i + 1),
        tags: [i % 2 ? 'odd' : 'even', ...(i % 5 === 0 ? ['five'] : [])],
        threadId: i < 4 ? 'thread-A' : null,
        metadata: { model: i % 4 === 0 ? 'gemini-2.5-pro' : 'gemini-2.5-flash' },
        input: { code: i === 7 ? 'function computeChecksum(buffer) { return crc32(buffer); }' : `const v${i} = ${i};` },
        output: i === 21 ? 'This caches the Fibonacci numbers in a Map.' : `Output ${i}.`,
        error,
        usage: { promptTokens: 10, outputTokens: i, thinkingTokens: 0, totalTokens: 10 + i },
        costUsd: 0.001 * i,
      },
      score,
    );
  });
}

describe('TraceStore: queries, search, aggregates', () => {
  let t: ReturnType<typeof tempDir>;
  let s: TraceStore;
  let all: TraceRecord[];
  before(async () => {
    t = tempDir();
    s = await TraceStore.open({ dir: t.dir, wasmPath: WASM });
    all = corpus();
    await Promise.all(all.map((x) => s.saveTrace(x)));
  });
  after(async () => {
    await s.close();
    t.cleanup();
  });
  const names = (items: { name: string }[]) => items.map((x) => x.name);
  const expectIds = (pred: (x: TraceRecord, i: number) => boolean) =>
    all
      .filter(pred)
      .sort((a, b) => b.startTime - a.startTime)
      .map((x) => x.id);

  it('pages through everything, newest first, with a cursor and with an offset', () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = s.query({ limit: 7, cursor });
      seen.push(...page.items.map((x) => x.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    assert.equal(pages, 5);
    assert.deepEqual(seen, expectIds(() => true));
    assert.deepEqual(s.query({ limit: 5, offset: 10 }).items.map((x) => x.id), seen.slice(10, 15));
    assert.equal(s.query({ limit: 1, withTotal: true }).total, 30);
  });

  it('filters by type, tag, thread, model, score range, errors and dates, and combines them', () => {
    const ids = (q: Parameters<TraceStore['query']>[0]) => s.query({ limit: 100, ...q }).items.map((x) => x.id);
    assert.deepEqual(ids({ type: 'summarize' }), expectIds((x) => x.type === 'summarize'));
    assert.deepEqual(ids({ type: ['summarize', 'explain'] }).length, 30);
    assert.deepEqual(ids({ tag: 'five' }), expectIds((x) => x.tags.includes('five')));
    assert.deepEqual(ids({ threadId: 'thread-A' }), expectIds((x) => x.threadId === 'thread-A'));
    assert.deepEqual(ids({ model: 'gemini-2.5-pro' }), expectIds((x) => x.metadata.model === 'gemini-2.5-pro'));
    assert.deepEqual(ids({ minScore: 0.5, maxScore: 0.7 }), expectIds((x) => !x.error && x.scores[0]!.value >= 0.5 && x.scores[0]!.value <= 0.7));
    assert.deepEqual(ids({ errorOnly: true }), expectIds((x) => x.error !== null));
    assert.deepEqual(ids({ from: T0 + DAY, to: T0 + 2 * DAY }), expectIds((x) => x.startTime >= T0 + DAY && x.startTime < T0 + 2 * DAY));
    assert.deepEqual(ids({ tag: 'even', minScore: 0.4, type: 'explain' }), expectIds((x) => x.tags.includes('even') && !x.error && x.scores[0]!.value >= 0.4 && x.type === 'explain'));
    assert.deepEqual(ids({ tag: 'no-such-tag' }), []);
  });

  it('searches titles, inputs and outputs, case-insensitively; every word must match', () => {
    assert.deepEqual(names(s.query({ text: 'PARSECONFIG' }).items), ['Explain parseConfig in Settings.ts']);
    assert.deepEqual(s.query({ text: 'checksum' }).items.map((x) => x.id), [all[7]!.id], 'in the input, inside a word');
    assert.deepEqual(s.query({ text: 'fibonacci map' }).items.map((x) => x.id), [all[21]!.id], 'in the output');
    assert.deepEqual(s.query({ text: 'fibonacci settings' }).items, []);
    assert.equal(s.query({ text: 'explain', tag: 'odd', limit: 100 }).items.length, 15);
    assert.deepEqual(s.query({ text: '%' }).items, [], 'no LIKE wildcards');
  });

  it('list() is the newest page without filters, up to 10,000 rows', () => {
    assert.deepEqual(s.list({ limit: 3 }).map((x) => x.id), expectIds(() => true).slice(0, 3));
    assert.equal(s.list({ limit: 50_000 }).length, 30);
  });

  it('aggregates per day: count, mean score, p50/p95 latency, tokens, cost, errors', () => {
    const days = s.aggregates({ from: T0, to: T0 + 3 * DAY, bucket: 'day', utcOffsetMinutes: 0 });
    assert.deepEqual(days.map((d) => d.day), ['2026-01-10', '2026-01-11', '2026-01-12']);
    for (const [k, d] of days.entries()) {
      const ts = all.slice(k * 10, k * 10 + 10);
      const scored = ts.filter((x) => !x.error);
      const lat = ts.map((x) => x.endTime! - x.startTime).sort((a, b) => a - b);
      assert.equal(d.start, T0 + k * DAY);
      assert.equal(d.count, 10);
      assert.equal(d.scored, scored.length);
      assert.ok(Math.abs(d.meanScore! - scored.reduce((n, x) => n + x.scores[0]!.value, 0) / scored.length) < 1e-9);
      assert.equal(d.p50LatencyMs, lat[4]);
      assert.equal(d.p95LatencyMs, lat[9]);
      assert.equal(d.tokens, ts.reduce((n, x) => n + x.usage!.totalTokens, 0));
      assert.ok(Math.abs(d.costUsd - ts.reduce((n, x) => n + x.costUsd!, 0)) < 1e-9);
      assert.equal(d.errors, ts.filter((x) => x.error).length);
    }
    const tz = s.aggregates({ from: T0 - DAY, to: T0 + 3 * DAY, utcOffsetMinutes: -12 * 60 });
    assert.equal(tz[0]!.day, '2026-01-09', 'days follow the requested time zone');
    assert.deepEqual(s.aggregates({ from: T0, to: T0 + 3 * DAY, utcOffsetMinutes: 0, model: 'gemini-2.5-pro' }).reduce((n, d) => n + d.count, 0), all.filter((x) => x.metadata.model === 'gemini-2.5-pro').length);
  });
});

describe('TraceStore: tag filter on a common tag (walks the newest-first index)', function () {
  this.timeout(30_000);
  it('returns the same page as for a rare tag', async () => {
    const t = tempDir();
    const s = await TraceStore.open({ dir: t.dir, wasmPath: WASM });
    try {
      const base = Date.now() - 3000 * 1000;
      const traces = Array.from({ length: 2600 }, (_, i) => makeTrace({ name: `c${i}`, startTime: base + i * 1000, tags: i % 5 ? ['common'] : ['common', 'fifth'] }, (i % 10) / 10));
      for (let i = 0; i < traces.length; i += 200) await Promise.all(traces.slice(i, i + 200).map((x) => s.saveTrace(x)));
      const expected = (pred: (x: TraceRecord) => boolean) =>
        traces
          .filter(pred)
          .reverse()
          .slice(0, 50)
          .map((x) => x.id);
      const page = s.query({ tag: 'common', minScore: 0.3, maxScore: 0.5, limit: 50 });
      assert.deepEqual(page.items.map((x) => x.id), expected((x) => x.scores[0]!.value >= 0.3 && x.scores[0]!.value <= 0.5));
      assert.deepEqual(s.query({ tag: 'fifth', limit: 50 }).items.map((x) => x.id), expected((x) => x.tags.includes('fifth')));
      assert.equal(s.query({ tag: 'common', limit: 1, withTotal: true }).total, 2600);
    } finally {
      await s.close();
      t.cleanup();
    }
  });
});
