import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareExperiments, regressions } from '../../src/core/eval/compare';
import { loadDataset } from '../../src/core/eval/dataset';
import type { CaseResult, Experiment } from '../../src/core/eval/experiment';
import { junitXml } from '../../src/core/eval/junit';
import { meanCi95, percentile, stdev } from '../../src/core/eval/stats';
import { createGeminiClient } from '../../src/core/gemini/client';
import { RateGate } from '../../src/core/gemini/gate';
import { tempDir } from '../support/fixtures';
import { startGeminiStandIn } from '../support/geminiStandIn';

const kase = (id: string, pass: boolean, score: number | null): CaseResult => ({ id, pipeline: 'explain', pass, score, criteria: {}, costUsd: 0.001, latencyMs: 100, traceId: `t-${id}`, failures: pass ? [] : ['score 0.1 not in [0.5, 1]'], flaky: false });
const exp = (runId: string, cases: CaseResult[]): Experiment => ({
  runId, name: runId, dataset: { name: 'd', hash: '0123456789abcdef', cases: cases.length, path: '/d.jsonl' }, pipeline: 'explain',
  models: { model: 'm', judgeModel: 'm' }, prompts: {}, codiVersion: 't', startedAt: 0, endedAt: 1000, status: 'done', repeat: 1, concurrency: 1, cases,
  passRate: cases.filter((c) => c.pass).length / cases.length, passed: cases.filter((c) => c.pass).length, failed: cases.filter((c) => !c.pass).length,
  meanScore: null, costUsd: 0.001 * cases.length, latencyMs: { p50: 100, p95: 100 },
});

describe('experiments core', () => {
  it('statistics: stdev, nearest-rank percentiles and a Student-t 95% interval', () => {
    assert.equal(stdev([2, 4, 4, 4, 5, 5, 7, 9]).toFixed(4), '2.1381');
    assert.equal(percentile([5, 1, 4, 2, 3], 50), 3);
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95), 10);
    const ci = meanCi95([0.1, 0.2, 0.3])!;
    // mean 0.2, sd 0.1, t(2) = 4.303: 0.2 ± 0.2484
    assert.equal(ci.value.toFixed(4), '0.2000');
    assert.equal(ci.low.toFixed(4), '-0.0484');
    assert.equal(ci.high.toFixed(4), '0.4484');
    assert.deepEqual(meanCi95([0.5]), { value: 0.5, low: 0.5, high: 0.5 });
  });

  it('compare: per-case deltas, flips both ways, cases only in one run, and regressions against a baseline', () => {
    const a = exp('a', [kase('x', true, 0.8), kase('y', false, 0.4), kase('z', true, 0.9)]);
    const b = exp('b', [kase('x', false, 0.5), kase('y', true, 0.7), kase('w', true, 1)]);
    const c = compareExperiments(a, b);
    assert.deepEqual(c.cases.map((k) => [k.id, k.flipped, k.scoreDelta]), [['x', 'pass→fail', -0.3], ['y', 'fail→pass', 0.3], ['z', null, null], ['w', null, null]]);
    assert.equal(c.meanScoreDelta!.value, 0);
    assert.deepEqual(regressions(a.cases, b.cases), ['x', 'z']);
  });

  it('JUnit: one testcase per case, failures with their message, XML special characters escaped', () => {
    const e = exp('r', [kase('ok', true, 0.9), { ...kase('a<b & "c"', false, 0.1), failures: ['output contains "<script>"'] }]);
    const xml = junitXml(e);
    assert.match(xml, /<testsuite name="r" tests="2" failures="1"/);
    assert.match(xml, /<testcase classname="d\.explain" name="a&lt;b &amp; &quot;c&quot;" time="0\.100"><failure message="output contains &quot;&lt;script&gt;&quot;"/);
    assert.doesNotMatch(xml, /<script>/);
  });

  it('datasets: CSV with quoted cells and newlines, YAML lists, file ranges; the hash follows the files a case reads', () => {
    const tmp = tempDir();
    try {
      writeFileSync(join(tmp.dir, 'a.ts'), 'line1\nline2\nline3\n');
      writeFileSync(join(tmp.dir, 'd.csv'), 'id,pipeline,code,language,expect\nq,explain,"x = ""a, b""\ny = 2",python,"{""maxWords"": 9}"\nf,explain,,,\n');
      assert.throws(() => loadDataset(join(tmp.dir, 'd.csv')), /line 4: give "code"/);
      writeFileSync(join(tmp.dir, 'd.csv'), 'id,pipeline,code,language,expect\nq,explain,"x = ""a, b""\ny = 2",python,"{""maxWords"": 9}"\n');
      const csv = loadDataset(join(tmp.dir, 'd.csv'));
      assert.deepEqual(csv.cases.map((c) => [c.id, (c.input as { code: string }).code, c.expect]), [['q', 'x = "a, b"\ny = 2', { maxWords: 9 }]]);
      writeFileSync(join(tmp.dir, 'd.yaml'), '- id: r\n  pipeline: summarize\n  file: a.ts\n  lines: 2-3\n');
      const y1 = loadDataset(join(tmp.dir, 'd.yaml'));
      assert.deepEqual(y1.cases[0]!.input, { code: 'line2\nline3', language: 'typescript', file: 'a.ts', startLine: 2, endLine: 3 });
      writeFileSync(join(tmp.dir, 'a.ts'), 'line1\nline2 changed\nline3\n');
      assert.notEqual(loadDataset(join(tmp.dir, 'd.yaml')).hash, y1.hash, 'a changed source file changes the dataset hash');
    } finally {
      tmp.cleanup();
    }
  });

  it('a rate limit seen by one client holds the next request of another client sharing the gate', async () => {
    const gemini = await startGeminiStandIn();
    try {
      gemini.enqueue({ kind: 'error', status: 429, retryDelay: '1s' });
      const gate = new RateGate();
      const make = () => createGeminiClient({ apiKey: 'k', baseUrl: gemini.url, gate, retry: { maxAttempts: 2 } });
      const a = make().stream({ model: 'gemini-2.5-flash', prompt: 'p' });
      await gemini.waitForRequests(1);
      await new Promise((r) => setTimeout(r, 100)); // A has its 429 and paused the gate
      await make().stream({ model: 'gemini-2.5-flash', prompt: 'q' });
      await a;
      const [limited, ...rest] = gemini.requests;
      assert.equal(limited!.answeredWith, 'error');
      for (const r of rest) assert.ok(r.receivedAt - limited!.receivedAt >= 900, `request held ${r.receivedAt - limited!.receivedAt} ms`);
      assert.equal(rest.length, 2);
    } finally {
      await gemini.close();
    }
  });
});
