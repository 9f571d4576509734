// Review and annotation as a reviewer does it, in a real VS Code (code-server) with CODI from its .vsix:
// explain a selection, "Mark for Review" from the Traces item menu, the Review view lists it with a count
// badge on CODI's activity bar item (screenshots in light, dark and high-contrast dark), open it from the
// Review view, pick a label and write a note in the trace panel's Review section, "Mark Reviewed": the
// queue empties, the badge goes, the trace keeps its note and labels (shown in the Traces view's tooltip);
// × on a tag chip in the trace panel removes the tag (the tag row in light, dark and high-contrast dark);
// "Edit Tags…" opens the tag picker and a typed tag shows as a chip.
// Screenshots: test/e2e/screenshots/2x-review-*.png. Run: node --import tsx test/e2e/ui/review.ts (env: see harness.ts)
import type { Page } from 'playwright-core';
import { assertGeminiUsed, check, expect, frameWith, main, openFile, runCommand, setApiKey, shoot, step, pickTheme, THEME } from './harness';

const THEMES = [THEME.light, THEME.dark, THEME.hcDark];


const codiTab = (page: Page) => page.locator('.activitybar .action-item', { has: page.locator('a[aria-label^="CODI"]') }).first();
/** The Review view's pane (its header says "Review"). */
const reviewPane = (page: Page) => page.locator('.part.sidebar .pane', { has: page.locator('.pane-header', { hasText: /^\s*Review/ }) }).first();
/** The number on CODI's activity bar item ('' when there is none). */
const badge = async (page: Page): Promise<string> => ((await codiTab(page).locator('.badge .badge-content').first().innerText({ timeout: 2_000 }).catch(() => '')) || '').trim();

async function waitForBadge(page: Page, want: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await badge(page)) !== want) {
    if (Date.now() > deadline) throw new Error(`UI step failed: CODI's activity bar badge should read "${want}", reads "${await badge(page)}"`);
    await page.waitForTimeout(250);
  }
}

