// Status and first run as a new user meets them, in a real VS Code (code-server) with CODI from its .vsix:
// the CODI status bar item on a warning background while no key is set; the "Get Started with CODI"
// walkthrough; "CODI: Show Status" listing every check, Enter on the key line running its fix (the key typed
// into the input box); the walkthrough's first step then checked by itself, the status list clean (the
// Gemini stand-in answered models.get with that key) and the status bar item back to normal. The walkthrough
// and the status list in light, dark and high-contrast themes.
// Screenshots: test/e2e/screenshots/2x-*.png. Run: node --import tsx test/e2e/ui/status.ts (env: see harness.ts)
import type { Page } from 'playwright-core';
import { API_KEY, check, expect, main, quickInput, runCommand, shoot, step, pickTheme, THEME } from './harness';

const THEMES = [THEME.dark, THEME.hcDark, THEME.hcLight];

const step1 = (page: Page) => page.locator('button.getting-started-step[data-step-id$="setKey"]').first();
const rows = (page: Page) => page.locator('.quick-input-widget .monaco-list-row');


/** "Welcome: Open Walkthrough..." → "Get Started with CODI"; waits for the steps. */
async function openWalkthrough(page: Page): Promise<void> {
  await check('run "Welcome: Open Walkthrough..."', () => runCommand(page, 'Welcome: Open Walkthrough...'));
  const wt = rows(page).filter({ hasText: 'Get Started with CODI' }).first();
  await check('the walkthrough picker lists "Get Started with CODI"', () => wt.waitFor({ timeout: 15_000 }));
  await wt.click();
  await check('the walkthrough shows its first step', () => step1(page).waitFor({ timeout: 20_000 }));
}

/** Selects a step and waits for its media (markdown or SVG) to be shown on the right. */
async function selectStep(page: Page, title: string): Promise<void> {
  await page.locator('button.getting-started-step', { hasText: title }).first().click();
  await check(`the media of "${title}" is shown`, () => page.locator('.getting-started-media').first().waitFor({ state: 'visible', timeout: 15_000 }));
  await page.waitForTimeout(1500); // the media's webview paints after it becomes visible
  await page.mouse.move(5, 5); // no hover tooltip in the screenshot
}

