// What the Opik end-to-end tests share: the stand-in's control URL (CODI_E2E_OPIK_CONTROL, set by
// scripts/e2e.mjs), the host's test-only probes (export state, status bar, loaded bundles) and an Explain run.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { OpikLinkState } from '../../../src/shared/protocol';
import type { OpikStandInSummary } from '../support/opikStandInServer';
import { listTraces, waitFor } from './helpers';

export const EXTENSION_ID = 'codi-dev.codi';
export const WORKSPACE = 'e2e-ws';
export const OPIK_KEY = process.env.CODI_E2E_OPIK_KEY ?? 'e2e-opik-key';

export interface StatusBar {
  text: string;
  tooltip: string;
  visible: boolean;
  /** How often the host (re)started export (settings or key changed). */
  restarts: number;
}

const mb = (n: number): string => `${(n / 1048576).toFixed(1)} MB`;
export const memory = (): string => {
  const m = process.memoryUsage();
  return `rss ${mb(m.rss)}, heapUsed ${mb(m.heapUsed)}, heapTotal ${mb(m.heapTotal)}, external ${mb(m.external)}`;
};

function controlUrl(): string {
  const url = process.env.CODI_E2E_OPIK_CONTROL;
  assert.ok(url, 'CODI_E2E_OPIK_CONTROL is not set: run through scripts/e2e.mjs, which starts the Opik stand-in');
  return url;
}

export async function opikReceived(): Promise<OpikStandInSummary> {
  const res = await fetch(`${controlUrl()}/summary`);
  assert.equal(res.status, 200, 'the Opik stand-in control server should answer /summary');
  return (await res.json()) as OpikStandInSummary;
}

export async function switchOpik(to: 'down' | 'up'): Promise<void> {
  const res = await fetch(`${controlUrl()}/${to}`, { method: 'POST' });
  assert.equal(res.status, 200, `switching the Opik stand-in ${to} failed: ${await res.text()}`);
}

export const opikStatus = async (traceId: string): Promise<OpikLinkState> => (await vscode.commands.executeCommand<OpikLinkState>('codi._test.opikStatus', traceId))!;
export const statusBar = async (): Promise<StatusBar> => (await vscode.commands.executeCommand<StatusBar>('codi._test.opikStatusBar'))!;
export const loadedBundles = async (): Promise<string[]> => (await vscode.commands.executeCommand<string[]>('codi._test.loadedBundles')) ?? [];

/** Selects the get() method of src/lru.ts, runs Explain and waits for the judged trace; returns its id and score. */
export async function explain(): Promise<{ id: string; score: number }> {
  const folder = vscode.workspace.workspaceFolders![0]!;
  const editor = await vscode.window.showTextDocument(vscode.Uri.joinPath(folder.uri, 'src', 'lru.ts'));
  const start = editor.document.getText().split('\n').findIndex((l) => l.includes('get(key: K)'));
  assert.ok(start > 0, 'sample file should contain the get() method');
  editor.selection = new vscode.Selection(start, 0, start + 12, 0);
  const id = await vscode.commands.executeCommand<unknown>('codi.explainSelection');
  assert.equal(typeof id, 'string', `codi.explainSelection should resolve with the trace id, got ${String(id)}`);
  const trace = await waitFor(`judged trace ${String(id)}`, async () => (await listTraces()).find((t) => t.id === id && typeof t.score === 'number'), 20_000);
  assert.equal(trace.error, null, `the explain trace recorded an error: ${JSON.stringify(trace.error)}`);
  return { id: trace.id, score: trace.score! };
}

/** Polls (every 25 ms, so the delivery times printed are close) until the trace's export state is "sent". */
export function waitSent(traceId: string, timeoutMs = 30_000): Promise<OpikLinkState> {
  return waitFor(`trace ${traceId} to reach state "sent"`, async () => {
    const s = await opikStatus(traceId);
    return s.state === 'sent' ? s : undefined;
  }, timeoutMs, 25);
}

/** Polls (every 25 ms) until the Opik status bar item is shown after more than `restartsAfter` (re)starts:
 * the export worker has started with the current settings and key. */
export function waitStatusBarShown(restartsAfter = 0, timeoutMs = 10_000): Promise<StatusBar> {
  return waitFor('the Opik status bar item', async () => {
    const b = await statusBar();
    return b.visible && b.restarts > restartsAfter ? b : undefined;
  }, timeoutMs, 25);
}