main('review', async ({ page, shots, gemini }) => {
  const line = await openFile(page, 'lru.ts', 'get(key: K): V | undefined');
  await setApiKey(page);
  await line.click();
  await page.keyboard.press('Home');
  for (let i = 0; i < 8; i++) await page.keyboard.press('Shift+ArrowDown');
  await check('run "CODI: Explain Selection"', () => runCommand(page, 'CODI: Explain Selection'));
  await check('the result panel shows the judged answer', () => frameWith(page, '#rate-up', 90_000));

  await codiTab(page).locator('a').click();
  const row = page.locator('.part.sidebar .monaco-list-row', { hasText: /lru\.ts/ }).first();
  await check('the Traces view lists the explain trace', () => row.waitFor({ timeout: 20_000 }));
  expect((await badge(page)) === '', 'no badge while nothing waits for review');
  await row.click({ button: 'right' });
  const markItem = page.locator('.monaco-menu .action-item', { hasText: /^Mark for Review/ }).first();
  await check('the item menu offers "Mark for Review"', () => markItem.click({ timeout: 10_000 }));
  // A context-menu click is sometimes taken as a hover only (the menu stays open): choose it with the keyboard then.
  if (await markItem.isVisible().catch(() => false)) await page.keyboard.press('Enter');

  const queued = reviewPane(page).locator('.monaco-list-row', { hasText: /lru\.ts/ }).first();
  await check('the Review view lists the trace', () => queued.waitFor({ timeout: 20_000 }));
  const queuedText = (await queued.innerText()).replace(/\s+/g, ' ').trim();
  step(`Review view row: "${queuedText}"`);
  expect(/queued (just now|\d+ min ago) · explain/.test(queuedText), `the row says when it was queued and what it is: "${queuedText}"`);
  await waitForBadge(page, '1');
  step('CODI activity bar badge: 1');
  for (const theme of THEMES) {
    await pickTheme(page, theme);
    await shoot(page, shots, `21-review-view-${theme.kind}.png`);
  }
  await pickTheme(page, THEMES[0]);

  await queued.click();
  const trace = await check('the trace panel shows its Review section', () => frameWith(page, '#review-done', 30_000));
  const status = (await trace.locator('#review-status').innerText()).trim();
  expect(/^To review · marked/.test(status), `the trace panel says it waits for review: "${status}"`);
  await trace.locator('#review').scrollIntoViewIfNeeded();
  await check('pick the "hallucination" label', () => trace.locator('.review-label[data-label="hallucination"]').click({ timeout: 10_000 }));
  await check('the label shows as picked', () => trace.locator('.review-label[data-label="hallucination"][aria-pressed="true"]').waitFor({ timeout: 15_000 }));
  await trace.locator('#review-note').fill('Says get() refreshes the TTL; it only moves the entry.');
  await shoot(page, shots, '22-review-panel-before.png');
  await check('click "Mark Reviewed"', () => trace.locator('#review-done').click({ timeout: 10_000 }));
  await check('the panel says it was reviewed', () => trace.locator('#review-status', { hasText: /^Reviewed/ }).waitFor({ timeout: 15_000 }));
  // The panel restores its scroll position once the rebuilt page is laid out (the next frame).
  const inView = () => trace.evaluate("(() => { const r = document.getElementById('review-status').getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; })()") as Promise<boolean>;
  for (let i = 0; i < 20 && !(await inView()); i++) await page.waitForTimeout(250);
  expect(await inView(), 'the panel keeps the Review section in view after the update (no jump to the top)');
  await check('the panel offers "Review Again"', () => trace.locator('#review-queue', { hasText: 'Review Again' }).waitFor({ timeout: 10_000 }));
  expect((await trace.locator('#review-note').inputValue()).startsWith('Says get()'), 'the note stays in the panel');
  await shoot(page, shots, '23-review-panel-reviewed.png');

  // Tags (issue 10 §3): × on the language tag's chip removes it; focus moves to the next control; the row in three themes.
  const tsChip = trace.locator('.tag-chip[data-tag="typescript"]');
  await check('the tag row shows the language tag "typescript"', () => tsChip.waitFor({ timeout: 10_000 }));
  await trace.locator('#trace-tags').scrollIntoViewIfNeeded();
  await check('click × ("Remove tag typescript")', () => tsChip.getByRole('button', { name: 'Remove tag typescript' }).click({ timeout: 10_000 }));
  await check('the "typescript" chip is gone', () => tsChip.waitFor({ state: 'detached', timeout: 15_000 }));
  const left = (await trace.locator('.tag-chip').allInnerTexts()).map((t) => t.trim());
  step(`tags left: ${left.join(', ')}`);
  expect(left.includes('explain'), `the other tags stay: ${left.join(', ')}`);
  // The host answers after it re-sent the trace: focus moves once that answer is in.
  const focusedControl = async () => String(await trace.evaluate("(() => document.activeElement?.getAttribute('aria-label') || document.activeElement?.id || document.activeElement?.tagName || '')()"));
  let focused = await focusedControl();
  for (let i = 0; i < 20 && !/^Remove tag |^trace-edit-tags$/.test(focused); i++) {
    await page.waitForTimeout(250);
    focused = await focusedControl();
  }
  expect(/^Remove tag |^trace-edit-tags$/.test(focused), `focus moves to the next remove button or Edit Tags…, not the page: "${focused}"`);
  for (const theme of THEMES) {
    await pickTheme(page, theme);
    await trace.locator('#trace-tags').scrollIntoViewIfNeeded();
    await shoot(page, shots, `25-trace-tags-${theme.kind}.png`);
  }
  await pickTheme(page, THEMES[0]);
  await check('click "Edit Tags…"', () => trace.locator('#trace-edit-tags').click({ timeout: 10_000 }));
  await check('the Traces view\'s tag picker opens for this trace', () => page.locator('.quick-input-widget', { hasText: 'CODI: Edit Tags' }).waitFor({ timeout: 15_000 }));
  await page.keyboard.type('flaky');
  await shoot(page, shots, '26-trace-edit-tags-pick.png');
  await page.keyboard.press('Enter');
  await check('the typed tag shows as a chip', () => trace.locator('.tag-chip[data-tag="flaky"]').waitFor({ timeout: 15_000 }));
  expect((await trace.locator('.tag-chip[data-tag="typescript"]').count()) === 0, 'the removed tag stays removed');

  await check('the Review view empties', () => queued.waitFor({ state: 'detached', timeout: 20_000 }));
  await waitForBadge(page, '');
  const listed = page.locator('.part.sidebar .monaco-list-row', { hasText: /lru\.ts/ }).first();
  if (!(await listed.isVisible().catch(() => false))) await codiTab(page).locator('a').click(); // the tab toggles the sidebar
  await page.locator('.part.sidebar .monaco-list-row', { hasText: /lru\.ts/ }).first().hover();
  const hover = page.locator('.monaco-hover, .workbench-hover', { hasText: 'Review' }).first();
  const tip = (await hover.innerText({ timeout: 10_000 }).catch(() => '')).replace(/\s+/g, ' ');
  step(`Traces tooltip: ${tip.replace(/\s+/g, ' ').slice(0, 240)}`);
  expect(tip.includes('reviewed · hallucination') && tip.includes('Says get() refreshes the TTL'), `the Traces tooltip shows the review, labels and note: "${tip.replace(/\s+/g, ' ')}"`);
  await shoot(page, shots, '24-traces-tooltip-review.png');
  assertGeminiUsed(gemini);
});
