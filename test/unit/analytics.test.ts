import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { rangeWindow } from '../../src/core/store/analytics';
import { TraceStore } from '../../src/core/store/traceStore';
import type { ErrorInfo, Score, TraceRecord } from '../../src/shared/types';
import { makeTrace, tempDir, WASM } from '../support/fixtures';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 0, 31, 12, 30);

interface Spec {
  daysAgo: number;
  model: string;
  prompt: string;
  score: number | null;
  latency: number;
  ttft?: number;
  error?: ErrorInfo['kind'];
  rating?: number;
  tags?: string[];
}

function trace(s: Spec, i: number): TraceRecord {
  const start = NOW - s.daysAgo * DAY - i * 60_000;
  const t = makeTrace({ startTime: start, endTime: start + s.latency, tags: s.tags ?? [], name: `Explain #${i}`, costUsd: 0.01, usage: { promptTokens: 60, outputTokens: 40, thinkingTokens: 0, totalTokens: 100 } }, s.score);
  const span = t.spans[0]!;
  span.model = s.model;
  span.input = { prompt: 'explain', promptVersion: s.prompt };
  span.attributes = { ttftMs: s.ttft ?? 50 };
  t.metadata = { model: 'requested-model', prompt: 'explain' };
  if (s.error) t.error = { kind: s.error, message: s.error };
  if (s.rating !== undefined) t.scores.push({ name: 'rating', value: s.rating, reason: 'thumbs', source: 'user', spanId: null });
  return t;
}

const A = 'gemini-2.5-flash';
const B = 'gemini-2.5-pro';
/** Known answers: A has scores .5–.9 (mean .7) and latencies 100–500 ms; B two scores, two errors, one cancel. */
const SPECS: Spec[] = [
  { daysAgo: 1, model: A, prompt: 'v1', score: 0.5, latency: 100, rating: 0, tags: ['ui'] },
  { daysAgo: 1, model: A, prompt: 'v1', score: 0.6, latency: 200, tags: ['ui'] }, // rated 1 later (appended)
  { daysAgo: 2, model: A, prompt: 'v1', score: 0.7, latency: 300, rating: 1, ttft: 70 },
  { daysAgo: 2, model: A, prompt: 'v1', score: 0.8, latency: 400, rating: 0.75, ttft: 80 },
  { daysAgo: 3, model: A, prompt: 'v1', score: 0.9, latency: 500, rating: 0.5, ttft: 90 },
  { daysAgo: 3, model: B, prompt: 'v2', score: 0.2, latency: 1000, tags: ['ui'] },
  { daysAgo: 4, model: B, prompt: 'v2', score: 0.4, latency: 3000 },
  { daysAgo: 4, model: B, prompt: 'v2', score: null, latency: 10, error: 'quota' },
  { daysAgo: 5, model: B, prompt: 'v2', score: null, latency: 20, error: 'quota' },
  { daysAgo: 6, model: B, prompt: 'v2', score: null, latency: 30, error: 'network' },
  { daysAgo: 6, model: B, prompt: 'v2', score: null, latency: 40, error: 'cancelled' },
  // The previous 30 days.
  { daysAgo: 40, model: A, prompt: 'v1', score: 0.4, latency: 100 },
  { daysAgo: 41, model: A, prompt: 'v1', score: 0.6, latency: 100 },
];

