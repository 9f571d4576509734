// The panels and the Traces view as a demanding user sees them, in a real VS Code (code-server) with CODI
// from its .vsix: Explain from the editor context menu's CODI submenu; the result and trace panels in the
// four theme kinds (light, dark, high-contrast dark, high-contrast light) and at 900 px; the Traces item
// menu; a filter that matches nothing; both panels back after a window reload, with their trace.
// Screenshots: test/e2e/screenshots/1x-*.png. Run: node --import tsx test/e2e/ui/panels.ts (env: see harness.ts)
import type { Frame, Page } from 'playwright-core';
import { assertGeminiUsed, check, expect, frameWith, main, openFile, quickInput, runCommand, setApiKey, shoot, step, pickTheme, THEME } from './harness';

const THEMES = [THEME.light, THEME.dark, THEME.hcDark, THEME.hcLight];

const resultTab = (page: Page) => page.locator('.tabs-container .tab', { hasText: /^CODI · / }).first();
const traceTab = (page: Page) => page.locator('.tabs-container .tab', { hasText: /^CODI Trace/ }).first();


/** Shows a panel's tab and returns its webview frame once `selector` is visible in it. */
async function showPanel(page: Page, which: 'result' | 'trace', timeoutMs = 20_000): Promise<Frame> {
  await (which === 'result' ? resultTab(page) : traceTab(page)).click();
  return frameWith(page, which === 'result' ? '#quality-badge' : '#waterfall .span-row', timeoutMs);
}

/**
 * Contrast ratio of the trace panel's INPUT / OUTPUT / ATTRIBUTES titles (in the toolkit's shadow DOM)
 * against the page, from the colours the webview computes. A string: this file is type-checked without DOM.
 */
const HEADER_CONTRAST = `(() => {
  const lum = (css) => {
    const [r, g, b] = (css.match(/[\\d.]+/g) || [0, 0, 0]).slice(0, 3).map(Number).map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const bg = getComputedStyle(document.body).backgroundColor;
  const title = document.querySelector('vscode-collapsible')?.shadowRoot?.querySelector('.title') ?? document.querySelector('.section-title');
  const [a, b] = [lum(getComputedStyle(title).color), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
})()`;

/** Alpha of the judge span's bar colour (1 when opaque; -1 when there is no judge bar). */
const BAR_ALPHA = `(() => {
  const bar = document.querySelector('.span-row[data-span-type="judge"] .bar');
  if (!bar) return -1;
  const m = getComputedStyle(bar).backgroundColor.match(/rgba?\\(([^)]*)\\)/);
  const parts = m ? m[1].split(/[ ,/]+/).filter(Boolean) : [];
  return parts.length > 3 ? Number(parts[3]) : 1;
})()`;

/** Duration and cost cells of the waterfall that are missing or cut off at its right edge. */
const CLIPPED_CELLS = `(() => {
  const wf = document.getElementById('waterfall');
  const right = wf.getBoundingClientRect().right;
  const cells = Array.from(wf.querySelectorAll('.span-row .span-duration, .span-row .span-cost'));
  const shown = cells.filter((c) => c.offsetParent !== null);
  return shown.filter((c) => c.getBoundingClientRect().right > right + 1).length + (shown.length ? 0 : 100);
})()`;

