import assert from 'node:assert/strict';
import { TraceStore } from '../../src/core/store/traceStore';
import type { ErrorGroup, GroupStats } from '../../src/shared/analytics';
import type { ErrorInfo, TraceRecord } from '../../src/shared/types';
import type { CliRun } from '../support/cliKit';
import { buildCli, startCli } from '../support/cliKit';
import { makeTrace, tempDir, WASM } from '../support/fixtures';

const HOUR = 3_600_000;

/** Two models over the last hours: flash scores .6/.8 (rated 1 and 0), pro .4 plus a quota and a timeout error. */
function corpus(now: number): TraceRecord[] {
  const t = (i: number, model: string, score: number | null, error: ErrorInfo['kind'] | null, rating: number | null, tags: string[]): TraceRecord => {
    const start = now - (i + 1) * HOUR;
    const tr = makeTrace({ startTime: start, endTime: start + 100 * (i + 1), tags, name: `Explain #${i}` }, score);
    tr.spans[0]!.model = model;
    tr.spans[0]!.input = { prompt: 'explain', promptVersion: model === 'flash' ? 'aaaa1111' : 'bbbb2222' };
    if (error) tr.error = { kind: error, message: error };
    if (rating !== null) tr.scores.push({ name: 'rating', value: rating, reason: 'thumbs', source: 'user', spanId: null });
    return tr;
  };
  return [t(0, 'flash', 0.6, null, 1, ['ui']), t(1, 'flash', 0.8, null, 0, []), t(2, 'pro', 0.4, null, null, ['ui']), t(3, 'pro', null, 'quota', null, []), t(4, 'pro', null, 'timeout', null, [])];
}

describe('CLI: traces stats --by and traces calibration', function () {
  this.timeout(120_000);
  let bin: { cli: string; cleanup: () => void };
  let home: ReturnType<typeof tempDir>;
  let traces: TraceRecord[];
  const codi = (args: string[]): Promise<CliRun> => startCli(bin.cli, args, home.dir, { CODI_HOME: home.dir }).done;
  const json = async <T>(args: string[]): Promise<T> => {
    const r = await codi(args);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as T;
  };

  before(async () => {
    bin = await buildCli('codi-cli-analysis-');
    home = tempDir();
    const s = await TraceStore.open({ dir: home.dir, wasmPath: WASM });
    traces = corpus(Date.now());
    for (const x of traces) await s.saveTrace(x);
    await s.close();
  });
  after(() => {
    bin.cleanup();
    home.cleanup();
  });

  it('--by model gives the documented rows with means, intervals, ratings, percentiles and error rates', async () => {
    const rows = await json<GroupStats[]>(['traces', 'stats', '--by', 'model', '--days', '7', '--json']);
    assert.deepEqual(rows.map((r) => Object.keys(r).sort()), [0, 1].map(() => ['costUsd', 'errorRate', 'key', 'meanScore', 'p50LatencyMs', 'p95LatencyMs', 'runs', 'scoreHigh', 'scoreLow', 'tokens', 'userRating']));
    const [pro, flash] = rows;
    assert.equal(pro!.key, 'pro');
    assert.equal(pro!.runs, 3);
    assert.equal(pro!.meanScore, 0.4);
    assert.equal(pro!.scoreLow, null); // one scored run: no interval
    assert.ok(Math.abs(pro!.errorRate! - 2 / 3) < 1e-9);
    assert.ok(Math.abs(pro!.p50LatencyMs! - 300) <= 1.5, `p50 ${pro!.p50LatencyMs}`);
    assert.equal(flash!.key, 'flash');
    assert.ok(Math.abs(flash!.meanScore! - 0.7) < 1e-9);
    // sd .141421, t(.975, 1) = 12.706 → half width 1.2706: clamped to [0, 1]
    assert.deepEqual([flash!.scoreLow, flash!.scoreHigh], [0, 1]);
    assert.equal(flash!.userRating, 0.5);
    // From the rollups' latency histograms: exact below 128 ms, within 0.5% above.
    assert.equal(flash!.p50LatencyMs, 100);
    assert.ok(Math.abs(flash!.p95LatencyMs! - 200) <= 1, `p95 ${flash!.p95LatencyMs}`);
  });

  it('--by prompt, pipeline and tag group the same runs; filters narrow them', async () => {
    assert.deepEqual((await json<GroupStats[]>(['traces', 'stats', '--by', 'prompt', '--json'])).map((r) => [r.key, r.runs]), [['explain@bbbb2222', 3], ['explain@aaaa1111', 2]]);
    assert.deepEqual((await json<GroupStats[]>(['traces', 'stats', '--by', 'pipeline', '--json'])).map((r) => [r.key, r.runs]), [['explain', 5]]);
    assert.deepEqual((await json<GroupStats[]>(['traces', 'stats', '--by', 'tag', '--json'])).map((r) => [r.key, r.runs]), [['ui', 2]]);
    assert.deepEqual((await json<GroupStats[]>(['traces', 'stats', '--by', 'model', '--tag', 'ui', '--json'])).map((r) => [r.key, r.runs]), [['flash', 1], ['pro', 1]]);
  });

  it('--by error groups errors by kind with first and last seen and examples', async () => {
    const groups = await json<ErrorGroup[]>(['traces', 'stats', '--by', 'error', '--json']);
    assert.deepEqual(groups.map((g) => [g.key, g.runs, g.exampleTraceIds]), [['quota', 1, [traces[3]!.id]], ['timeout', 1, [traces[4]!.id]]]);
    assert.equal(groups[0]!.firstSeen, traces[3]!.startTime);
  });

  it('calibration gives pairs, agreement, Spearman and the 2×2 table', async () => {
    const c = await json<{ pairs: number; agreement: number; spearman: number | null; table: Record<string, number> }>(['traces', 'calibration', '--json']);
    assert.equal(c.pairs, 2);
    // (.6, up) → judge fails, user approves; (.8, down) → judge passes, user does not: no agreement.
    assert.equal(c.agreement, 0);
    assert.equal(c.spearman, -1);
    assert.deepEqual(c.table, { judgePassUserUp: 0, judgePassUserDown: 1, judgeFailUserUp: 1, judgeFailUserDown: 0 });
  });

  it('prints tables for people and refuses an unknown --by', async () => {
    const r = await codi(['traces', 'stats', '--by', 'model']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^MODEL\s+RUNS\s+MEAN SCORE \(95% CI\)/);
    assert.match(r.stdout, /flash\s+2\s+0\.70 \(0\.00–1\.00\)/);
    const bad = await codi(['traces', 'stats', '--by', 'colour']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--by must be one of model, prompt, pipeline, tag, error/);
  });
});
