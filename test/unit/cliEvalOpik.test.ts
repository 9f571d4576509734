/**
 * `codi eval --opik` as a CI script uses it: the bundled CLI against the Gemini and Opik stand-ins. The
 * experiment reaches Opik as a dataset, its items, an experiment and experiment items; an outage loses
 * nothing and `codi opik sync` delivers it later without duplicates; `eval --json` and `eval show --json`
 * carry `opik: {state, url}`.
 */
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { resolve } from 'node:path';
import { useCliKit } from '../support/cliKit';
import { OpikStandIn } from '../support/opikStandIn';

const SAMPLES = resolve(__dirname, '../../samples');

interface EvalOut {
  runId: string;
  cases: Array<{ id: string; traceId: string }>;
  opik?: { state: string; url: string | null };
}

describe('codi eval --opik (bundled CLI, Gemini and Opik stand-ins)', function () {
  this.timeout(180_000);
  const kit = useCliKit('clievalopik');
  let opik: OpikStandIn;
  beforeEach(async () => {
    opik = await OpikStandIn.start();
    cpSync(SAMPLES, kit.work, { recursive: true });
  });
  afterEach(() => opik.close());
  const codi = (args: string[]) =>
    kit.codi(args, { OPIK_URL_OVERRIDE: opik.url, OPIK_API_KEY: opik.apiKey, OPIK_WORKSPACE: opik.workspace, OPIK_PROJECT_NAME: 'CODI' }, 150_000);
  const json = <T>(r: { stdout: string; stderr: string }): T => {
    try {
      return JSON.parse(r.stdout) as T;
    } catch {
      throw new Error(`not JSON: ${r.stdout.slice(0, 300)}\nstderr: ${r.stderr}`);
    }
  };

  it('sends the experiment with its traces; a run while Opik is down is delivered by `codi opik sync`, nothing twice', async () => {
    const r = await codi(['eval', 'datasets/explain.jsonl', '--opik', '--json', '--concurrency', '4']);
    assert.equal(r.code, 0, r.stderr);
    const first = json<EvalOut>(r);
    assert.equal(first.opik?.state, 'sent', r.stderr);
    const ds = opik.experiments.datasets.get('explain')!;
    assert.ok(ds, 'dataset "explain" created');
    assert.equal(first.opik?.url, `${opik.url.replace(/\/api$/, '')}/${opik.workspace}/experiments/${String(ds.id)}/compare?experiments=${encodeURIComponent(JSON.stringify([first.runId]))}`);
    assert.equal(opik.experiments.datasetItems.size, 12);
    assert.equal(opik.experiments.experimentItems.size, 12);
    const linked = new Set([...opik.experiments.experimentItems.values()].map((i) => i.trace_id));
    for (const c of first.cases) {
      assert.ok(linked.has(c.traceId), `case ${c.id} is linked to its trace`);
      assert.ok(opik.traces.has(c.traceId), `trace of ${c.id} is in Opik`);
    }
    const shown = json<EvalOut>(await codi(['eval', 'show', first.runId, '--json']));
    assert.deepEqual(shown.opik, first.opik);

    await opik.down();
    const r2 = await codi(['eval', 'datasets/explain.jsonl', '--opik', '--json', '--concurrency', '4']);
    assert.equal(r2.code, 0, 'Opik being down never changes the gate');
    const second = json<EvalOut>(r2);
    assert.equal(second.opik?.state, 'pending');
    assert.equal(second.opik?.url, null);
    assert.match(r2.stderr, /Opik: experiment queued/);
    await opik.up();
    const sync = await codi(['opik', 'sync', '--json']);
    assert.equal(sync.code, 0, sync.stderr);
    assert.deepEqual(json<{ sent: number; experimentsSent: number; pending: number }>(sync), { ...json<object>(sync), sent: 12, experimentsSent: 1, pending: 0 });
    const later = json<EvalOut>(await codi(['eval', 'show', second.runId, '--json']));
    assert.equal(later.opik?.state, 'sent');

    const x = opik.experiments;
    assert.equal(x.datasets.size, 1);
    assert.equal(x.datasetItems.size, 12, 'the re-run added no dataset item');
    assert.equal(x.experiments.size, 2);
    assert.equal(x.experimentItems.size, 24);
    // The re-run upserts the same 12 item ids again (Opik keeps one copy of each); everything else is written once.
    assert.deepEqual({ ...x.duplicates(), datasetItems: x.duplicates().datasetItems.length }, { datasets: [], datasetItems: 12, experiments: [], experimentItems: [] });
    assert.deepEqual(opik.duplicates(), { traces: [], spans: [] });
  });
});
