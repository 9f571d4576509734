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

/**
 * Answers VS Code's file dialog (in the browser, a quick input) with an absolute path in the workspace.
 * Waited for by state, not time. The dialog is known by its value (a path: the format picker before it has
 * the same title and an empty box) and is ready once it lists the workspace folder (README.md): until then
 * it rewrites its box with the default name and ignores Enter, which is how the export used to land in
 * codi-traces-<date>.jsonl. Then the path in its box, and Enter until it closes.
 */
async function answerFileDialog(page: Page, path: string): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  const input = quickInput(page);
  const valueIs = async (ok: (v: string) => boolean, what: string, ms = 15_000) => check(what, async () => {
    for (const deadline = Date.now() + ms; !ok(await input.inputValue().catch(() => '')); await page.waitForTimeout(100)) {
      if (Date.now() > deadline) throw new Error(`its box holds "${await input.inputValue().catch(() => '?')}"`);
    }
  });
  await valueIs((v) => v.startsWith('/'), 'the file dialog opens (a path in its box)');
  await check('the file dialog lists the workspace folder', () => widget.locator('.monaco-list-row', { hasText: /^README\.md/ }).first().waitFor({ timeout: 15_000 }));
  await input.fill(path);
  await valueIs((v) => v === path, `the file dialog holds ${path}`, 10_000);
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('Enter');
    if (await widget.waitFor({ state: 'hidden', timeout: 5_000 }).then(() => true, () => false)) return;
    const value = await input.inputValue().catch(() => '');
    if (attempt === 3) throw new Error(`UI step failed: the file dialog closes on Enter (still open, holding "${value}")`);
    if (value !== path) await input.fill(path);
    step(`the file dialog was still open after Enter (holding "${value}"); Enter again`);
  }
}

/** Polls the file system (the durable result of an export) until `path` holds `lines` non-empty lines. */
async function fileLines(page: Page, path: string, lines: number, what: string): Promise<string[]> {
  const read = () => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []);
  await check(what, async () => {
    for (const deadline = Date.now() + 30_000; read().length !== lines; await page.waitForTimeout(250)) {
      if (Date.now() > deadline) throw new Error(`${path}: ${existsSync(path) ? `${read().length} line(s)` : 'not written'} after 30 s, ${lines} expected`);
    }
  });
  return read();
}

/**
 * A notification's text: its toast, or (an info toast hides itself after 10 s) the notification center,
 * where it stays until cleared.
 */
async function notification(page: Page, text: RegExp, what: string): Promise<string> {
  const t = page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
  let s = await t.innerText({ timeout: 15_000 }).catch(() => '');
  if (!s) {
    await runCommand(page, 'Notifications: Show Notifications');
    const item = page.locator('.notifications-center .notification-list-item', { hasText: text }).first();
    s = await check(what, () => item.innerText({ timeout: 15_000 }));
    step('(read in the notification center: its toast had already hidden)');
    await runCommand(page, 'Notifications: Hide Notifications');
  }
  s = s.replace(/\s+/g, ' ').trim();
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
  const summary = await notification(page, /team-traces\.jsonl: \d+ imported/, 'the import summary appears');
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
  const exported = await fileLines(page, out, 2, 'exported.jsonl is written, one line per trace');
  expect(exported.every((l) => (JSON.parse(l) as { format?: string }).format === 'codi.trace/1'), 'exported.jsonl holds codi.trace/1 lines');
  await notification(page, /Exported 2 traces to exported\.jsonl/, 'the export notification appears');
  await shoot(page, shots, 'export-04-exported.png');
  await runCommand(page, 'Notifications: Clear All Notifications');

  const otlp = join(workspace, 'exported.otlp.jsonl');
  await check('run "CODI: Export Traces…" (OTLP)', () => runCommand(page, 'CODI: Export Traces…'));
  await check('pick OTLP JSON', () => page.locator('.quick-input-widget .monaco-list-row', { hasText: /^OTLP JSON/ }).first().click({ timeout: 10_000 }));
  await answerFileDialog(page, otlp);
  const otlpLines = await fileLines(page, otlp, 2, 'exported.otlp.jsonl is written, one line per trace');
  await notification(page, /Exported 2 traces to exported\.otlp\.jsonl/, 'the OTLP export notification appears');
  const spans = otlpLines.flatMap((l) => decodeOtlpJson(l));
  step(`OTLP file: ${spans.length} spans, ${spans.filter((s) => s.parentSpanId === null).length} root spans`);
  expect(spans.filter((s) => s.parentSpanId === null).length === 2, 'one root span per exported trace');
});
