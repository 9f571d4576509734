// Opik export inside a real VS Code extension host, against the local Opik stand-in scripts/e2e.mjs starts
// (test/e2e/support/opikStandInServer.ts): user settings point codi.opik.url at it with workspace "e2e-ws" and
// leave export off; these tests check the off path, turn export on through the settings API, and read what
// Opik received through the stand-in's control URL (CODI_E2E_OPIK_CONTROL). Runs after the other suites.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { OpikLinkState, UserRating } from '../../../src/shared/protocol';
import { waitFor } from './helpers';
import {
  EXTENSION_ID, explain, loadedBundles, memory, OPIK_KEY, opikReceived, opikStatus, statusBar, switchOpik, waitSent, waitStatusBarShown, WORKSPACE,
} from './opikHelpers';

export function registerOpikTests(): void {
  suite('CODI Opik export', () => {
    let apiUrl: string;
    let memoryOff = '';
    /** The trace delivered once export is on (rated in the next test). */
    let sentId = '';

    suiteSetup(async () => {
      await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
      await vscode.commands.executeCommand('notifications.clearAll');
      await vscode.commands.executeCommand('codi.setGeminiApiKey', 'e2e-opik-suite-key');
      const c = vscode.workspace.getConfiguration('codi.opik');
      apiUrl = (await opikReceived()).url;
      assert.equal(c.get('url'), apiUrl, 'codi.opik.url should point at the Opik stand-in');
      assert.equal(c.get('workspace'), WORKSPACE);
    });

    suiteTeardown(async () => {
      await switchOpik('up').catch(() => undefined);
      await vscode.workspace.getConfiguration('codi.opik').update('enabled', undefined, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('notifications.clearAll');
    });

    test('export off (the default): nothing reaches Opik and the opik SDK bundle is never loaded', async () => {
      assert.equal(vscode.workspace.getConfiguration('codi.opik').get('enabled'), false, 'codi.opik.enabled should default to false');
      const { id } = await explain();
      assert.equal((await opikStatus(id)).state, 'off');
      assert.equal((await statusBar()).visible, false, 'the Opik status bar item is hidden while export is off');

      const bundles = await loadedBundles();
      assert.ok(bundles.includes('lib/genai.js'), `the probe should see the Gemini bundle loaded by Explain (saw ${bundles.join(', ')})`);
      assert.ok(!bundles.includes('lib/opik.js'), `lib/opik.js must not be loaded while export is off (loaded: ${bundles.join(', ')})`);
      const received = await opikReceived();
      assert.deepEqual(received.requests, [], 'no request may reach Opik while export is off');

      const stats = await vscode.commands.executeCommand<{ activationMs: number }>('codi._test.stats');
      memoryOff = memory();
      console.log(`[codi] export off: activation ${stats!.activationMs.toFixed(1)} ms; bundles loaded ${bundles.join(', ')}; extension host ${memoryOff}`);
    });

    test('export on (key set, codi.opik.enabled through the settings API): Explain → trace, spans and judge scores in Opik, link', async () => {
      await vscode.commands.executeCommand('codi.setOpikApiKey', OPIK_KEY);
      const { restarts } = await statusBar();
      const t0 = performance.now();
      await vscode.workspace.getConfiguration('codi.opik').update('enabled', true, vscode.ConfigurationTarget.Global);
      const bar = await waitStatusBarShown(restarts);
      const tReady = performance.now();
      assert.match(bar.text, /Opik/);
      assert.ok(!(await loadedBundles()).includes('lib/opik.js'), 'with nothing to send, turning export on must not load the SDK yet');

      const { id, score } = await explain();
      const tExplained = performance.now();
      const sent = await waitSent(id);
      const tSent = performance.now();
      sentId = id;

      const got = await opikReceived();
      const project = got.projects.find((p) => p.name === 'CODI');
      assert.ok(project, `Opik should have the "CODI" project (has ${got.projects.map((p) => p.name).join(', ')})`);
      const uiBase = apiUrl.replace(/\/api$/, '');
      assert.equal(sent.url, `${uiBase}/${WORKSPACE}/projects/${project.id}/traces?tab=logs&logsType=traces&trace=${id}`);
      assert.equal(sent.lastError, null);

      const trace = got.traces[id];
      assert.ok(trace, `Opik should have trace ${id} (has ${Object.keys(got.traces).join(', ') || 'none'})`);
      assert.equal(trace.project_name, 'CODI');
      assert.equal(got.writes.traces[id], 1, 'the trace is written once');
      const spans = Object.values(got.spans).filter((s) => s.trace_id === id);
      assert.ok(spans.length >= 2, `the answer and the judge should be spans of the trace, got ${spans.length}`);
      assert.ok(spans.some((s) => s.type === 'llm' && s.provider === 'google_ai' && typeof s.model === 'string'), 'an llm span with provider google_ai and its model');
      const judge = got.traceScores[`${id}|judge_overall`];
      assert.ok(judge, `the judge's overall score should be a feedback score (have ${Object.keys(got.traceScores).join(', ')})`);
      assert.ok(Math.abs(Number(judge.value) - score) < 1e-9, `judge_overall ${String(judge.value)} should be the trace score ${score}`);
      assert.equal(judge.source, 'sdk');
      const perCriterion = Object.keys(got.traceScores).filter((k) => k.startsWith(`${id}|judge_`) && k !== `${id}|judge_overall`);
      assert.ok(perCriterion.length > 0, 'the judge criteria should be feedback scores too');
      for (const r of got.requests) {
        assert.ok(r.status >= 200 && r.status < 300 || (r.status === 404 && r.path.endsWith('/projects/retrieve')), `${r.method} ${r.path} → ${r.status}`);
        assert.equal(r.authorization, OPIK_KEY, 'the key goes in the authorization header, without "Bearer"');
        assert.equal(r.workspace, WORKSPACE, 'every request names the workspace');
      }
      assert.deepEqual(got.unknownFields, [], 'CODI should only send fields Opik knows');

      const bundles = await loadedBundles();
      assert.ok(bundles.includes('lib/opik.js'), `lib/opik.js should be loaded once a trace was delivered (loaded: ${bundles.join(', ')})`);
      const spanTypes = spans.map((s) => String(s.type)).join(', ');
      console.log(`[codi] export on: enable → worker ready ${(tReady - t0).toFixed(0)} ms; Explain ${(tExplained - tReady).toFixed(0)} ms; ` +
        `run finished → trace sent ${(tSent - tExplained).toFixed(0)} ms (includes loading lib/opik.js); enable → first trace delivered ${(tSent - t0).toFixed(0)} ms`);
      console.log(`[codi] Opik received trace ${id}: ${spans.length} spans (${spanTypes}), ${Object.keys(got.traceScores).filter((k) => k.startsWith(id)).length} feedback scores, ${got.requests.length} requests`);
      console.log(`[codi] extension host memory: export off ${memoryOff}; after lib/opik.js loaded and one trace sent ${memory()}`);
    });

    test('a rating (the webview\'s rate handler) goes to Opik as the user_rating feedback score', async () => {
      assert.ok(sentId, 'needs the trace delivered by the previous test');
      const rate = (rating: UserRating) => vscode.commands.executeCommand('codi._test.rate', sentId, rating);
      const userScore = async (value: number) =>
        waitFor(`user_rating ${value} for ${sentId} in Opik`, async () => {
          const s = (await opikReceived()).traceScores[`${sentId}|user_rating`];
          return s && s.value === value ? s : undefined;
        }, 15_000);

      await rate({ kind: 'thumbs', value: 1 });
      const up = await userScore(1);
      assert.equal(up.source, 'ui', 'a person\'s rating is sent with source "ui"');
      assert.equal(up.reason, 'thumbs');
      await rate({ kind: 'stars', value: 4 });
      const stars = await userScore(0.75);
      assert.equal(stars.reason, 'stars');
      const got = await opikReceived();
      assert.equal(got.writes.traces[sentId], 1, 'a rating updates the feedback scores only, not the trace');
      assert.equal((await opikStatus(sentId)).state, 'sent');
    });

    test('an experiment run with export on reaches Opik as a dataset, items, an experiment and items; the panel links to it', async () => {
      const folder = vscode.workspace.workspaceFolders![0]!;
      const file = vscode.Uri.joinPath(folder.uri, 'datasets', 'opik-mini.jsonl');
      const cases = [
        { id: 'add', pipeline: 'explain', code: 'export const add = (a: number, b: number) => a + b;', language: 'typescript' },
        { id: 'twice', pipeline: 'explain', code: 'export function twice(x: number) { return x * 2; }', language: 'typescript' },
      ];
      await vscode.workspace.fs.writeFile(file, Buffer.from(cases.map((c) => JSON.stringify(c)).join('\n')));
      const runId = await vscode.commands.executeCommand<string | undefined>('codi.runExperiment', file);
      assert.equal(typeof runId, 'string', 'codi.runExperiment resolves with the run id');
      type Probe = { status: OpikLinkState | null; panel: { runId: string; opik: OpikLinkState | null } | null };
      const probe = () => vscode.commands.executeCommand<Probe>('codi._test.experimentOpik', runId);
      const sent = await waitFor(`experiment ${String(runId)} sent and shown in the panel`, async () => {
        const p = await probe();
        return p?.status?.state === 'sent' && p.panel?.opik?.state === 'sent' ? p : undefined;
      }, 30_000, 50);
      const got = await opikReceived();
      const ds = got.experiments.datasets['opik-mini'];
      assert.ok(ds, `Opik should have the dataset "opik-mini" (has ${Object.keys(got.experiments.datasets).join(', ')})`);
      const mine = Object.values(got.experiments.datasetItems).filter((i) => i.dataset_id === ds.id);
      assert.equal(mine.length, 2, 'one dataset item per case');
      const experiment = got.experiments.experiments[runId!];
      assert.ok(experiment, 'Opik should have the experiment under the run id');
      assert.equal(experiment.dataset_name, 'opik-mini');
      assert.ok((experiment.metadata as { models?: { model?: string } }).models?.model, 'the model is in the metadata');
      const items = got.experiments.experimentItems.filter((i) => i.experiment_id === runId);
      assert.equal(items.length, 2, 'one experiment item per case');
      for (const i of items) assert.ok(got.traces[String(i.trace_id)], `experiment item ${String(i.id)} links a trace Opik has`);
      assert.equal(sent.panel?.runId, runId);
      assert.equal(sent.panel?.opik?.url, sent.status?.url);
      assert.equal(sent.status?.url, `${apiUrl.replace(/\/api$/, '')}/${WORKSPACE}/experiments/${String(ds.id)}/compare?experiments=${encodeURIComponent(JSON.stringify([runId]))}`);
      assert.deepEqual(got.experiments.duplicates, { datasets: [], experiments: [], experimentItems: [] });
      console.log(`[codi] experiment ${String(runId)} in Opik: dataset ${String(ds.id)}, ${items.length} experiment items; panel link ${String(sent.panel?.opik?.url)}`);
    });

    test('Opik down: a new trace stays pending (status bar, outbox); up + "Sync to Opik Now" delivers it once', async () => {
      await switchOpik('down');
      const { id } = await explain();
      const pending = await waitFor(`trace ${id} pending with the delivery error`, async () => {
        const s = await opikStatus(id);
        return s.state === 'pending' && s.lastError ? s : undefined;
      }, 30_000);
      assert.equal(pending.url, null);
      const bar = await waitFor('the status bar to show the outage', async () => {
        const b = await statusBar();
        return /cloud-offline/.test(b.text) ? b : undefined;
      }, 10_000);
      assert.match(bar.text, /Opik 1$/, `the status bar shows one trace waiting, got "${bar.text}"`);
      const entry = await vscode.commands.executeCommand<{ state: string; attempts: number; lastError: string | null }>('codi._test.outboxState', id);
      assert.ok(entry && entry.state === 'pending' && entry.attempts >= 1 && entry.lastError, `the outbox (in the store's journal) should hold ${id} as pending: ${JSON.stringify(entry)}`);
      assert.equal((await opikReceived()).traces[id], undefined);
      console.log(`[codi] Opik down: status bar "${bar.text}", outbox entry ${JSON.stringify(entry)}`);

      await switchOpik('up');
      await vscode.commands.executeCommand('codi.syncOpikNow');
      const sent = await waitSent(id, 20_000);
      assert.match(sent.url ?? '', new RegExp(`trace=${id}$`));
      const got = await opikReceived();
      assert.ok(got.traces[id], 'Opik has the trace after the sync');
      assert.equal(got.writes.traces[id], 1, 'written once');
      assert.deepEqual(got.duplicates, { traces: [], spans: [] }, 'no trace or span id was written twice in the whole run');
      const after = await waitFor('the status bar to clear', async () => {
        const b = await statusBar();
        return b.text === '$(cloud) Opik' ? b : undefined;
      }, 10_000);
      console.log(`[codi] after the outage: status bar "${after.text}", Opik holds ${Object.keys(got.traces).length} traces, ${Object.keys(got.spans).length} spans, no duplicates`);
    });
  });
}
