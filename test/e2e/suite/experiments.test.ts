// Experiments, replay and batch inside a real VS Code extension host, against the Gemini stand-in: the
// commands resolve with what they produced (run id, trace id, batch summary), so the tests check the stored
// result, the links between traces and what the user is shown.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { BatchSummary } from '../../../src/core/run/batch';
import { listTraces, openTabLabels, waitFor } from './helpers';

const EXTENSION_ID = 'codi-dev.codi';
const DATASET = [
  { id: 'add', pipeline: 'explain', code: 'export const add = (a: number, b: number) => a + b;', language: 'typescript', expect: { score: [0, 1], maxWords: 2000 } },
  { id: 'tight', pipeline: 'explain', code: 'export function twice(x: number) { return x * 2; }', language: 'typescript', expect: { maxWords: 1 } },
];

export function registerExperimentTests(): void {
  suite('CODI experiments, replay and batch', () => {
    let folder: vscode.WorkspaceFolder;

    suiteSetup(async () => {
      await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
      await vscode.commands.executeCommand('notifications.clearAll');
      await vscode.commands.executeCommand('codi.setGeminiApiKey', 'e2e-experiments-key');
      const f = vscode.workspace.workspaceFolders?.[0];
      assert.ok(f, 'the sample workspace should be open');
      folder = f;
    });

    test('Run Experiment: every case a trace tagged with the run; the expectation that cannot hold fails', async () => {
      const file = vscode.Uri.joinPath(folder.uri, 'datasets', 'host-mini.jsonl');
      await vscode.workspace.fs.writeFile(file, Buffer.from(DATASET.map((c) => JSON.stringify(c)).join('\n')));
      const runId = await vscode.commands.executeCommand<string | undefined>('codi.runExperiment', file);
      assert.equal(typeof runId, 'string', 'codi.runExperiment should resolve with the stored run id');
      const traces = await listTraces();
      const tagged = traces.filter((t) => t.tags.includes('experiment:host-mini'));
      assert.equal(tagged.length, 2, `two traces should carry the experiment tag, found ${tagged.length}`);
      await waitFor('the "CODI Experiment · host-mini" tab', async () => (openTabLabels().includes('CODI Experiment · host-mini') ? true : undefined), 10_000);
    });

    test('Run Experiment refuses a bad dataset before any model call, naming the line', async () => {
      const before = (await listTraces()).length;
      const file = vscode.Uri.joinPath(folder.uri, 'datasets', 'host-bad.jsonl');
      await vscode.workspace.fs.writeFile(file, Buffer.from(`${JSON.stringify(DATASET[0])}\n{not json\n`));
      const runId = await vscode.commands.executeCommand<string | undefined>('codi.runExperiment', file);
      assert.equal(runId, undefined, 'a bad dataset should not run');
      assert.equal((await listTraces()).length, before, 'no trace should be recorded for a refused dataset');
    });

    test('Replay with Another Model: a new trace linked by replayOf, the outputs side by side', async () => {
      const original = (await listTraces()).find((t) => t.type === 'explain' && !t.error);
      assert.ok(original, 'an explain trace from the experiment should exist');
      const id = await vscode.commands.executeCommand<string | undefined>('codi.replayTrace', original.id, 'gemini-2.5-pro');
      assert.equal(typeof id, 'string', 'codi.replayTrace should resolve with the new trace id');
      const replay = await waitFor('the replay trace', async () => (await listTraces()).find((t) => t.id === id), 10_000);
      assert.ok(replay.tags.includes('replay'), `the replay trace should be tagged "replay", tags: ${replay.tags.join(', ')}`);
      assert.equal(replay.model, 'gemini-2.5-pro');
      const diff = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.scheme === 'codi-replay');
      assert.ok(diff, `a diff of the two outputs should be open; tabs: ${openTabLabels().join(' | ')}`);
      const right = await vscode.workspace.openTextDocument((diff.input as vscode.TabInputTextDiff).modified);
      assert.ok(right.getText().length > 0, 'the replay side of the diff should show the new output');
    });

    test('Summarize Files: one trace per file, folders skipped, one summary', async () => {
      const lru = vscode.Uri.joinPath(folder.uri, 'src', 'lru.ts');
      const fib = vscode.Uri.joinPath(folder.uri, 'python', 'fib.py');
      const empty = vscode.Uri.joinPath(folder.uri, 'empty.ts');
      await vscode.workspace.fs.writeFile(empty, new Uint8Array());
      const before = (await listTraces()).filter((t) => t.type === 'summarize').length;
      const s = await vscode.commands.executeCommand<BatchSummary | undefined>('codi.summarizeFiles', lru, [lru, fib, empty, vscode.Uri.joinPath(folder.uri, 'src')]);
      assert.ok(s, 'codi.summarizeFiles should resolve with its summary');
      assert.equal(s.succeeded + s.failed.reduce((n, g) => n + g.labels.length, 0), 3, `three files (the folder skipped): ${s.text}`);
      assert.ok(s.succeeded >= 2, `lru.ts and fib.py should be summarized: ${s.text}`);
      const after = (await listTraces()).filter((t) => t.type === 'summarize').length;
      assert.ok(after - before >= 2, `a summarize trace per file should be recorded (${after - before} new)`);
      assert.match(s.text, /^\d of 3 files summarized/);
      await vscode.workspace.fs.delete(empty);
    });

    suiteTeardown(async () => {
      await vscode.workspace.fs.delete(vscode.Uri.joinPath(folder.uri, 'datasets'), { recursive: true }).then(undefined, () => undefined);
    });
  });
}
