// The trust boundary (issue 11), in its own extension-host session (scripts/e2e.mjs, CODI_E2E_SUITES=trust).
// The workspace's .vscode/settings.json is what a hostile repository would commit: codi.apiBaseUrl and
// codi.opik.* point at two capture servers, Opik export is switched on, retention is set to one trace, and the
// judge's prompt and the price table are replaced. The user settings point codi.apiBaseUrl at the Gemini
// stand-in. scripts/e2e.mjs fails the session when either capture server received any request.
import * as assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ResultViewState } from '../../../src/shared/protocol';
import type { TraceRecord } from '../../../src/shared/types';
import { listTraces, waitFor } from './helpers';

export function registerTrustTests(): void {
  suite('CODI trust boundary: a repository cannot redirect CODI', () => {
    const [endpointCapture = '', opikCapture = ''] = (process.env.CODI_E2E_CAPTURE_URLS ?? '').split(' ');

    suiteSetup(async () => {
      assert.ok(endpointCapture && opikCapture, 'CODI_E2E_CAPTURE_URLS should name the two capture servers');
      await vscode.extensions.getExtension('codi-dev.codi')?.activate();
      await vscode.commands.executeCommand('codi.setGeminiApiKey', 'e2e-test-key');
    });

    test('endpoint, export and history settings from the workspace are not read', () => {
      const c = vscode.workspace.getConfiguration('codi');
      assert.equal(c.get('apiBaseUrl'), process.env.GOOGLE_GEMINI_BASE_URL, 'codi.apiBaseUrl must be the user-level value (the Gemini stand-in)');
      assert.equal(c.get('opik.enabled'), false, 'codi.opik.enabled from the workspace must not turn export on');
      assert.ok(!String(c.get('opik.url')).startsWith(opikCapture), `codi.opik.url must not be the workspace's: ${String(c.get('opik.url'))}`);
      assert.notEqual(c.get('opik.workspace'), 'attacker');
      assert.equal(c.get('otlp.endpoint'), '', 'codi.otlp.endpoint (machine scope) from the workspace must not turn the OTLP push on');
      assert.notEqual(c.get('history.maxTraces'), 1, 'a workspace must not be able to prune the whole history');
    });

    test('explain goes to the user-level endpoint, with the shipped judge prompt and prices; nothing reaches the capture servers', async () => {
      const folder = vscode.workspace.workspaceFolders?.[0];
      assert.ok(folder, 'the sample workspace should be open');
      const editor = await vscode.window.showTextDocument(vscode.Uri.joinPath(folder.uri, 'src', 'lru.ts'));
      editor.selection = new vscode.Selection(0, 0, 12, 0);
      const before = new Set((await listTraces()).map((t) => t.id));
      await vscode.commands.executeCommand('codi.explainSelection');
      const summary = await waitFor('a judged explain trace', async () =>
        (await listTraces()).find((t) => !before.has(t.id) && t.type === 'explain' && (typeof t.score === 'number' || t.error !== null)));
      assert.equal(summary.error, null, `the explain failed (did it go to a capture server?): ${JSON.stringify(summary.error)}`);

      const trace = await vscode.commands.executeCommand<TraceRecord | null>('codi._test.getTrace', summary.id);
      assert.ok(trace, 'the trace should be in the store');
      const judgeCall = trace.spans.find((s) => s.type === 'llm' && s.name.startsWith('judge'));
      assert.ok(judgeCall, `a judge call span: ${trace.spans.map((s) => s.name).join(', ')}`);
      assert.ok(!JSON.stringify(judgeCall.input).includes('WORKSPACE-OVERRIDE'), 'the workspace judge prompt must not apply before the user allowed it');
      assert.ok((trace.costUsd ?? 0) > 0, `the workspace's zero prices must not apply before the user allowed them (cost ${trace.costUsd})`);

      // Opik export stays off: the workspace's codi.opik.enabled did not start it.
      const status = await vscode.commands.executeCommand<unknown>('codi._test.opikStatus', trace.id);
      assert.ok(!JSON.stringify(status ?? null).includes('"sent"'), `no Opik delivery expected: ${JSON.stringify(status)}`);
    });
  });

  suite('CODI redacts secrets before the model call', () => {
    test('a selection with keys: the panel says how many were replaced, the trace keeps only placeholders', async () => {
      const folder = vscode.workspace.workspaceFolders![0]!;
      // Assembled at run time so the repository never holds a secret-shaped value.
      const aws = `AK${'IA'}Q2W3E4R5T6Y7U8I9`;
      const gh = `gh${'p_'}${'aB1cD2eF3'.repeat(4)}`;
      const file = vscode.Uri.joinPath(folder.uri, 'src', 'secrets.env');
      await vscode.workspace.fs.writeFile(file, Buffer.from(`AWS_ACCESS_KEY_ID=${aws}\nGITHUB_TOKEN=${gh}\nDB_PASSWORD=hunter2-Correct\nPORT=8080\n`));
      const editor = await vscode.window.showTextDocument(file);
      editor.selection = new vscode.Selection(0, 0, 4, 0);
      await vscode.commands.executeCommand('codi.explainSelection');
      const state = await waitFor('the result panel to finish', async () => {
        const s = await vscode.commands.executeCommand<ResultViewState | null>('codi._test.resultState');
        return s && s.title.includes('secrets.env') && s.status !== 'running' && s.status !== 'judging' ? s : undefined;
      });
      assert.equal(state.status, 'done', JSON.stringify(state.error));
      assert.equal(state.redactions, 3, 'three secrets replaced, PORT kept');
      const trace = await vscode.commands.executeCommand<TraceRecord | null>('codi._test.getTrace', state.traceId);
      const text = JSON.stringify(trace);
      assert.ok(!text.includes(aws) && !text.includes(gh) && !text.includes('hunter2-Correct'), 'no secret in the stored trace');
      assert.match(text, /\[REDACTED:aws-access-key\]/);
      assert.match(text, /PORT=8080/);
    });
  });

  suite('CODI store faults in VS Code: runs still work and say the trace was not saved', () => {
    let blocker = '';
    suiteTeardown(async () => {
      await vscode.commands.executeCommand('codi._test.storeDir', null);
      if (blocker) rmSync(blocker, { force: true });
    });

    test('a store that cannot be opened (its folder is under a regular file): the answer shows, the panel says why, nothing stays "running"', async () => {
      // A real file-system fault: mkdir under a regular file fails with ENOTDIR.
      blocker = join(tmpdir(), `codi-e2e-not-a-folder-${process.pid}`);
      writeFileSync(blocker, 'not a folder');
      await vscode.commands.executeCommand('codi._test.storeDir', join(blocker, 'traces'));
      const folder = vscode.workspace.workspaceFolders![0]!;
      const editor = await vscode.window.showTextDocument(vscode.Uri.joinPath(folder.uri, 'src', 'lru.ts'));
      editor.selection = new vscode.Selection(0, 0, 8, 0);
      await vscode.commands.executeCommand('codi.explainSelection');
      const state = await waitFor('the result panel to finish', async () => {
        const s = await vscode.commands.executeCommand<ResultViewState | null>('codi._test.resultState');
        return s && s.status !== 'running' && s.status !== 'judging' ? s : undefined;
      });
      assert.equal(state.status, 'done', `status ${state.status}: ${JSON.stringify(state.error)}`);
      assert.ok(state.markdown.length > 0, 'the answer is shown');
      assert.match(state.warning ?? '', /could not be saved \(.*(ENOTDIR|not a directory)/i);
      assert.equal(state.traceId, null, 'no "View trace" for a trace that is not in the store');
      console.log('[codi] store fault (cannot open): 1 run, answer shown, trace not saved, reported');
    });
  });
}
