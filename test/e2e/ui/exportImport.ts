// "CODI: Import Traces…" and "CODI: Export Traces…" as a person uses them, in a real VS Code (code-server)
// driven by headless Chromium: the open and save dialogs (VS Code's own file dialogs in the browser), the
// summary notifications, the Traces view after an import. Screenshots land in test/e2e/screenshots/.
// Run: CODI_VSIX=codi-0.1.0.vsix node --import tsx test/e2e/ui/exportImport.ts
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { makeTrace } from '../../support/fixtures';
import { decodeOtlpJson } from '../../support/otlpStandIn';
import { check, expect, main, quickInput, runCommand, shoot, step } from './harness';

/** Answers VS Code's file dialog (a quick input in the browser) with an absolute path. */
async function answerFileDialog(page: Page, path: string): Promise<void> {
  const input = quickInput(page);
  await check('the file dialog opens', () => input.waitFor({ state: 'visible', timeout: 15_000 }));
  await input.fill(path);
  await page.waitForTimeout(300);
  await page.keyboard.press('Enter');
}

async function toast(page: Page, text: RegExp, what: string): Promise<string> {
  const t = page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
  await check(what, () => t.waitFor({ timeout: 30_000 }));
  const s = (await t.innerText()).replace(/\s+/g, ' ').trim();
  step(`notification: ${s}`);
  return s;
}

main('export-import', async ({ page, shots, workspace }) => {
  const [a, b] = [makeTrace({ startTime: Date.now() - 60_000, name: 'Explain src/lru.ts:12-24' }), makeTrace({ startTime: Date.now() - 30_000, name: 'Explain src/lru.ts:30-41' })];
  const line = (t: ReturnType<typeof makeTrace>) => JSON.stringify({ format: 'codi.trace/1', trace: t, prompts: [] });
  const mixed = join(workspace, 'team-traces.jsonl');
  writeFileSync(mixed, `${line(a)}\n${line(b)}\n{"format":"codi.trace/1","trace":{"id":"not-a-trace"}}\n`);

  await check('run "CODI: Import Traces…"', () => runCommand(page, 'CODI: Import Traces…'));
  await answerFileDialog(page, mixed);
  const summary = await toast(page, /team-traces\.jsonl: \d+ imported/, 'the import summary appears');
  expect(/2 imported, 0 already in the store, 1 bad line not imported \(line 3: trace\.id must be a trace id/.test(summary), `import summary: ${summary}`);
  await shoot(page, shots, 'export-01-import-summary.png');

  const codiTab = page.locator('.activitybar .action-item a[aria-label^="CODI"]').first();
  await codiTab.click();
  const sidebarTitle = page.locator('.part.sidebar .composite.title');
  if (!(await sidebarTitle.innerText().catch(() => '')).toUpperCase().includes('CODI')) await codiTab.click();
  await check('the Traces view lists the imported traces', () => page.locator('.part.sidebar .monaco-list-row', { hasText: 'lru.ts:30-41' }).first().waitFor({ timeout: 20_000 }));
  await shoot(page, shots, 'export-02-traces-view-after-import.png');
  await runCommand(page, 'Notifications: Clear All Notifications');

  const out = join(workspace, 'exported.jsonl');
  await check('run "CODI: Export Traces…"', () => runCommand(page, 'CODI: Export Traces…'));
  const jsonlRow = page.locator('.quick-input-widget .monaco-list-row', { hasText: /^JSONL/ }).first();
  await check('the format picker offers JSONL and OTLP JSON', () => page.locator('.quick-input-widget .monaco-list-row', { hasText: /^OTLP JSON/ }).first().waitFor({ timeout: 10_000 }));
  await shoot(page, shots, 'export-03-format-picker.png');
  await jsonlRow.click();
  await answerFileDialog(page, out);
  await toast(page, /Exported 2 traces to exported\.jsonl/, 'the export notification appears');
  await shoot(page, shots, 'export-04-exported.png');
  expect(existsSync(out) && readFileSync(out, 'utf8').trim().split('\n').length === 2, 'exported.jsonl has one line per trace');
  await runCommand(page, 'Notifications: Clear All Notifications');

  const otlp = join(workspace, 'exported.otlp.jsonl');
  await check('run "CODI: Export Traces…" (OTLP)', () => runCommand(page, 'CODI: Export Traces…'));
  await check('pick OTLP JSON', () => page.locator('.quick-input-widget .monaco-list-row', { hasText: /^OTLP JSON/ }).first().click({ timeout: 10_000 }));
  await answerFileDialog(page, otlp);
  await toast(page, /Exported 2 traces to exported\.otlp\.jsonl/, 'the OTLP export notification appears');
  const spans = readFileSync(otlp, 'utf8').trim().split('\n').flatMap((l) => decodeOtlpJson(l));
  step(`OTLP file: ${spans.length} spans, ${spans.filter((s) => s.parentSpanId === null).length} root spans`);
  expect(spans.filter((s) => s.parentSpanId === null).length === 2, 'one root span per exported trace');
});
