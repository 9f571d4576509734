// The host end of the webview protocol: what a panel answers, and what the e2e suite's test hook gets back.
// The webview is the VS Code object the channel talks to; here a plain object records what was posted.
import * as assert from 'node:assert/strict';
import type * as vscode from 'vscode';
import { WebviewChannel } from '../../src/host/panels/webviewChannel';
import type { RequestHandlers } from '../../src/host/panels/webviewChannel';

const TRACE_ID = '0192b6a0-0000-7000-8000-000000000001';

function fakeWebview() {
  const posted: unknown[] = [];
  let receive: (m: unknown) => void = () => undefined;
  const webview = {
    postMessage: async (m: unknown) => (posted.push(m), true),
    onDidReceiveMessage: (fn: (m: unknown) => void) => ((receive = fn), { dispose: () => undefined }),
  } as unknown as vscode.Webview;
  const log = { warn: () => undefined, error: () => undefined } as unknown as vscode.LogOutputChannel;
  /** Delivers a message as the webview would and waits until the channel has answered. */
  const send = async (m: unknown) => {
    const before = posted.length;
    receive(m);
    for (let i = 0; i < 50 && posted.length === before; i++) await new Promise((r) => setImmediate(r));
  };
  return { webview, log, posted, send };
}

describe('WebviewChannel', () => {
  const handlers: Partial<Omit<RequestHandlers, 'ready'>> = {
    removeTag: async ({ tag }) => {
      if (tag.includes(',')) throw new Error(`The tag "${tag}" contains a comma or a control character.`);
      return { tags: ['explain'] };
    },
  };

  it('answers a request, an error as an error, and posts events only after ready', async () => {
    const w = fakeWebview();
    let readyCalls = 0;
    const channel = new WebviewChannel(w.webview, handlers, () => readyCalls++, w.log);
    channel.post('trace/state', { trace: {} as never });
    assert.equal(w.posted.length, 0, 'nothing before ready');
    await w.send({ id: 1, method: 'ready', params: { panel: 'trace' } });
    assert.deepEqual(w.posted, [{ id: 1, result: { ok: true } }]);
    assert.equal(readyCalls, 1);
    await w.send({ id: 2, method: 'removeTag', params: { traceId: TRACE_ID, tag: 'typescript' } });
    await w.send({ id: 3, method: 'removeTag', params: { traceId: TRACE_ID, tag: 'a,b' } });
    await w.send({ id: 4, method: 'editTags', params: { traceId: TRACE_ID } });
    assert.deepEqual(w.posted.slice(1), [
      { id: 2, result: { tags: ['explain'] } },
      { id: 3, error: { message: 'The tag "a,b" contains a comma or a control character.' } },
      { id: 4, error: { message: 'This panel does not support "editTags".' } },
    ]);
  });

  it('handleForTest: the same answers, returned instead of posted; null for a malformed message or ready', async () => {
    const w = fakeWebview();
    const channel = new WebviewChannel(w.webview, handlers, () => undefined, w.log);
    assert.deepEqual(await channel.handleForTest({ id: 5, method: 'removeTag', params: { traceId: TRACE_ID, tag: 'typescript' } }), { id: 5, result: { tags: ['explain'] } });
    assert.deepEqual(await channel.handleForTest({ id: 6, method: 'removeTag', params: { traceId: TRACE_ID, tag: 'a,b' } }), { id: 6, error: { message: 'The tag "a,b" contains a comma or a control character.' } });
    assert.equal(await channel.handleForTest({ id: 7, method: 'removeTag', params: { traceId: TRACE_ID, tag: 7 } }), null);
    assert.equal(await channel.handleForTest({ id: 8, method: 'ready', params: { panel: 'trace' } }), null);
    assert.deepEqual(w.posted, [], 'nothing is posted to the webview');
  });
});
