/**
 * Opik export of experiments, end to end inside Node: a stored experiment run and its cases → the outbox's
 * experiment queue → the real opik SDK REST client → the Opik stand-in (datasets, dataset items,
 * experiments, experiment items), with outages, retries and re-runs.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { EvalCase } from '../../src/core/eval/dataset';
import type { Experiment } from '../../src/core/eval/experiment';
import { uuidv7 } from '../../src/core/ids';
import { datasetItemId, experimentItemId, stableUuidV7 } from '../../src/core/opik/experimentPayload';
import { experimentExportStatus, startOpikExport } from '../../src/core/opik/exporter';
import { FileOutboxStore } from '../../src/core/opik/fileOutbox';
import type { OutboxWorker } from '../../src/core/opik/outbox';
import type { BackoffPolicy } from '../../src/core/opik/sender';
import type { TraceRecord } from '../../src/shared/types';
import { tempDir } from '../support/fixtures';
import { explainTrace, FAKE } from '../support/opikFixtures';
import { OpikStandIn } from '../support/opikStandIn';

const FAST: BackoffPolicy = { baseMs: 40, maxMs: 400, factor: 2, jitter: 0.25 };

function cases(n: number, tweak = ''): Array<EvalCase<'explain'>> {
  return Array.from({ length: n }, (_, i) => ({
    id: `case-${i + 1}`,
    pipeline: 'explain',
    input: { code: `function f${i}() { return ${i}; }${tweak}`, language: 'typescript', file: `src/f${i}.ts`, startLine: 1, endLine: 1 },
    expect: { score: [0.5, 1] as [number, number], contains: ['return'] },
    line: i + 1,
  }));
}

function experimentOf(cs: readonly EvalCase[], traces: TraceRecord[], name = 'explain-basics'): Experiment {
  const now = Date.now();
  return {
    runId: uuidv7(),
    name,
    dataset: { name: 'explain-basics', hash: 'abcdef0123456789', cases: cs.length, path: '/tmp/explain-basics.jsonl' },
    pipeline: 'explain',
    models: { model: 'gemini-2.5-flash', judgeModel: 'gemini-2.5-pro' },
    prompts: { explain: 'a1b2c3d4', judge: 'e5f6a7b8' },
    codiVersion: '0.1.0',
    startedAt: now - 1000,
    endedAt: now,
    status: 'done',
    repeat: 1,
    concurrency: 2,
    cases: cs.map((c, i) => ({ id: c.id, pipeline: 'explain', pass: i % 2 === 0, score: 0.8, criteria: {}, costUsd: 0.001, latencyMs: 300, traceId: traces[i]!.id, failures: [], flaky: false })),
    passRate: 0.5,
    passed: 1,
    failed: 1,
    meanScore: 0.8,
    costUsd: 0.002,
    latencyMs: { p50: 300, p95: 300 },
  };
}

class Harness {
  readonly traces = new Map<string, TraceRecord>();
  readonly runs = new Map<string, { experiment: Experiment; cases: EvalCase[] }>();
  readonly workers: OutboxWorker[] = [];
  private constructor(
    readonly opik: OpikStandIn,
    readonly dir: ReturnType<typeof tempDir>,
    readonly store: FileOutboxStore,
  ) {}

  static async create(): Promise<Harness> {
    const dir = tempDir('codi-opik-exp-');
    return new Harness(await OpikStandIn.start(), dir, await FileOutboxStore.open(join(dir.dir, 'opik-outbox.json')));
  }

  worker(): OutboxWorker {
    const exp = startOpikExport({
      settings: { enabled: true, url: this.opik.url, workspace: this.opik.workspace, project: 'CODI' },
      apiKey: this.opik.apiKey,
      store: this.store,
      loadTrace: async (id) => this.traces.get(id) ?? null,
      loadExperiment: async (runId) => this.runs.get(runId) ?? null,
      clientVersion: '0.1.0',
      client: 'cli',
      timeoutMs: 2000,
      tuning: { backoff: FAST, pollMs: 100 },
    });
    assert.ok(exp.worker);
    this.workers.push(exp.worker);
    return exp.worker;
  }

  /** A finished run of `cs`: one trace per case, all queued, then the experiment. */
  async run(w: OutboxWorker, cs: EvalCase[], name?: string): Promise<Experiment> {
    const traces = cs.map(() => explainTrace());
    for (const t of traces) this.traces.set(t.id, t);
    const e = experimentOf(cs, traces, name);
    this.runs.set(e.runId, { experiment: e, cases: cs });
    for (const t of traces) await w.enqueue(t.id);
    await w.enqueueExperiment(e.runId);
    return e;
  }

  async cleanup(): Promise<void> {
    for (const w of this.workers) await w.stop();
    await this.opik.close();
    this.dir.cleanup();
  }
}

