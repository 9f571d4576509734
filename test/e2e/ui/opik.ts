// Opik export as a person turns it on, in a real VS Code (code-server) with CODI from its .vsix, against a
// local Opik stand-in (test/support/opikStandIn.ts) that user settings point codi.opik.url at (export off):
// "CODI: Set Opik API Key" typed into the password box, "CODI: Enable Opik Export" from the palette, the
// status bar item, "CODI: Explain Selection" → "Open in Opik" in the result panel once Opik acknowledged the
// trace, thumbs up in the result panel and 4 stars in the trace panel → user_rating feedback scores in Opik,
// and "Open in Opik" clicked → the trace's page in Opik opens (a new browser tab, or VS Code's
// "open the external website?" dialog); then "CODI: Run Experiment" on a two-case dataset → the Experiments
// panel's "Open in Opik" once Opik has the dataset, its items, the experiment and its items. Run: node --import tsx test/e2e/ui/opik.ts (env: see harness.ts)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import type { Stored } from '../../support/opikStandIn';
import { OpikStandIn } from '../../support/opikStandIn';
import type { UiSession } from './harness';
import { assertGeminiUsed, check, expect, frameWith, main, openFile, runCommand, setApiKey, shoot, step } from './harness';

const OPIK_KEY = 'ui-opik-key';
const WORKSPACE = 'e2e-ws';

async function waitUntil<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`UI step failed: ${what} (waited ${timeoutMs} ms)`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const statusItem = (page: Page) => page.locator('.part.statusbar .statusbar-item', { hasText: 'Opik' }).first();

async function enableExport(page: Page): Promise<void> {
  await setApiKey(page, 'CODI: Set Opik API Key', OPIK_KEY);
  await check('run "CODI: Enable Opik Export"', () => runCommand(page, 'CODI: Enable Opik Export'));
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'Opik export enabled' }).first();
  step(`enabled: ${(await check('the "Opik export enabled" notification', () => toast.innerText({ timeout: 10_000 }))).replace(/\s+/g, ' ').trim()}`);
  await check('the status bar shows the Opik item', () => statusItem(page).waitFor({ state: 'visible', timeout: 15_000 }));
  step(`status bar: "${(await statusItem(page).innerText()).trim()}" (${await statusItem(page).getAttribute('aria-label')})`);
  await runCommand(page, 'Notifications: Clear All Notifications');
}

async function explain(page: Page): Promise<void> {
  const getLine = page.locator('.editor-instance .view-line', { hasText: 'get(key: K): V | undefined' }).first();
  await getLine.click();
  await page.keyboard.press('Home');
  for (let i = 0; i < 12; i++) await page.keyboard.press('Shift+ArrowDown');
  await check('the editor has a selection', () => page.locator('.editor-instance .selected-text').first().waitFor({ timeout: 5_000 }));
  await check('run "CODI: Explain Selection"', () => runCommand(page, 'CODI: Explain Selection'));
  await check('a CODI result panel opens', () => page.locator('.tabs-container .tab', { hasText: 'CODI' }).first().waitFor({ timeout: 30_000 }));
}

/** The rating Opik holds for the trace, once it has `value`. */
function userRating(opik: OpikStandIn, traceId: string, value: number): Promise<Stored> {
  return waitUntil(`Opik receives user_rating ${value} for the trace`, () => {
    const s = opik.traceScores.get(`${traceId}|user_rating`);
    return s && s.value === value ? s : undefined;
  }, 20_000);
}

/** Clicks "Open in Opik"; resolves with the URL VS Code opened (new tab) or offered (external-website dialog). */
async function openInOpik(s: UiSession, result: Frame): Promise<string> {
  const popup = s.context.waitForEvent('page', { timeout: 20_000 }).catch(() => null);
  await check('click "Open in Opik"', () => result.locator('#open-in-opik').click({ timeout: 10_000 }));
  const dialog = s.page.locator('.monaco-dialog-box').first();
  const first = await Promise.race([popup.then((p) => (p ? { page: p } : null)), dialog.waitFor({ timeout: 20_000 }).then(() => ({ dialog: true }), () => null)]);
  expect(first !== null, '"Open in Opik" neither opened a page nor asked to open the external website');
  if (first && 'dialog' in first) {
    const text = (await dialog.innerText()).replace(/\s+/g, ' ').trim();
    step(`dialog: "${text}"`);
    await shoot(s.page, s.shots, '11-open-in-opik-dialog.png');
    await dialog.locator('.monaco-button', { hasText: /^Open$/ }).first().click();
    const page = await popup;
    return page ? page.url() : (/(https?:\/\/\S+)/.exec(text)?.[1] ?? text);
  }
  const page = first!.page;
  await page.waitForLoadState('domcontentloaded').catch(() => undefined);
  const url = page.url();
  await page.close();
  return url;
}

