// Helpers shared by the extension-host test files.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TraceSummary } from '../../../src/shared/types';

/** Exposed by the host for tests only: the trace list the Traces view shows, newest first. */
export async function listTraces(): Promise<TraceSummary[]> {
  const traces = await vscode.commands.executeCommand<TraceSummary[] | undefined>('codi._test.listTraces');
  assert.ok(Array.isArray(traces), 'codi._test.listTraces should return an array of trace summaries');
  return traces;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function openTabLabels(): string[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => t.label));
}
