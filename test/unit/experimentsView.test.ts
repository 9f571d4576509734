import assert from 'node:assert/strict';
import type { CaseResult, Experiment } from '../../src/core/eval/experiment';
import { experimentViewState } from '../../src/core/eval/experimentView';
import { batchSummary } from '../../src/core/run/batch';
import { describeReplay, replayDiff, requestedModelOf, traceOutputText } from '../../src/core/run/replay';
import type { ExperimentCaseRow } from '../../src/shared/experimentsProtocol';
import type { TableView } from '../../src/shared/experimentsTable';
import { visibleRows } from '../../src/shared/experimentsTable';
import { makeTrace } from '../support/fixtures';

const TRACE = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

function caseResult(id: string, pass: boolean, score: number | null, over: Partial<CaseResult> = {}): CaseResult {
  return { id, pipeline: 'explain', pass, score, criteria: score === null ? {} : { faithfulness: score }, costUsd: 0.001, latencyMs: 1000, traceId: TRACE, failures: pass ? [] : [`score ${score} below 0.7`], flaky: false, ...over };
}

function experiment(runId: string, startedAt: number, cases: CaseResult[]): Experiment {
  const passed = cases.filter((c) => c.pass).length;
  const scores = cases.flatMap((c) => (c.score === null ? [] : [c.score]));
  return {
    runId, name: 'explain', dataset: { name: 'explain', hash: 'abcdef0123456789', cases: cases.length, path: '/d/explain.jsonl' }, pipeline: 'explain',
    models: { model: 'gemini-2.5-flash', judgeModel: 'gemini-2.5-flash' }, prompts: { explain: 'v1' }, codiVersion: 'test', startedAt, endedAt: startedAt + 10,
    status: 'done', repeat: 1, concurrency: 4, cases, passRate: passed / cases.length, passed, failed: cases.length - passed,
    meanScore: scores.reduce((a, b) => a + b, 0) / scores.length, costUsd: 0.001 * cases.length, latencyMs: { p50: 1000, p95: 1000 },
  };
}

describe('Experiments panel state (experimentViewState)', () => {
  const before = experiment('run-a', 1000, [caseResult('a', true, 0.9), caseResult('b', false, 0.5), caseResult('c', true, 0.8), caseResult('gone', true, 0.9)]);
  const now = experiment('run-b', 2000, [caseResult('a', false, 0.6), caseResult('b', true, 0.8), caseResult('c', true, 0.8), caseResult('new', true, 0.7)]);

  it('a first run has rows without deltas and no aggregate', () => {
    const s = experimentViewState(now, null);
    assert.equal(s.other, null);
    assert.equal(s.aggregate, null);
    assert.deepEqual(s.rows.map((r) => [r.id, r.pass, r.delta]), [['a', false, null], ['b', true, null], ['c', true, null], ['new', true, null]]);
    assert.equal(s.run.dataset.hash, 'abcdef0123456789');
  });

  it('deltas to the previous run: score deltas, flips both ways, cases new in this run have no delta', () => {
    const s = experimentViewState(now, before);
    const by = new Map(s.rows.map((r) => [r.id, r.delta]));
    assert.equal(by.get('a')?.flipped, 'pass→fail');
    assert.ok(Math.abs((by.get('a')?.scoreDelta ?? 0) + 0.3) < 1e-9);
    assert.equal(by.get('b')?.flipped, 'fail→pass');
    assert.deepEqual(by.get('b')?.before, { pass: false, score: 0.5 });
    assert.equal(by.get('c')?.flipped, null);
    assert.equal(by.get('c')?.scoreDelta, 0);
    assert.equal(by.get('new'), null);
    assert.deepEqual(s.aggregate?.flips, { passToFail: 1, failToPass: 1 });
    assert.equal(s.aggregate?.passRateDelta, 0);
    assert.ok(s.aggregate?.meanScoreDelta && s.aggregate.meanScoreDelta.low <= s.aggregate.meanScoreDelta.value && s.aggregate.meanScoreDelta.value <= s.aggregate.meanScoreDelta.high);
  });

  it('compare mode keeps A as `other` and B as `run`', () => {
    const s = experimentViewState(now, before, 'compare');
    assert.equal(s.mode, 'compare');
    assert.equal(s.other?.runId, 'run-a');
    assert.equal(s.run.runId, 'run-b');
  });
});