describe('Store analysis: rollups, comparisons, errors, calibration (known answers)', () => {
  let t: ReturnType<typeof tempDir>;
  let s: TraceStore;
  let traces: TraceRecord[];
  const month = () => rangeWindow('30d', NOW);
  const close = (a: number | null, b: number) => assert.ok(a !== null && Math.abs(a - b) < 1e-4, `${a} ≉ ${b}`);
  /** A percentile read from the latency histograms: within 0.5% (half a bin) of the exact value,. */
  const binned = (a: number | null, exact: number) => assert.ok(a !== null && Math.abs(a - exact) <= exact * 0.005 + 0.5, `${a} is not within 0.5% of ${exact}`);

  before(async () => {
    t = tempDir();
    s = await TraceStore.open({ dir: t.dir, wasmPath: WASM, now: () => NOW });
    traces = SPECS.map(trace);
    for (const x of traces) await s.saveTrace(x);
    await s.addScores(traces[1]!.id, [{ name: 'rating', value: 1, reason: 'thumbs', source: 'user', spanId: null } satisfies Score]);
  });
  after(async () => {
    await s.close();
    t.cleanup();
  });

  it('windows are whole hours up to the end of the current one, with the previous period before', () => {
    const w = rangeWindow('30d', NOW);
    assert.equal(w.current.to, Date.UTC(2026, 0, 31, 13));
    assert.equal(w.current.from, w.current.to - 30 * DAY);
    assert.deepEqual(w.previous, { from: w.current.to - 60 * DAY, to: w.current.from });
    assert.equal(rangeWindow('24h', NOW).bucket, 'hour');
    assert.equal(rangeWindow('all', NOW).previous, null);
  });

  it('headline figures for the window and the previous period', () => {
    const d = s.analysis().dashboard({ range: '30d', filter: {}, now: NOW, utcOffsetMs: 0 });
    assert.equal(d.current.traces, 11);
    assert.equal(d.current.errors, 3); // the cancelled run is not an error
    close(d.current.errorRate, 3 / 11);
    close(d.current.meanScore, (0.5 + 0.6 + 0.7 + 0.8 + 0.9 + 0.2 + 0.4) / 7);
    close(d.current.meanRating, (0 + 1 + 1 + 0.75 + 0.5) / 5);
    // Latencies of the successful runs: 100 200 300 400 500 1000 3000 → p50 = 4th, p95 = 7th.
    binned(d.current.p50LatencyMs, 400); // from the rollups' histograms
    binned(d.current.p95LatencyMs, 3000);
    assert.equal(d.current.p50TtftMs, 50); // 50 50 50 50 70 80 90 → 4th
    assert.equal(d.current.tokens, 1100);
    close(d.current.costUsd, 0.11);
    assert.equal(d.previous?.traces, 2);
    close(d.previous!.meanScore, 0.5);
    assert.deepEqual(d.options.models, [A, B]);
    assert.deepEqual(d.options.promptVersions, ['explain@v1', 'explain@v2']);
    assert.deepEqual(d.options.tags, ['ui']);
  });

  it('compares models with the mean score, its 95% interval (Student t), percentiles and error rate', () => {
    const [b, a] = s.analysis().compare('model', {}, month().current); // most runs first
    assert.equal(a!.key, A);
    assert.equal(a!.runs, 5);
    close(a!.meanScore, 0.7);
    // sd = sqrt(.025) = .158114; half width = t(.975, 4) · sd / √5 = 2.776 · .0707107 = .196293
    close(a!.scoreLow, 0.7 - 0.196293);
    close(a!.scoreHigh, 0.7 + 0.196293);
    binned(a!.p50LatencyMs, 300);
    binned(a!.p95LatencyMs, 500);
    close(a!.userRating, 0.65);
    assert.equal(a!.errorRate, 0);
    assert.equal(b!.key, B);
    assert.equal(b!.runs, 6);
    close(b!.meanScore, 0.3);
    // sd of .2, .4 = .141421; half = 12.706 · .141421 / √2 = 1.2706 → clamped to [0, 1]
    assert.equal(b!.scoreLow, 0);
    assert.equal(b!.scoreHigh, 1);
    close(b!.errorRate, 0.5);
    binned(b!.p50LatencyMs, 1000);
    assert.deepEqual(
      s.analysis().compare('prompt', {}, month().current).map((r) => [r.key, r.runs]),
      [
        ['explain@v2', 6],
        ['explain@v1', 5],
      ],
    );
  });

  it('serves tag filters and tag groups from the traces and agrees with the rollups', () => {
    const byTag = s.analysis().compare('tag', {}, month().current);
    assert.deepEqual(byTag.map((r) => [r.key, r.runs]), [['ui', 3]]);
    close(byTag[0]!.meanScore, (0.5 + 0.6 + 0.2) / 3);
    const ui = s.analysis().compare('model', { tag: 'ui' }, month().current);
    assert.deepEqual(ui.map((r) => [r.key, r.runs]), [[A, 2], [B, 1]]);
    assert.equal(ui[0]!.p50LatencyMs, 100); // below 128 ms the bins are exact
    binned(ui[1]!.p50LatencyMs, 1000);
    const viaRollups = s.analysis().compare('model', { model: A }, month().current)[0]!;
    const viaTraces = s.analysis().compare('tag', { model: A }, month().current)[0]!;
    assert.equal(viaRollups.runs, 5);
    assert.equal(viaTraces.runs, 2);
  });

  it('groups errors by kind with first and last seen and the newest examples, cancellations left out', () => {
    const groups = s.analysis().errorGroups({}, month().current);
    assert.deepEqual(groups.map((g) => [g.key, g.runs]), [['quota', 2], ['network', 1]]);
    assert.equal(groups[0]!.firstSeen, traces[8]!.startTime);
    assert.equal(groups[0]!.lastSeen, traces[7]!.startTime);
    assert.deepEqual(groups[0]!.exampleTraceIds, [traces[7]!.id, traces[8]!.id]);
  });

  it('calibrates the judge against user ratings: 2×2 table, agreement, Spearman, disagreements', () => {
    const c = s.analysis().calibration({}, month().current);
    assert.equal(c.pairs, 5);
    assert.deepEqual(c.table, { judgePassUserUp: 2, judgePassUserDown: 1, judgeFailUserUp: 1, judgeFailUserDown: 1 });
    close(c.agreement, 0.6);
    close(c.spearman, 0.5 / Math.sqrt(95)); // ranks 1..5 against 1, 4.5, 4.5, 3, 2
    assert.equal(c.disagreements[0]!.traceId, traces[0]!.id); // |.5 − 0| is the largest
    assert.deepEqual(new Set(c.disagreements.slice(1, 3).map((d) => d.traceId)), new Set([traces[1]!.id, traces[4]!.id]));
  });

  it('trend by day: every day of the window, runs by pipeline, mean score and spread', () => {
    const d = s.analysis().dashboard({ range: '7d', filter: {}, now: NOW, utcOffsetMs: 0 });
    assert.equal(d.trend.length, 8); // 7 × 24 h ending at 13:00 touch 8 calendar days
    const day = (n: number) => d.trend.find((p) => p.start === Date.UTC(2026, 0, 31 - n))!;
    assert.equal(day(1).runs, 2);
    assert.deepEqual(day(1).runsByType, { explain: 2 });
    close(day(1).meanScore, 0.55);
    close(day(1).scoreSd, Math.sqrt(0.005));
    assert.equal(day(0).runs, 0);
    assert.equal(day(6).errors, 1);
    assert.equal(d.trend.reduce((n, p) => n + p.runs, 0), 11);
  });

  it('keeps the rollups right through late scores, deletions and a rebuild from the journal', async () => {
    const before = s.analysis().compare('model', {}, month().current);
    await s.addScores(traces[6]!.id, [{ name: 'overall', value: 1, reason: 'late judge', source: 'judge', spanId: null }]);
    const b = s.analysis().compare('model', {}, month().current)[0]!;
    close(b.meanScore, 0.6); // .2 and 1 (replacing .4)
    assert.equal((await s.applyRetention({ maxDays: 32 })).deleted, 2);
    const d = s.analysis().dashboard({ range: '30d', filter: {}, now: NOW, utcOffsetMs: 0 });
    assert.equal(d.previous?.traces, 0);
    assert.equal(d.current.traces, 11);
    assert.equal(d.previous?.p50LatencyMs, null); // the deleted traces left the latency histograms too
    binned(s.analysis().compare('model', {}, month().current).find((r) => r.key === A)!.p95LatencyMs, 500);
    await s.deleteTraces([traces[4]!.id]); // A's 500 ms run: 100 200 300 400 are left
    binned(s.analysis().compare('model', {}, month().current).find((r) => r.key === A)!.p95LatencyMs, 400);
    // A new run in an hour already read is seen at once (the hour is read again, not served from memory).
    await s.saveTrace(trace({ daysAgo: 2, model: A, prompt: 'v1', score: 0.9, latency: 9000 }, 99));
    binned(s.analysis().compare('model', {}, month().current).find((r) => r.key === A)!.p95LatencyMs, 9000);
    const expected = s.analysis().compare('model', {}, month().current);
    assert.notDeepEqual(expected, before);
    await s.close();
    rmSync(join(t.dir, 'index.snapshot'), { force: true }); // rebuilt from the journal
    s = await TraceStore.open({ dir: t.dir, wasmPath: WASM, now: () => NOW });
    assert.deepEqual(s.analysis().compare('model', {}, month().current), expected);
  });
});
