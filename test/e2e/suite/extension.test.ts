// Extension tests that run inside a real VS Code extension host (code-server 1.139 via scripts/codeShim.mjs).
// The workspace is a copy of samples/workspace; user settings point codi.apiBaseUrl at a local Gemini
// stand-in (scripts/e2e.mjs), so no request leaves the machine.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { listTraces, openTabLabels, waitFor } from './helpers';

const EXTENSION_ID = 'codi-dev.codi';

interface ContributedCommand {
  command: string;
}

export function registerExtensionTests(): void {
  suite('CODI extension', () => {
    let extension: vscode.Extension<unknown>;

    suiteSetup(async () => {
      const found = vscode.extensions.getExtension(EXTENSION_ID);
      assert.ok(found, `extension ${EXTENSION_ID} is not installed in the extension host`);
      extension = found;
      const baseUrl = vscode.workspace.getConfiguration('codi').get<string>('apiBaseUrl') ?? '';
      assert.match(baseUrl, /^http:\/\/127\.0\.0\.1:\d+/, 'codi.apiBaseUrl must point at the local Gemini stand-in');
    });

    test('activates without error', async () => {
      const wasActive = extension.isActive;
      const t0 = performance.now();
      await extension.activate();
      assert.equal(extension.isActive, true);
      const m = process.memoryUsage();
      const mem = `rss ${(m.rss / 1048576).toFixed(1)} MB, heapUsed ${(m.heapUsed / 1048576).toFixed(1)} MB`;
      if (!wasActive) console.log(`[codi] extension.activate() from the test ${(performance.now() - t0).toFixed(1)} ms (loads dist/extension.js; Opik export off); extension host ${mem}`);
    });

    test('registers every command that package.json contributes', async () => {
      const contributed = (extension.packageJSON as { contributes: { commands: ContributedCommand[] } })
        .contributes.commands.map((c) => c.command);
      assert.ok(contributed.length >= 5, `expected CODI's commands in package.json, got ${contributed.join(', ')}`);
      const registered = new Set(await vscode.commands.getCommands(true));
      assert.deepEqual(contributed.filter((c) => !registered.has(c)), [], 'contributed commands without a handler');
    });

    test('explain a selection: streamed answer, judged trace, Traces view, trace panel', async () => {
      await vscode.commands.executeCommand('codi.setGeminiApiKey', 'e2e-test-key');

      const folder = vscode.workspace.workspaceFolders?.[0];
      assert.ok(folder, 'the sample workspace should be open');
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, 'src', 'lru.ts'));
      const editor = await vscode.window.showTextDocument(doc);
      const start = doc.getText().split('\n').findIndex((l) => l.includes('get(key: K)'));
      assert.ok(start > 0, 'sample file should contain the get() method');
      editor.selection = new vscode.Selection(start, 0, start + 12, 0);
      assert.ok(!editor.selection.isEmpty);

      const before = new Set((await listTraces()).map((t) => t.id));
      await vscode.commands.executeCommand('codi.explainSelection');

      // The judge scores after the answer has streamed: wait for the new trace to carry its score.
      const trace = await waitFor('a judged explain trace', async () =>
        (await listTraces()).find((t) => !before.has(t.id) && t.type === 'explain' && typeof t.score === 'number'));
      assert.equal(trace.error, null, `the explain trace recorded an error: ${JSON.stringify(trace.error)}`);
      assert.ok(trace.score !== null && trace.score >= 0 && trace.score <= 1, `score ${trace.score} should be in 0..1`);
      await waitFor('the CODI result panel tab', async () => (openTabLabels().some((l) => l.startsWith('CODI')) ? true : undefined), 10_000)
        .catch(() => assert.fail(`no CODI result panel among the tabs: ${openTabLabels().join(' | ')}`));

      // The Traces view lists the same summaries, newest first.
      await vscode.commands.executeCommand('codi.traces.focus');
      await vscode.commands.executeCommand('codi.refreshTraces');
      const listed = await listTraces();
      assert.equal(listed[0]?.id, trace.id, 'the new trace should be first in the Traces view');

      // The tree item shows the title, type, score badge and duration.
      const items = await vscode.commands.executeCommand<Array<{ label: string; description: string }>>('codi._test.treeItems');
      assert.match(items[0]?.label ?? '', /^src\/lru\.ts:\d+-\d+$/);
      assert.match(items[0]?.description ?? '', new RegExp(`^${trace.score!.toFixed(2)} · explain · \\d+(\\.\\d)? (ms|s)`));

      await vscode.commands.executeCommand('codi.showTrace', trace.id);
      await waitFor('the trace panel tab', async () => (openTabLabels().some((l) => l.startsWith('CODI Trace')) ? true : undefined), 10_000)
        .catch(() => assert.fail(`no "CODI Trace" panel among the tabs: ${openTabLabels().join(' | ')}`));
    });

    test('an empty selection explains the function around the cursor (and selects it)', async () => {
      await vscode.commands.executeCommand('codi.setGeminiApiKey', 'e2e-test-key');
      const folder = vscode.workspace.workspaceFolders![0]!;
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, 'src', 'lru.ts'));
      const editor = await vscode.window.showTextDocument(doc);
      const lines = doc.getText().split('\n');
      const start = lines.findIndex((l) => l.includes('get(key: K)'));
      editor.selection = new vscode.Selection(start + 2, 4, start + 2, 4);
      const before = new Set((await listTraces()).map((t) => t.id));
      await vscode.commands.executeCommand('codi.explainSelection');
      const trace = await waitFor('an explain trace for the enclosing method', async () => (await listTraces()).find((t) => !before.has(t.id) && t.type === 'explain'));
      assert.equal(trace.error, null, JSON.stringify(trace.error));
      const sel = vscode.window.activeTextEditor!.selection;
      assert.equal(sel.start.line, start, 'the selection starts at the method');
      assert.ok(sel.end.line > start + 2, `the selection covers the method body (ends at line ${sel.end.line + 1})`);
      assert.equal(trace.name, `Explain src/lru.ts:${start + 1}-${sel.end.line + 1}`);
    });

    test('without a key: no panel, no trace, no model call; the notification offers "Set API Key"', async () => {
      await vscode.commands.executeCommand('codi.clearGeminiApiKey');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      const folder = vscode.workspace.workspaceFolders![0]!;
      const editor = await vscode.window.showTextDocument(vscode.Uri.joinPath(folder.uri, 'src', 'lru.ts'));
      editor.selection = new vscode.Selection(0, 0, 4, 0);
      const before = (await listTraces()).map((t) => t.id);
      // The command waits on its notification: dismissing every notification lets it return.
      let returned: unknown = 'still running';
      const running = Promise.resolve(vscode.commands.executeCommand('codi.explainSelection')).then((r) => (returned = r));
      await waitFor('the command to return once its notification is dismissed', async () => {
        await vscode.commands.executeCommand('notifications.clearAll');
        return returned === 'still running' ? undefined : true;
      });
      assert.equal(await running, undefined);
      assert.deepEqual((await listTraces()).map((t) => t.id), before, 'an input problem must not add a trace');
      assert.ok(!openTabLabels().some((l) => l.startsWith('CODI')), `no result panel should open: ${openTabLabels().join(' | ')}`);
    });

    test('a rejected key: the failure is recorded as a trace with an auth error', async () => {
      await vscode.commands.executeCommand('codi.setGeminiApiKey', 'bad-key');
      const folder = vscode.workspace.workspaceFolders![0]!;
      const editor = await vscode.window.showTextDocument(vscode.Uri.joinPath(folder.uri, 'src', 'lru.ts'));
      editor.selection = new vscode.Selection(0, 0, 4, 0);
      const before = new Set((await listTraces()).map((t) => t.id));
      // Not awaited: the command waits on the error message (with its "Set API Key" action) until dismissed.
      void vscode.commands.executeCommand('codi.explainSelection');
      const failed = await waitFor('an auth trace', async () => (await listTraces()).find((t) => !before.has(t.id)));
      assert.equal(failed.error?.kind, 'auth');
      assert.equal(failed.score, null);
      await vscode.commands.executeCommand('notifications.clearAll');
      await vscode.commands.executeCommand('codi.setGeminiApiKey', 'e2e-test-key');
    });

    test('Filter Traces ("Errors only") narrows the tree through the index; combined with a search that matches nothing it is empty; Clear restores it', async () => {
      type Item = { label: string; description: string };
      const items = () => vscode.commands.executeCommand<Item[]>('codi._test.treeItems');
      const all = await items();
      assert.ok(all.some((i) => i.description.includes('auth')) && all.some((i) => !i.description.includes('auth')), 'needs an error trace and a good one');
      await vscode.commands.executeCommand('codi.filterTraces', { errors: true });
      const errorsOnly = await waitFor('the filtered tree', async () => {
        const now = await items();
        return now.length < all.length ? now : undefined;
      });
      assert.ok(errorsOnly.length > 0 && errorsOnly.every((i) => i.description.includes('auth')), JSON.stringify(errorsOnly));
      await vscode.commands.executeCommand('codi.filterTraces', { errors: true, text: 'no-trace-has-this-word', types: ['explain'] });
      await waitFor('the empty filtered tree', async () => ((await items()).length === 0 ? true : undefined));
      await vscode.commands.executeCommand('codi.clearTracesFilter');
      assert.equal((await items()).length, all.length);
    });

    test('reports its activation time', async () => {
      const stats = await vscode.commands.executeCommand<{ activationMs: number }>('codi._test.stats');
      assert.ok(stats.activationMs > 0 && stats.activationMs < 5000, `activation took ${stats.activationMs} ms`);
      console.log(`[codi] activation ${stats.activationMs.toFixed(1)} ms (activate() body, extension host)`);
    });
  });
}
