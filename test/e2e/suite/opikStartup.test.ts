// A second extension-host session (scripts/e2e.mjs, CODI_E2E_SUITES=opik-startup) whose user settings have
// Opik export ON from the start, against the same Opik stand-in: what activation costs with export on, when
// the export worker is up, that the opik SDK still waits for something to send, and the memory it then adds.
// Compare with the export-off figures the main session prints (extension.test.ts, opik.test.ts).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { waitFor } from './helpers';
import { EXTENSION_ID, explain, loadedBundles, memory, OPIK_KEY, opikReceived, statusBar, waitSent, waitStatusBarShown } from './opikHelpers';

export function registerOpikStartupTests(): void {
  suite('CODI with Opik export on at startup', () => {
    test('activation, the export worker, the SDK loaded only for the first delivery', async () => {
      assert.equal(vscode.workspace.getConfiguration('codi.opik').get('enabled'), true, 'this session starts with codi.opik.enabled: true in user settings');
      const extension = vscode.extensions.getExtension(EXTENSION_ID);
      assert.ok(extension);
      const wasActive = extension.isActive;
      const t0 = performance.now();
      await extension.activate();
      const activateCall = performance.now() - t0;
      const stats = (await vscode.commands.executeCommand<{ activationMs: number; activatedAt: number }>('codi._test.stats'))!;
      assert.ok(stats.activationMs > 0 && stats.activationMs < 5000, `activation took ${stats.activationMs} ms`);

      await waitStatusBarShown();
      const workerUp = performance.now() - stats.activatedAt;
      const bundles = await loadedBundles();
      assert.ok(!bundles.includes('lib/opik.js'), `with an empty outbox, export on must not load lib/opik.js at startup (loaded: ${bundles.join(', ') || 'none'})`);
      const memoryIdle = memory();
      console.log(`[codi] export on at startup: activation ${stats.activationMs.toFixed(1)} ms (activate() body)` +
        `${wasActive ? '' : `, extension.activate() from the test ${activateCall.toFixed(1)} ms (loads dist/extension.js)`}; ` +
        `export worker up ${workerUp.toFixed(0)} ms after activate() returned; bundles loaded ${bundles.join(', ') || 'none'}; extension host ${memoryIdle}`);

      // Keys live in the browser's storage, which each session starts without: set them as a person would first.
      await vscode.commands.executeCommand('codi.setGeminiApiKey', 'e2e-opik-startup-key');
      const { restarts } = await statusBar();
      await vscode.commands.executeCommand('codi.setOpikApiKey', OPIK_KEY);
      await waitStatusBarShown(restarts); // the key change restarts export
      const before = Object.keys((await opikReceived()).traces).length;
      const tRun = performance.now();
      const { id } = await explain();
      const tExplained = performance.now();
      const sent = await waitSent(id);
      const tSent = performance.now();
      assert.match(sent.url ?? '', new RegExp(`/projects/[^/]+/traces\\?tab=logs&logsType=traces&trace=${id}$`));
      const got = await waitFor('the stand-in to hold the new trace', async () => {
        const r = await opikReceived();
        return r.traces[id] ? r : undefined;
      }, 5_000);
      assert.equal(Object.keys(got.traces).length, before + 1);
      assert.ok((await loadedBundles()).includes('lib/opik.js'), 'lib/opik.js is loaded by the first delivery');
      console.log(`[codi] export on at startup: Explain ${(tExplained - tRun).toFixed(0)} ms, run finished → trace sent ${(tSent - tExplained).toFixed(0)} ms ` +
        `(includes loading lib/opik.js); extension host before the SDK ${memoryIdle}; after ${memory()}`);
      await vscode.commands.executeCommand('notifications.clearAll');
    });
  });
}
