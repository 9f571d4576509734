// Summarize (Chain of Density) and Generate Code inside a real VS Code extension host, against the Gemini
// stand-in's default answers: 5 CoD steps graded 0.58, 0.72, 0.91, 0.80, 0.66 (step 3 recommended), and a
// TypeScript function in one fenced block for a generate prompt.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TraceSummary } from '../../../src/shared/types';
import { listTraces, openTabLabels, waitFor } from './helpers';

const EXTENSION_ID = 'codi-dev.codi';
/** The stand-in grades step 3 highest; a summary trace carries its recommended step's score. */
const RECOMMENDED_SCORE = 0.91;
const COMMENT = 'clamp a value between low and high';
const CLAMP_SOURCE = ['export const DEFAULT_LIMIT = 10;', '', `// ${COMMENT}`, '', 'export const done = true;', ''].join('\n');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Diff tabs showing a CODI proposal (right side served from the `codi-proposed` scheme). */
function proposalTabs(): Array<{ label: string; input: vscode.TabInputTextDiff }> {
  return vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter((t): t is vscode.Tab & { input: vscode.TabInputTextDiff } => t.input instanceof vscode.TabInputTextDiff && t.input.modified.scheme === 'codi-proposed')
    .map((t) => ({ label: t.label, input: t.input }));
}

/** A finished trace by id (the commands resolve with the id of the trace they recorded). */
async function traceById(id: unknown, command: string): Promise<TraceSummary> {
  assert.equal(typeof id, 'string', `${command} should resolve with the id of the trace it recorded, got ${String(id)}`);
  return waitFor(`trace ${String(id)} in the store`, async () => (await listTraces()).find((t) => t.id === id), 10_000);
}

async function assertTab(label: string): Promise<void> {
  await waitFor(`the "${label}" tab`, async () => (openTabLabels().includes(label) ? true : undefined), 10_000).catch(() =>
    assert.fail(`no "${label}" tab; open tabs: ${openTabLabels().join(' | ')}`),
  );
}

/**
 * Runs "CODI: Generate Code" and presses Enter in its input box (prefilled with the comment at the cursor),
 * as a person would; resolves with the command's result (the trace id) once the diff is open.
 */
async function generateFromComment(): Promise<unknown> {
  let settled = false;
  const run = Promise.resolve(vscode.commands.executeCommand<unknown>('codi.generateCode')).finally(() => (settled = true));
  // The input box appears after a round trip to the workbench; accepting when none is open does nothing.
  const deadline = Date.now() + 60_000;
  while (!settled) {
    if (Date.now() > deadline) assert.fail('codi.generateCode did not finish within 60 s of accepting its input box');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    await Promise.race([run, sleep(300)]);
  }
  return run;
}