describe('Experiments table (visibleRows)', () => {
  const row = (id: string, pass: boolean, score: number | null, flipped: 'pass→fail' | 'fail→pass' | null = null, failures: string[] = []): ExperimentCaseRow => ({
    id, pipeline: 'explain', pass, score, criteria: {}, costUsd: score, latencyMs: score === null ? null : score * 1000, failures, traceId: TRACE, flaky: false,
    delta: flipped || score !== null ? { scoreDelta: score === null ? null : score - 0.5, costDelta: null, latencyDelta: null, flipped, before: null } : null,
  });
  const rows = [row('b', true, 0.9), row('a', false, 0.4, 'pass→fail', ['contains "LruCache"']), row('c', false, null), row('d', true, 0.6, 'fail→pass')];
  const view = (over: Partial<TableView>): TableView => ({ filter: 'all', text: '', sort: { column: 'id', descending: false }, ...over });
  const ids = (v: TableView) => visibleRows(rows, v).map((r) => r.id);

  it('sorts by id, and by score both ways with missing scores last', () => {
    assert.deepEqual(ids(view({})), ['a', 'b', 'c', 'd']);
    assert.deepEqual(ids(view({ sort: { column: 'score', descending: true } })), ['b', 'd', 'a', 'c']);
    assert.deepEqual(ids(view({ sort: { column: 'score', descending: false } })), ['a', 'd', 'b', 'c']);
    assert.deepEqual(ids(view({ sort: { column: 'pass', descending: false } })), ['a', 'c', 'b', 'd']);
  });

  it('filters failed, flipped, and by words in the id or failed expectation', () => {
    assert.deepEqual(ids(view({ filter: 'failed' })), ['a', 'c']);
    assert.deepEqual(ids(view({ filter: 'flipped' })), ['a', 'd']);
    assert.deepEqual(ids(view({ text: 'lrucache' })), ['a']);
    assert.deepEqual(ids(view({ filter: 'flipped', text: 'd' })), ['d']);
    assert.deepEqual(ids(view({ text: 'nothing-matches' })), []);
  });
});

describe('replay: diff and description', () => {
  it('deltas are the new run minus the original; the line says them with signs', () => {
    const original = makeTrace({ startTime: 1000, endTime: 3000, costUsd: 0.002, metadata: { model: 'gemini-2.5-flash', requestedModel: 'gemini-2.5-flash' } }, 0.7);
    const replay = makeTrace({ startTime: 5000, endTime: 6500, costUsd: 0.003, output: 'new text' }, 0.85);
    const d = replayDiff(original, replay);
    assert.deepEqual(d, { scoreDelta: 0.15, costDelta: 0.001, latencyDelta: -500 });
    assert.equal(describeReplay(replay, d), 'score 0.85 (+0.15), cost $0.00300 (+$0.00100), latency 1.5 s (−500 ms)');
    assert.equal(requestedModelOf(original), 'gemini-2.5-flash');
  });

  it('an unjudged side gives no score delta; structured outputs diff as JSON', () => {
    const a = makeTrace({ output: { steps: ['x'] } }, null);
    const b = makeTrace({}, 0.9);
    assert.equal(replayDiff(a, b).scoreDelta, null);
    assert.equal(traceOutputText(a), '{\n  "steps": [\n    "x"\n  ]\n}');
    assert.equal(traceOutputText(makeTrace({ output: null, error: { kind: 'quota', message: 'Quota exceeded' } })), '(no output: quota: Quota exceeded)');
  });
});

describe('batch summary (Summarize Files)', () => {
  it('counts successes, groups failures by error kind (largest first), counts files not run', () => {
    const s = batchSummary(
      [
        { label: 'a.ts', error: null },
        { label: 'b.ts', error: { kind: 'quota', message: 'Quota exceeded' } },
        { label: 'c.ts', error: null },
        { label: 'd.bin', error: { kind: 'bad-input', message: 'Not a text file' } },
        { label: 'e.ts', error: { kind: 'quota', message: 'Quota exceeded' } },
      ],
      7,
    );
    assert.equal(s.succeeded, 2);
    assert.equal(s.skipped, 2);
    assert.deepEqual(s.failed.map((g) => [g.kind, g.labels]), [['quota', ['b.ts', 'e.ts']], ['bad-input', ['d.bin']]]);
    assert.equal(s.text, '2 of 7 files summarized; 2 quota (b.ts, e.ts): Quota exceeded; 1 bad-input (d.bin): Not a text file; 2 not run (cancelled)');
  });

  it('all good: one clause', () => {
    assert.equal(batchSummary([{ label: 'a.ts', error: null }], 1).text, '1 of 1 file summarized');
  });
});
