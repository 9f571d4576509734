// Export / import of traces and the live OTLP push inside a real VS Code extension host, against the Gemini
// stand-in and an OTLP receiver stand-in started in this process (test/support/otlpStandIn.ts).
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { otlpTraceId } from '../../../src/core/export/otlp';
import type { ImportResult } from '../../../src/core/export/jsonl';
import { decodeOtlpJson, OtlpStandIn } from '../../support/otlpStandIn';
import { waitFor } from './helpers';

interface PushState {
  endpoint: string | null;
  pending: number;
  lastError: string | null;
}

async function explain(): Promise<string> {
  const folder = vscode.workspace.workspaceFolders![0]!;
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, 'src', 'lru.ts'));
  const editor = await vscode.window.showTextDocument(doc);
  const start = doc.getText().split('\n').findIndex((l) => l.includes('get(key: K)'));
  editor.selection = new vscode.Selection(start, 0, start + 12, 0);
  const id = await vscode.commands.executeCommand<unknown>('codi.explainSelection');
  assert.equal(typeof id, 'string', `explain should resolve with its trace id, got ${String(id)}`);
  return id as string;
}

const setEndpoint = (v: string | undefined) => vscode.workspace.getConfiguration('codi.otlp').update('endpoint', v, vscode.ConfigurationTarget.Global);
const sync = () => vscode.commands.executeCommand<PushState | null>('codi._test.otlpSync');

export function registerExportTests(): void {
  suite('CODI export, import and OTLP push', () => {
    let receiver: OtlpStandIn;
    let dir: string;

    suiteSetup(async () => {
      await vscode.commands.executeCommand('codi.setGeminiApiKey', 'e2e-test-key');
      receiver = await new OtlpStandIn().start();
      dir = mkdtempSync(join(tmpdir(), 'codi-e2e-export-'));
    });
    suiteTeardown(async () => {
      await setEndpoint(undefined);
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('codi.otlp.endpoint: a finished trace reaches the receiver with GenAI spans', async () => {
      await setEndpoint(receiver.url);
      await waitFor('the OTLP push to start', async () => ((await sync())?.endpoint ? true : undefined));
      const id = await explain();
      const spans = await waitFor('the trace at the OTLP receiver', async () => {
        const s = receiver.trace(otlpTraceId(id));
        return s.length >= 2 ? s : undefined;
      });
      const root = spans.find((s) => s.parentSpanId === null)!;
      assert.equal(root.attributes['codi.trace.id'], id);
      assert.equal(root.resource['codi.client'], 'vscode');
      const llm = spans.find((s) => s.attributes['gen_ai.operation.name'] === 'generate_content');
      assert.ok(llm, `a generate_content span among ${spans.map((s) => s.name).join(', ')}`);
      assert.equal(llm.attributes['gen_ai.provider.name'], 'gcp.gemini');
      assert.equal(typeof llm.attributes['gen_ai.usage.input_tokens'], 'number');
    });

    test('receiver down: the trace waits in the outbox with a clear reason, and is delivered once when it is back', async () => {
      await receiver.down();
      const id = await explain();
      const down = await waitFor('the push to report the receiver down', async () => {
        const s = await sync();
        return s?.lastError ? s : undefined;
      });
      assert.match(down.lastError!, /OTLP receiver at http:\/\/127\.0\.0\.1:\d+\/v1\/traces is unreachable/);
      assert.ok(down.pending >= 1);
      assert.equal(receiver.trace(otlpTraceId(id)).length, 0);
      await receiver.up();
      const back = await sync();
      assert.deepEqual(back && { pending: back.pending, lastError: back.lastError }, { pending: 0, lastError: null });
      const spans = receiver.trace(otlpTraceId(id));
      assert.ok(spans.length >= 2);
      assert.equal(new Set(spans.map((s) => s.spanId)).size, spans.length, 'delivered once');
      await setEndpoint(undefined);
    });

    test('Export Traces… (JSONL, OTLP) and Import Traces…: files decode; a re-import skips every trace', async () => {
      await vscode.commands.executeCommand('codi.clearTracesFilter');
      const jsonl = join(dir, 'all.jsonl');
      const n = await vscode.commands.executeCommand<number>('codi.exportTraces', { format: 'jsonl', path: jsonl });
      assert.ok(n >= 2, `exported ${n}`);
      const lines = readFileSync(jsonl, 'utf8').trim().split('\n');
      assert.equal(lines.length, n);
      assert.ok(lines.every((l) => (JSON.parse(l) as { format: string }).format === 'codi.trace/1'));

      const otlp = join(dir, 'all.otlp.jsonl');
      assert.equal(await vscode.commands.executeCommand<number>('codi.exportTraces', { format: 'otlp', path: otlp }), n);
      const spans = readFileSync(otlp, 'utf8').trim().split('\n').flatMap((l) => decodeOtlpJson(l));
      assert.equal(spans.filter((s) => s.parentSpanId === null).length, n, 'one root span per trace');

      const r = await vscode.commands.executeCommand<ImportResult>('codi.importTraces', { path: jsonl });
      assert.deepEqual(r, { imported: 0, skipped: n, bad: [] });
    });

    test('the push follows the store when it closes and opens again (another folder, then back): traces finished after each reopen reach the receiver once', async () => {
      await setEndpoint(receiver.url);
      await waitFor('the OTLP push to start', async () => ((await sync())?.endpoint ? true : undefined));
      const elsewhere = join(dir, 'other-store');
      try {
        await vscode.commands.executeCommand('codi._test.storeDir', elsewhere);
        const there = await explain();
        const a = await waitFor('the trace saved in the other store at the receiver', async () => ((await sync(), receiver.trace(otlpTraceId(there))).length >= 2 ? receiver.trace(otlpTraceId(there)) : undefined));
        assert.equal(new Set(a.map((x) => x.spanId)).size, a.length, 'delivered once');
      } finally {
        await vscode.commands.executeCommand('codi._test.storeDir', null);
      }
      const back = await explain();
      const b = await waitFor('the trace saved back in the first store at the receiver', async () => ((await sync(), receiver.trace(otlpTraceId(back))).length >= 2 ? receiver.trace(otlpTraceId(back)) : undefined));
      assert.equal(new Set(b.map((x) => x.spanId)).size, b.length, 'delivered once');
      const state = await sync();
      assert.deepEqual(state && { pending: state.pending, lastError: state.lastError }, { pending: 0, lastError: null });
      await setEndpoint(undefined);
    });
  });
}