export function registerPipelineTests(): void {
  suite('CODI pipelines', () => {
    let folder: vscode.WorkspaceFolder;
    let lru: vscode.Uri;

    suiteSetup(async () => {
      await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
      // Earlier tests may have cleared the key or left a failure message waiting.
      await vscode.commands.executeCommand('notifications.clearAll');
      await vscode.commands.executeCommand('codi.setGeminiApiKey', 'e2e-pipelines-key');
      const f = vscode.workspace.workspaceFolders?.[0];
      assert.ok(f, 'the sample workspace should be open');
      folder = f;
      lru = vscode.Uri.joinPath(folder.uri, 'src', 'lru.ts');
    });

    test('summarize a selection: Chain-of-Density trace scored by its recommended step, result panel', async () => {
      const editor = await vscode.window.showTextDocument(lru);
      const start = editor.document.getText().split('\n').findIndex((l) => l.includes('get(key: K)'));
      assert.ok(start > 0, 'sample file should contain the get() method');
      editor.selection = new vscode.Selection(start, 0, start + 12, 0);

      const trace = await traceById(await vscode.commands.executeCommand('codi.summarizeSelection'), 'codi.summarizeSelection');
      assert.equal(trace.type, 'summarize');
      assert.equal(trace.error, null, `the summarize trace recorded an error: ${JSON.stringify(trace.error)}`);
      assert.ok(trace.score !== null, 'the summarize trace should carry the judge score');
      assert.ok(Math.abs(trace.score - RECOMMENDED_SCORE) < 1e-9, `trace score ${trace.score} should be the recommended step's (${RECOMMENDED_SCORE})`);
      assert.ok((trace.totalTokens ?? 0) > 0, 'the summarize trace should record token usage');
      await assertTab(`CODI · Summarize src/lru.ts:${start + 1}-${start + 12}`);
    });

    test('summarize the whole file', async () => {
      const editor = await vscode.window.showTextDocument(lru);
      editor.selection = new vscode.Selection(0, 0, 0, 0);
      const trace = await traceById(await vscode.commands.executeCommand('codi.summarizeFile'), 'codi.summarizeFile');
      assert.equal(trace.type, 'summarize');
      assert.equal(trace.error, null, `the summarize trace recorded an error: ${JSON.stringify(trace.error)}`);
      assert.ok(trace.score !== null && Math.abs(trace.score - RECOMMENDED_SCORE) < 1e-9, `trace score ${trace.score} should be ${RECOMMENDED_SCORE}`);
      await assertTab('CODI · Summarize src/lru.ts');
    });

    suite('generate code from a comment', () => {
      let target: vscode.Uri;
      let doc: vscode.TextDocument;

      suiteSetup(async () => {
        target = vscode.Uri.joinPath(folder.uri, 'src', 'clamp.ts');
        await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(CLAMP_SOURCE));
        doc = await vscode.workspace.openTextDocument(target);
      });

      suiteTeardown(async () => {
        // Leave no unsaved editor behind: revert, then close.
        if (doc.isDirty) {
          await vscode.window.showTextDocument(doc);
          await vscode.commands.executeCommand('workbench.action.files.revert');
        }
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      });

      /** Puts the cursor on the comment line and runs Generate; returns the trace and the open proposal. */
      async function generate(d = doc): Promise<{ trace: TraceSummary; proposal: vscode.TabInputTextDiff; proposed: string }> {
        const name = d.uri.path.split('/').pop()!;
        const editor = await vscode.window.showTextDocument(d);
        const line = d.getText().split('\n').indexOf(`// ${COMMENT}`);
        assert.ok(line >= 0, `${name} should contain the comment`);
        editor.selection = new vscode.Selection(line, 4, line, 4);

        const trace = await traceById(await generateFromComment(), 'codi.generateCode');
        assert.equal(trace.type, 'generate');
        assert.equal(trace.error, null, `the generate trace recorded an error: ${JSON.stringify(trace.error)}`);
        assert.ok(trace.score !== null && trace.score >= 0 && trace.score <= 1, `the generate trace should be judged (score ${trace.score})`);
        await assertTab(`CODI · Generate for src/${name}:${line + 1}`);

        const tabs = proposalTabs();
        assert.equal(tabs.length, 1, `expected one proposal diff, found: ${openTabLabels().join(' | ')}`);
        const [tab] = tabs;
        assert.equal(tab!.label, `${name} ↔ CODI proposal`);
        assert.equal(tab!.input.original.toString(), d.uri.toString(), 'the diff should compare against the file');
        const proposed = (await vscode.workspace.openTextDocument(tab!.input.modified)).getText();
        const head = d.getText().split('\n').slice(0, line + 1).join('\n');
        assert.ok(proposed.startsWith(`${head}\n/** ${COMMENT} */\nexport function `), `the code should go right under the comment; proposed file:\n${proposed}`);
        return { trace, proposal: tab!.input, proposed };
      }

      test('the proposal opens as a diff; Accept applies it to the document (unsaved) and closes the diff', async () => {
        const before = doc.getText();
        const { proposed } = await generate();
        assert.ok(proposed.includes(`/** ${COMMENT} */`), `the prompt should be the comment at the cursor; proposed file:\n${proposed}`);
        assert.match(proposed, /export function clampValue\(value: number, low: number, high: number\): number \{/);
        assert.equal(doc.getText(), before, 'nothing may touch the document before Accept');

        await vscode.commands.executeCommand('codi.acceptProposal');
        assert.equal(doc.getText(), proposed, 'Accept should make the document what the diff proposed');
        assert.ok(doc.isDirty, 'the accepted code is applied unsaved');
        const onDisk = new TextDecoder().decode(await vscode.workspace.fs.readFile(target));
        assert.equal(onDisk, CLAMP_SOURCE, 'Accept must not save the file');
        await waitFor('the proposal diff to close', async () => (proposalTabs().length === 0 ? true : undefined), 5_000).catch(() =>
          assert.fail(`the diff is still open after Accept: ${openTabLabels().join(' | ')}`),
        );
      });

      test('a second proposal, rejected, leaves the document unchanged and closes the diff', async () => {
        const before = doc.getText();
        const { proposal, proposed } = await generate();
        assert.notEqual(proposed, before, 'the second proposal should add code');

        await vscode.commands.executeCommand('codi.rejectProposal');
        assert.equal(doc.getText(), before, 'Reject must leave the document as it was');
        await waitFor('the proposal diff to close', async () => (proposalTabs().length === 0 ? true : undefined), 5_000).catch(() =>
          assert.fail(`the diff is still open after Reject: ${openTabLabels().join(' | ')}`),
        );
        const discarded = (await vscode.workspace.openTextDocument(proposal.modified)).getText();
        assert.equal(discarded, '', 'a rejected proposal is no longer served');
      });

      test('a comment on the last line (no final newline): the code goes on the lines below it', async () => {
        const tail = vscode.Uri.joinPath(folder.uri, 'src', 'tail.ts');
        const source = `export const LIMIT = 10;\n// ${COMMENT}`;
        await vscode.workspace.fs.writeFile(tail, new TextEncoder().encode(source));
        const tailDoc = await vscode.workspace.openTextDocument(tail);
        const { proposed } = await generate(tailDoc);
        assert.ok(proposed.endsWith('}\n'), 'the inserted code ends with a newline');
        await vscode.commands.executeCommand('codi.acceptProposal');
        assert.equal(tailDoc.getText(), proposed);
        assert.equal(tailDoc.lineAt(1).text, `// ${COMMENT}`, 'the comment line must stay as it was');
        await vscode.window.showTextDocument(tailDoc);
        await vscode.commands.executeCommand('workbench.action.files.revert');
      });
    });
  });
}