describe('Opik export of experiments (dataset, items, experiment, experiment items)', function () {
  this.timeout(60_000);
  let h: Harness;
  beforeEach(async () => (h = await Harness.create()));
  afterEach(async () => h.cleanup());

  it('derives stable v7-shaped ids: the same case content gives the same dataset item id, edited content a new one', () => {
    const [a] = cases(1);
    const [b] = cases(1);
    const [edited] = cases(1, ' // edited');
    assert.match(datasetItemId(a!), /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(datasetItemId(a!), datasetItemId({ ...b!, input: { ...b!.input } }));
    assert.notEqual(datasetItemId(a!), datasetItemId(edited!));
    const runId = uuidv7(Date.UTC(2026, 0, 2));
    const item = experimentItemId(runId, uuidv7());
    assert.equal(item.slice(0, 13), runId.slice(0, 13), 'an experiment item carries its run time');
    assert.notEqual(stableUuidV7('x'), stableUuidV7('y'));
  });

  it('sends the dataset, its items, the experiment (models, prompt versions) and one item per case linking item and trace', async () => {
    const w = h.worker();
    const cs = cases(3);
    const e = await h.run(w, cs);
    assert.equal((await experimentExportStatus(h.store, e.runId)).state, 'pending');
    const r = await w.syncNow();
    assert.deepEqual({ sent: r.sent, experimentsSent: r.experimentsSent, pending: r.pending }, { sent: 3, experimentsSent: 1, pending: 0 });

    const x = h.opik.experiments;
    const paths = h.opik.requests.map((q) => `${q.method} ${q.path.replace('/api/v1/private', '')}`);
    const firstExperimentCall = paths.indexOf('POST /datasets');
    assert.ok(firstExperimentCall > paths.lastIndexOf('POST /traces/batch'), 'the experiment goes after its traces');
    assert.deepEqual(paths.slice(firstExperimentCall), ['POST /datasets', 'PUT /datasets/items', 'POST /experiments', 'POST /experiments/items']);

    const dataset = x.datasets.get('explain-basics')!;
    assert.ok(dataset, 'the dataset is created under the dataset name');
    assert.equal(x.datasetItems.size, 3);
    for (const c of cs) {
      const item = x.datasetItems.get(datasetItemId(c))!;
      assert.equal(item.source, 'sdk');
      assert.deepEqual(item.data, { case_id: c.id, pipeline: 'explain', input: c.input, expect: c.expect });
    }
    const sent = x.experiments.get(e.runId)!;
    assert.equal(sent.dataset_name, 'explain-basics');
    assert.equal(sent.name, e.name);
    assert.equal(sent.project_name, 'CODI');
    const meta = sent.metadata as Record<string, unknown>;
    assert.deepEqual(meta.models, { model: 'gemini-2.5-flash', judge_model: 'gemini-2.5-pro' });
    assert.deepEqual(meta.prompt_versions, { explain: 'a1b2c3d4', judge: 'e5f6a7b8' });
    assert.equal(meta.pass_rate, 0.5);
    assert.deepEqual(
      [...x.experimentItems.values()].map((i) => [i.dataset_item_id, i.trace_id, i.experiment_id]).sort(),
      cs.map((c, i) => [datasetItemId(c), e.cases[i]!.traceId, e.runId]).sort(),
    );
    for (const c of e.cases) assert.ok(h.opik.traces.has(c.traceId), 'every linked trace is in Opik');

    const st = await experimentExportStatus(h.store, e.runId);
    assert.equal(st.state, 'sent');
    const base = h.opik.url.replace(/\/api$/, '');
    assert.equal(st.url, `${base}/codi-test/experiments/${String(dataset.id)}/compare?experiments=${encodeURIComponent(JSON.stringify([e.runId]))}`);
  });

  it('redacts secrets in dataset items before they leave the machine', async () => {
    const w = h.worker();
    const cs = cases(1);
    cs[0]!.input.code = `const key = ${JSON.stringify(FAKE.google)};`;
    await h.run(w, cs);
    await w.syncNow();
    const raw = h.opik.calls('/v1/private/datasets/items').map((q) => q.raw).join('\n');
    assert.ok(raw.length > 0);
    assert.ok(!raw.includes(FAKE.google), 'the key does not reach Opik');
    assert.match(raw, /REDACTED/);
  });

  it('loses nothing while Opik is down or answers 503, and duplicates nothing once it is back', async () => {
    const w = h.worker();
    const cs = cases(4);
    const e = await h.run(w, cs);
    await h.opik.down();
    const down = await w.syncNow();
    assert.equal(down.sent + down.experimentsSent, 0);
    assert.equal(down.pending, 5, 'four traces and the experiment still queued');
    await h.opik.up();
    // Traces and dataset go through; the experiment items fail: the whole experiment is retried later.
    h.opik.fail({ kind: 'status', status: 503, path: /experiments\/items$/ });
    const partial = await w.syncNow();
    assert.deepEqual({ sent: partial.sent, experimentsSent: partial.experimentsSent, pending: partial.pending }, { sent: 4, experimentsSent: 0, pending: 1 });
    const st = await experimentExportStatus(h.store, e.runId);
    assert.equal(st.state, 'pending');
    assert.match(st.lastError ?? '', /HTTP 503/);
    // A restart in between: the queue is in the file.
    const again = await FileOutboxStore.open(h.store.path);
    assert.equal((await again.dueExperiments(Number.MAX_SAFE_INTEGER, 10)).length, 1);
    const done = await w.syncNow();
    assert.equal(done.experimentsSent, 1);
    assert.equal(done.pending, 0);

    const x = h.opik.experiments;
    assert.equal(x.datasets.size, 1);
    assert.equal(x.datasetItems.size, 4);
    assert.equal(x.experiments.size, 1);
    assert.equal(x.experimentItems.size, 4);
    assert.deepEqual(x.duplicates().experiments, [], 'the experiment was created once (the retry got 409 and went on)');
    assert.deepEqual(x.duplicates().datasets, []);
    assert.deepEqual(h.opik.duplicates(), { traces: [], spans: [] });
    assert.equal((await experimentExportStatus(h.store, e.runId)).state, 'sent');
    // Nothing is sent again afterwards.
    const n = h.opik.requests.length;
    await w.syncNow();
    assert.equal(h.opik.requests.length, n);
  });

  it('a re-run of the same dataset adds an experiment and its items, not dataset items', async () => {
    const w = h.worker();
    const cs = cases(3);
    const first = await h.run(w, cs, 'run one');
    await w.syncNow();
    const second = await h.run(w, cases(3), 'run two');
    const r = await w.syncNow();
    assert.equal(r.experimentsSent, 1);
    const x = h.opik.experiments;
    assert.equal(x.datasets.size, 1);
    assert.equal(x.datasetItems.size, 3, 'the same cases are the same items');
    assert.deepEqual(x.duplicates().datasets, []);
    assert.equal(x.experiments.size, 2);
    assert.equal(x.experimentItems.size, 6);
    const a = await experimentExportStatus(h.store, first.runId);
    const b = await experimentExportStatus(h.store, second.runId);
    assert.equal(a.url!.split('/compare')[0], b.url!.split('/compare')[0], 'both link to the one dataset');
    // An edited case becomes one more item; the others stay as they are.
    const edited = cases(3);
    edited[1]!.input.code += ' // edited';
    await h.run(w, edited, 'run three');
    await w.syncNow();
    assert.equal(x.datasetItems.size, 4);
  });

  it('links to a dataset of that name that already exists in Opik under another id', async () => {
    h.opik.experiments.datasets.set('explain-basics', { id: '0190f000-0000-7000-8000-00000000abcd', name: 'explain-basics' });
    const w = h.worker();
    const e = await h.run(w, cases(2));
    await w.syncNow();
    const st = await experimentExportStatus(h.store, e.runId);
    assert.equal(st.state, 'sent');
    assert.match(st.url ?? '', /\/experiments\/0190f000-0000-7000-8000-00000000abcd\/compare/);
    assert.equal([...h.opik.experiments.datasetItems.values()].every((i) => i.dataset_id === '0190f000-0000-7000-8000-00000000abcd'), true);
  });

  it('marks an experiment whose stored run is gone as failed for good, with why', async () => {
    const w = h.worker();
    const e = await h.run(w, cases(1));
    h.runs.delete(e.runId);
    const r = await w.syncNow();
    assert.equal(r.permanentlyFailed, 1);
    const st = await experimentExportStatus(h.store, e.runId);
    assert.equal(st.state, 'failed');
    assert.match(st.lastError ?? '', /no longer stored/);
    assert.equal(h.opik.experiments.experiments.size, 0);
  });
});