/** An experiment run with export on: the Experiments panel links to the experiment in Opik once it was sent. */
async function experiment(s: UiSession, opik: OpikStandIn): Promise<void> {
  const { page, shots } = s;
  const cases = [
    { id: 'add', pipeline: 'explain', code: 'export const add = (a: number, b: number) => a + b;', language: 'typescript' },
    { id: 'twice', pipeline: 'explain', code: 'export function twice(x: number) { return x * 2; }', language: 'typescript' },
  ];
  mkdirSync(join(s.workspace, 'datasets'), { recursive: true });
  writeFileSync(join(s.workspace, 'datasets', 'opik-ui.jsonl'), cases.map((c) => JSON.stringify(c)).join('\n'));
  await check('run "CODI: Run Experiment"', () => runCommand(page, 'CODI: Run Experiment'));
  await check('the dataset QuickPick opens', () => page.locator('.quick-input-widget .quick-input-box input[placeholder^="Dataset to run"]').waitFor({ timeout: 20_000 }));
  await page.keyboard.type('opik-ui');
  await check('the dataset QuickPick offers datasets/opik-ui.jsonl', () => page.locator('.quick-input-widget .monaco-list-row.focused', { hasText: 'opik-ui.jsonl' }).first().waitFor({ timeout: 20_000 }));
  await page.keyboard.press('Enter');
  const panel = await check('the Experiments panel shows "Open in Opik" (Opik acknowledged the experiment)', () => frameWith(page, '#experiment-header #open-in-opik', 90_000));
  const x = [...opik.experiments.experiments.values()][0];
  const ds = opik.experiments.datasets.get('opik-ui');
  expect(!!x && !!ds, 'Opik should hold the experiment and its dataset "opik-ui"');
  expect(opik.experiments.experimentItems.size === 2, `Opik should hold 2 experiment items, holds ${opik.experiments.experimentItems.size}`);
  const expected = `${opik.url.replace(/\/api$/, '')}/${WORKSPACE}/experiments/${String(ds!.id)}/compare?experiments=${encodeURIComponent(JSON.stringify([x!.id]))}`;
  const title = (await panel.locator('#open-in-opik').getAttribute('title')) ?? '';
  expect(title.includes(expected), `the panel's button should link to ${expected}; its title is "${title}"`);
  step(`Experiments panel: "Open in Opik" → ${expected}`);
  await shoot(page, shots, '10c-experiment-open-in-opik.png');
  const opened = await openInOpik(s, panel);
  step(`the experiment's "Open in Opik" opened ${opened}`);
  expect(opened.includes(`/${WORKSPACE}/experiments/${String(ds!.id)}/compare`), `the opened URL should be the experiment's page in Opik, got ${opened}`);
}

async function session(s: UiSession, opik: OpikStandIn): Promise<void> {
  const { page, shots } = s;
  await openFile(page, 'lru.ts', 'get(key: K): V | undefined');
  await setApiKey(page);
  expect(opik.requests.length === 0, 'nothing may reach Opik before export is turned on');
  await enableExport(page);

  await explain(page);
  const result = await check('"Open in Opik" appears in the result panel (Opik acknowledged the trace)', () => frameWith(page, '#open-in-opik', 90_000));
  const [traceId] = [...opik.traces.keys()];
  expect(opik.traces.size === 1 && !!traceId, `Opik should hold the one explain trace, holds ${opik.traces.size}`);
  const project = opik.projects.get('CODI');
  expect(!!project, 'Opik should have the CODI project');
  const expected = `${opik.url.replace(/\/api$/, '')}/${WORKSPACE}/projects/${project!.id}/traces?tab=logs&logsType=traces&trace=${traceId}`;
  const title = (await result.locator('#open-in-opik').getAttribute('title')) ?? '';
  expect(title.includes(expected), `the button should link to ${expected}; its title is "${title}"`);
  const spans = [...opik.spans.values()].filter((x) => x.trace_id === traceId).length;
  step(`Opik has trace ${traceId} with ${spans} spans and ${[...opik.traceScores.keys()].filter((k) => k.startsWith(traceId!)).length} feedback scores; link ${expected}`);
  const bar = (await statusItem(page).innerText()).trim();
  expect(bar.includes('Opik'), `the status bar item should say Opik, says "${bar}"`);
  step(`status bar after delivery: "${bar}"`);
  await shoot(page, shots, '09-opik-link.png');

  await check('thumbs up in the result panel', () => result.locator('#rate-up').click({ timeout: 10_000 }));
  const up = await userRating(opik, traceId!, 1);
  step(`thumbs up → Opik user_rating ${String(up.value)} (source ${String(up.source)})`);

  await check('click "View trace" in the result panel', () => result.locator('#view-trace').click({ timeout: 10_000 }));
  const trace = await check('the trace panel shows the stars', () => frameWith(page, '.star[data-value="4"]', 30_000));
  await check('the trace panel shows "Open in Opik"', () => trace.locator('#open-in-opik').waitFor({ state: 'visible', timeout: 10_000 }));
  await check('click the 4th star', () => trace.locator('.star[data-value="4"]').click({ timeout: 10_000 }));
  const stars = await userRating(opik, traceId!, 0.75);
  const checked = await trace.locator('.star[aria-checked="true"]').getAttribute('data-value').catch(() => null);
  step(`4 stars → Opik user_rating ${String(stars.value)} (reason ${String(stars.reason)}); checked star ${checked}`);
  expect(opik.writes.traces.get(traceId!) === 1, 'ratings update feedback scores only; the trace is written once');
  await shoot(page, shots, '10-trace-opik-rating.png');

  const opened = await openInOpik(s, trace);
  step(`"Open in Opik" opened ${opened}`);
  expect(opened.includes(`trace=${traceId}`) && opened.includes(`/${WORKSPACE}/projects/${project!.id}/traces`), `the opened URL should be the trace's page in Opik, got ${opened}`);

  await experiment(s, opik);

  assertGeminiUsed(s.gemini);
  const statuses = opik.requests.filter((r) => r.path.startsWith('/api/')).map((r) => `${r.method} ${r.path.replace('/api/v1/private', '')} ${r.status}`);
  step(`Opik stand-in API requests: ${statuses.join(', ')}`);
  expect(opik.duplicates().traces.length === 0 && opik.duplicates().spans.length === 0, 'no trace or span written twice');
}

void OpikStandIn.start({ apiKey: OPIK_KEY, workspace: WORKSPACE }).then((opik) =>
  main('opik', (s) => session(s, opik), { userSettings: { 'codi.opik.url': opik.url, 'codi.opik.workspace': WORKSPACE } }),
);