/** "CODI: Show Status", waits until the checks are done (the placeholder says how many problems); returns the rows' text. */
async function showStatus(page: Page, done: RegExp): Promise<string[]> {
  await check('run "CODI: Show Status"', () => runCommand(page, 'CODI: Show Status'));
  await check('the status list fills in', () => rows(page).filter({ hasText: 'Gemini API key' }).first().waitFor({ timeout: 30_000 }));
  await check(`the checks finish (${done})`, async () => {
    for (let i = 0; i < 60; i++) {
      if (done.test((await quickInput(page).getAttribute('placeholder')) ?? '')) return;
      await page.waitForTimeout(500);
    }
    throw new Error(`placeholder is "${await quickInput(page).getAttribute('placeholder')}"`);
  });
  await page.mouse.move(5, 5); // no hover tooltip in the screenshot
  return (await rows(page).allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
}

main('status', async ({ page, gemini, shots }) => {
  // 1. No key yet: the status bar item asks for attention.
  const attention = page.getByRole('button', { name: /CODI needs attention/ }).first();
  await check('the CODI status bar item needs attention (no key)', () => attention.waitFor({ timeout: 30_000 }));
  const bg = String(await page.evaluate(`(() => {
    const a = [...document.querySelectorAll('.part.statusbar [aria-label]')].find((e) => /CODI needs attention/.test(e.getAttribute('aria-label')));
    const item = a && (a.closest('.statusbar-item') || a);
    return item ? getComputedStyle(item).backgroundColor + (item.classList.contains('warning-kind') ? ' (warning-kind)' : '') : 'none';
  })()`));
  step(`status bar item: "${(await attention.innerText()).trim()}", background ${bg}`);
  expect(!/rgba\(0, 0, 0, 0\)|transparent/.test(bg), `the status bar item has no warning background (${bg})`);

  // 2. The walkthrough, from the palette.
  await openWalkthrough(page);
  for (const title of ['Set your Gemini API key', 'Explain a selection', 'Read the trace', 'Open the dashboard', 'Connect Opik (optional)']) {
    await check(`the walkthrough lists "${title}"`, () => page.locator('button.getting-started-step', { hasText: title }).first().waitFor({ timeout: 10_000 }));
  }
  expect((await step1(page).getAttribute('aria-checked')) === 'false', 'the key step is not done yet');
  await selectStep(page, 'Set your Gemini API key');
  // The markdown media is rendered in a webview by the built-in Markdown extension, which may start late: wait for it.
  let rendered = false;
  for (let i = 0; i < 40 && !rendered; i++) {
    for (const f of page.frames()) if (await f.getByText('Your Gemini API key').count().catch(() => 0)) rendered = true;
    if (!rendered) await page.waitForTimeout(500);
  }
  step(`the key step's markdown media ${rendered ? 'is rendered' : 'did not render within 20 s'}`);
  await shoot(page, shots, '21-walkthrough-light.png');

  // 3. Show Status: the key line is the problem; Enter runs its fix (Set Gemini API Key).
  const before = await showStatus(page, /problem/);
  step(`status list: ${before.join(' | ')}`);
  expect(before.length >= 7, `the status list has every check (got ${before.length} rows)`);
  expect(/Gemini API key.*No Gemini API key is set/.test(before[0] ?? ''), `the first line is the missing key: ${before[0]}`);
  await shoot(page, shots, '22-status-no-key-light.png');
  await page.keyboard.press('Enter');
  const keyInput = page.locator('.quick-input-widget .quick-input-box input[type="password"]');
  await check('Enter on the key line opens the API key box (its fix)', () => keyInput.waitFor({ state: 'visible', timeout: 15_000 }));
  await page.keyboard.type(API_KEY);
  await page.keyboard.press('Enter');
  await check('the API key box closes', () => page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 }));
  await runCommand(page, 'Notifications: Clear All Notifications');

  // 4. The walkthrough's key step completes by itself; Show Status is clean; the status bar calms down.
  await check('the walkthrough checks "Set your Gemini API key" by itself', () =>
    page.locator('button.getting-started-step[data-step-id$="setKey"][aria-checked="true"]').first().waitFor({ timeout: 20_000 }));
  const after = await showStatus(page, /No problems found/);
  step(`status list with the key: ${after.join(' | ')}`);
  expect(after.some((r) => /Gemini API key.*accepted by http:\/\/127\.0\.0\.1/.test(r)), 'the key line says the stand-in accepted the key');
  expect(after.some((r) => /Models.*gemini-2\.5-flash.*available/.test(r)), 'the models line lists the model');
  await shoot(page, shots, '23-status-ok-light.png');
  await page.keyboard.press('Escape');
  await check('the status bar item no longer needs attention', () => page.getByRole('button', { name: /CODI: no problems found/ }).first().waitFor({ timeout: 20_000 }));
  const probes = gemini.requests.filter((r) => r.action === 'get');
  step(`Gemini stand-in: ${probes.length} models.get, keys ${[...new Set(probes.map((r) => r.apiKey))].join(', ')}; ${gemini.requests.length - probes.length} other request(s)`);
  expect(probes.length > 0 && probes.every((r) => r.apiKey === API_KEY), 'models.get reached the stand-in with the typed key');
  expect(gemini.requests.every((r) => r.action === 'get'), 'Show Status made no paid call (only models.get)');

  // 5. The same in the other theme kinds.
  for (const theme of THEMES) {
    await pickTheme(page, theme);
    await openWalkthrough(page);
    await selectStep(page, 'Explain a selection');
    await shoot(page, shots, `21-walkthrough-${theme.kind}.png`);
    await showStatus(page, /No problems found/);
    await shoot(page, shots, `23-status-ok-${theme.kind}.png`);
    await page.keyboard.press('Escape');
  }
});
