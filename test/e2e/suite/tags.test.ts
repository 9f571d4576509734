// Tags in the trace panel (issue 10 §3): the panel's `removeTag` request, sent as its webview sends it,
// goes through codi.editTraceTags; the store, the panel's state and the Traces view's summaries follow.
// Refusals (a malformed message, a tag normalizeTag rejects, a trace not in the store) change nothing.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { HostResponse, TraceViewState } from '../../../src/shared/protocol';
import type { TraceRecord } from '../../../src/shared/types';
import { listTraces, waitFor } from './helpers';

const panelState = () => vscode.commands.executeCommand<TraceViewState | null>('codi._test.tracePanelState');
const panelRequest = (msg: unknown) => vscode.commands.executeCommand<HostResponse | null>('codi._test.tracePanelRequest', msg);
const storedTags = async (id: string) => (await vscode.commands.executeCommand<TraceRecord | null>('codi._test.getTrace', id))?.tags;

/** A finished explain trace without an error: one an earlier suite made, or a new one. */
async function finishedTrace(): Promise<string> {
  const done = (await listTraces()).find((t) => t.type === 'explain' && t.error === null && t.endTime !== null);
  if (done) return done.id;
  await vscode.commands.executeCommand('codi.setGeminiApiKey', 'e2e-test-key');
  const folder = vscode.workspace.workspaceFolders![0]!;
  const editor = await vscode.window.showTextDocument(vscode.Uri.joinPath(folder.uri, 'src', 'lru.ts'));
  editor.selection = new vscode.Selection(0, 0, 8, 0);
  await vscode.commands.executeCommand('codi.explainSelection');
  return (await waitFor('a finished explain trace', async () => (await listTraces()).find((t) => t.type === 'explain' && t.error === null && t.endTime !== null))).id;
}

export function registerTagTests(): void {
  suite('Tags in the trace panel', () => {
    let id: string;
    let tags: string[];

    suiteSetup(async () => {
      id = await finishedTrace();
      const added = await vscode.commands.executeCommand<string[] | undefined>('codi.editTraceTags', id, { add: ['e2e-keep', 'e2e-drop'] });
      assert.ok(added && added.includes('e2e-drop') && added.includes('e2e-keep'), `tags after adding: ${JSON.stringify(added)}`);
      tags = added;
      await vscode.commands.executeCommand('codi.showTrace', id);
      await waitFor('the trace panel showing the tagged trace', async () => {
        const s = await panelState();
        return s?.trace.id === id && s.trace.tags.includes('e2e-drop') ? true : undefined;
      });
    });

    test('× on a chip (the removeTag request): the store, the panel and the Traces view lose the tag, the others stay', async () => {
      const want = tags.filter((t) => t !== 'e2e-drop');
      const answer = await panelRequest({ id: 7, method: 'removeTag', params: { traceId: id, tag: 'e2e-drop' } });
      assert.deepEqual(answer, { id: 7, result: { tags: want } });
      assert.deepEqual(await storedTags(id), want, 'the store keeps the other tags, automatic ones included');
      const shown = await waitFor('the panel without the tag', async () => {
        const s = await panelState();
        return s && !s.trace.tags.includes('e2e-drop') ? s : undefined;
      });
      assert.deepEqual(shown.trace.tags, want);
      assert.ok(!shown.deleted);
      const listed = await waitFor('the Traces view summary without the tag', async () => {
        const t = (await listTraces()).find((x) => x.id === id);
        return t && !t.tags.includes('e2e-drop') ? t : undefined;
      });
      assert.deepEqual(listed.tags, want);
      tags = want;
    });

    test('refused, nothing changes: a malformed message, a tag normalizeTag rejects', async () => {
      assert.equal(await panelRequest({ id: 8, method: 'removeTag', params: { traceId: id, tag: 3 } }), null, 'a numeric tag is not a removeTag message');
      assert.equal(await panelRequest({ id: 9, method: 'removeTag', params: { traceId: id, tag: 'e2e-keep', add: ['x'] } }), null, 'extra keys are refused');
      // codi.editTraceTags shows normalizeTag's message ("contains a comma…"); the panel is told nothing was stored.
      assert.deepEqual(await panelRequest({ id: 10, method: 'removeTag', params: { traceId: id, tag: 'e2e-keep, other' } }), { id: 10, result: { tags: null } });
      assert.deepEqual(await storedTags(id), tags);
      assert.deepEqual((await panelState())?.trace.tags, tags);
    });

    test('a trace that is not in the store: nothing is stored, the panel is told so, its own trace keeps its tags', async () => {
      // codi.editTraceTags shows "This trace is no longer in the store…"; the panel's answer says nothing was stored.
      const gone = '00000000-0000-7000-8000-000000000000';
      assert.deepEqual(await panelRequest({ id: 11, method: 'removeTag', params: { traceId: gone, tag: 'e2e-keep' } }), { id: 11, result: { tags: null } });
      assert.equal(await storedTags(gone), undefined, 'no trace was made up for the unknown id');
      assert.deepEqual(await storedTags(id), tags);
      const s = await panelState();
      assert.equal(s?.trace.id, id);
      assert.ok(!s?.deleted, 'the panel still shows its own trace, not deleted');
    });
  });
}