main('panels', async ({ page, gemini, shots }) => {
  const getLine = await openFile(page, 'lru.ts', 'get(key: K): V | undefined');
  await setApiKey(page);

  // Point 8: the editor context menu has one CODI submenu.
  await getLine.click();
  await page.keyboard.press('Home');
  for (let i = 0; i < 12; i++) await page.keyboard.press('Shift+ArrowDown');
  await check('the editor has a selection', () => page.locator('.editor-instance .selected-text').first().waitFor({ timeout: 5_000 }));
  await page.keyboard.press('Shift+F10'); // the editor's context menu, as from the keyboard
  const codiEntry = page.locator('.monaco-menu .action-item', { hasText: /^CODI$/ }).first();
  await check('the editor context menu has a "CODI" submenu', () => codiEntry.waitFor({ timeout: 10_000 }));
  const loose = await page.locator('.monaco-menu .action-label', { hasText: /^(Explain Selection|Generate Code|Summarize Selection)$/ }).count();
  expect(loose === 0, `no loose CODI entries at the top level of the context menu (found ${loose})`);
  await codiEntry.hover();
  const explainItem = page.locator('.monaco-menu .action-item', { hasText: /^Explain Selection/ }).first();
  await check('the CODI submenu lists "Explain Selection"', () => explainItem.waitFor({ timeout: 10_000 }));
  await shoot(page, shots, '10-editor-context-submenu.png');
  await explainItem.click();

  await check('a CODI result panel opens', () => resultTab(page).waitFor({ timeout: 30_000 }));
  const result = await check('the result panel shows the judge badge', () => frameWith(page, '#quality-badge', 90_000));
  const title = (await resultTab(page).innerText()).trim();
  expect(/src\/lru\.ts:\d+-\d+/.test(title), `the panel title uses "29-36" line ranges like the trace names: "${title}"`);
  expect(await result.locator('#rerun').isVisible(), 'a finished result offers to run again');
  expect(!(await result.locator('#stop').isVisible()), 'no Stop button once the run is done');
  step(`result panel "${title}": badge "${(await result.locator('#quality-badge').innerText()).trim()}"`);

  await check('click "View trace"', () => result.locator('#view-trace').click({ timeout: 10_000 }));
  await check('the trace panel shows the span tree', () => frameWith(page, '#waterfall .span-row', 30_000));

  // Point 2 and 4: every theme kind, both panels; the section titles must read on the background.
  for (const theme of THEMES) {
    await pickTheme(page, theme);
    await showPanel(page, 'result');
    await shoot(page, shots, `11-result-${theme.kind}.png`);
    const t = await showPanel(page, 'trace');
    await t.locator('#span-detail').scrollIntoViewIfNeeded().catch(() => undefined);
    const ratio = await t.evaluate<number>(HEADER_CONTRAST);
    step(`${theme.name}: INPUT/OUTPUT title contrast ${ratio.toFixed(2)}:1`);
    expect(ratio >= 4.5, `${theme.name}: the trace panel's section titles need 4.5:1 contrast, got ${ratio.toFixed(2)}:1`);
    const judgeAlpha = await t.evaluate<number>(BAR_ALPHA);
    expect(judgeAlpha === 1, `${theme.name}: the judge bar is opaque (alpha ${judgeAlpha})`);
    await t.locator('#waterfall').scrollIntoViewIfNeeded();
    await shoot(page, shots, `12-trace-${theme.kind}.png`);
  }

  // Point 2: at 900 px the waterfall keeps duration, tokens and cost in view.
  await pickTheme(page, THEMES[1]);
  await page.setViewportSize({ width: 900, height: 900 });
  const narrow = await showPanel(page, 'trace');
  const clipped = await narrow.evaluate<number>(CLIPPED_CELLS);
  expect(clipped === 0, `at 900 px every duration and cost cell is visible inside the waterfall (${clipped} clipped or missing)`);
  await shoot(page, shots, '13-trace-900px.png');
  await showPanel(page, 'result');
  await shoot(page, shots, '13-result-900px.png');
  await page.setViewportSize({ width: 1440, height: 900 });

  // Point 9: the Traces view item menu.
  const codiTab = page.locator('.activitybar .action-item a[aria-label^="CODI"]').first();
  await codiTab.click();
  const row = page.locator('.part.sidebar .monaco-list-row', { hasText: /lru\.ts/ }).first();
  await check('the Traces view lists the explain trace', () => row.waitFor({ timeout: 20_000 }));
  const rowText = (await row.innerText()).replace(/\s+/g, ' ').trim();
  expect(/\d\.\d\d · explain · /.test(rowText), `the score comes first in the description: "${rowText}"`);
  await row.click({ button: 'right' });
  for (const label of ['Show Trace', 'Reveal Code', 'Copy Trace ID', 'Delete Trace']) {
    await check(`the item menu offers "${label}"`, () => page.locator('.monaco-menu .action-label', { hasText: label }).first().waitFor({ timeout: 10_000 }));
  }
  await shoot(page, shots, '14-traces-item-menu.png');
  await page.keyboard.press('Escape');

  // Point 3: a filter with no match says so, and is not the first-run welcome.
  await check('run "CODI: Filter Traces"', () => runCommand(page, 'CODI: Filter Traces'));
  await quickInput(page).fill('no-trace-mentions-this');
  await page.keyboard.press('Enter');
  const noMatch = page.locator('.part.sidebar', { hasText: 'no trace matches' }).first();
  await check('the Traces view says no trace matches the filter', () => noMatch.waitFor({ timeout: 15_000 }));
  const sidebar = await page.locator('.part.sidebar').innerText();
  expect(!sidebar.includes('No traces yet'), 'a filter with no match must not show the first-run welcome');
  expect(sidebar.includes('no-trace-mentions-this'), `the active search is spelled out in the view: ${sidebar.replace(/\s+/g, ' ').slice(0, 200)}`);
  expect(await page.locator('.part.sidebar .monaco-list-row', { hasText: 'Clear Filter' }).first().isVisible(), 'the view offers Clear Filter');
  await shoot(page, shots, '15-filter-no-match.png');

  // Point 7: after a window reload both panels come back with their trace (and the filter stays).
  await page.reload();
  await check('the workbench loads again', () => page.locator('.monaco-workbench').waitFor({ timeout: 60_000 }));
  await check('the trace panel is back after the reload', () => traceTab(page).waitFor({ timeout: 30_000 }));
  await check('the result panel is back after the reload', () => resultTab(page).waitFor({ timeout: 30_000 }));
  // The extension host starts again (after the old one released the workspace) and CODI activates for the
  // restored panels (onWebviewPanel): on a loaded machine that took 110 s, so give it time.
  const restored = await check('the restored trace panel shows its trace', () => showPanel(page, 'trace', 240_000));
  await restored.evaluate('document.fonts.ready.then(() => true)');
  await shoot(page, shots, '16-reloaded-trace.png');
  const back = await showPanel(page, 'result', 60_000);
  expect((await back.locator('#title').innerText()).includes('lru.ts'), 'the reloaded result panel shows its run');
  // The webview paints its saved snapshot first; the host's restored state follows (this window has no run to repeat).
  await check('the restored result panel gets its state from the host', () => back.locator('#rerun').waitFor({ state: 'hidden', timeout: 60_000 }));
  await back.evaluate('document.fonts.ready.then(() => true)');
  await shoot(page, shots, '16-reloaded-result.png');
  const still = await page.locator('.part.sidebar').innerText().catch(() => '');
  step(`after the reload the sidebar says: ${still.replace(/\s+/g, ' ').slice(0, 160)}`);
  expect(still.includes('no-trace-mentions-this'), 'the search survives the reload');
  await runCommand(page, 'CODI: Clear Traces Filter');

  // Point 5: panels follow the store. Delete the trace from the Traces view; both panels say it is gone.
  const item = page.locator('.part.sidebar .monaco-list-row', { hasText: /lru\.ts/ }).first();
  await check('the trace is listed again once the filter is cleared', () => item.waitFor({ timeout: 30_000 }));
  await item.click({ button: 'right' });
  await page.locator('.monaco-menu .action-item', { hasText: /^Delete Trace/ }).first().click();
  const confirm = page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Delete Trace' }).first();
  await check('Delete Trace asks first', () => confirm.waitFor({ timeout: 30_000 }));
  await confirm.click();
  const gone = await showPanel(page, 'result');
  await check('the result panel says its trace was deleted', () => gone.locator('#deleted').waitFor({ timeout: 15_000 }));
  expect(!(await gone.locator('#rating').isVisible().catch(() => false)), 'no rating for a deleted trace');
  await showPanel(page, 'trace');
  const goneTrace = await check('the trace panel marks the trace as deleted', () => frameWith(page, '#trace-deleted', 15_000));
  expect(await goneTrace.locator('#deleted').isVisible(), 'the trace panel says the trace was deleted');
  expect(!(await goneTrace.locator('#rating').isVisible().catch(() => false)), 'no rating for a deleted trace');
  await shoot(page, shots, '17-deleted-trace.png');

  assertGeminiUsed(gemini);
});
