// Summarize and Generate as a person does them, in a real VS Code (code-server) with CODI from its .vsix:
// "CODI: Summarize Selection" from the palette → the Chain-of-Density steps in the result panel; a comment
// typed into the editor → "CODI: Generate Code" → Enter in the prefilled input box → the diff editor and the
// panel's checks → "Accept Generated Code" in the diff's title bar → the code in the editor, unsaved.
// The stand-in's default answers: 5 steps graded 0.58, 0.72, 0.91, 0.80, 0.66 (step 3 recommended), and a
// TypeScript function in one fenced block. Run: node --import tsx test/e2e/ui/pipelines.ts (env: see harness.ts)
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { assertGeminiUsed, check, expect, frameWith, main, openFile, quickInput, runCommand, setApiKey, shoot, step } from './harness';

const COMMENT = 'clamp a value between low and high';
const STEPS = 5;
const RECOMMENDED = '3';

const text = async (frame: Frame, selector: string): Promise<string> =>
  (await frame.locator(selector).first().innerText({ timeout: 5_000 }).catch(() => '')).replace(/\s+/g, ' ').trim();

async function summarize(page: Page, shots: string): Promise<void> {
  const getLine = page.locator('.editor-instance .view-line', { hasText: 'get(key: K): V | undefined' }).first();
  await getLine.click();
  await page.keyboard.press('Home');
  for (let i = 0; i < 12; i++) await page.keyboard.press('Shift+ArrowDown');
  await check('the editor has a selection', () => page.locator('.editor-instance .selected-text').first().waitFor({ timeout: 5_000 }));
  step('selected the get() method (12 lines)');

  await check('run "CODI: Summarize Selection"', () => runCommand(page, 'CODI: Summarize Selection'));
  await check('a "CODI · Summarize" result panel opens', () =>
    page.locator('.tabs-container .tab', { hasText: 'CODI · Summarize src/lru.ts:' }).first().waitFor({ timeout: 30_000 }));
  const panel = await check('the panel marks a recommended Chain-of-Density step', () => frameWith(page, '#steps .cod-step.recommended', 90_000));
  await check('the judge badge appears', () => panel.locator('.badge').first().waitFor({ timeout: 30_000 }));

  const rows = panel.locator('#steps .cod-step');
  const count = await rows.count();
  expect(count === STEPS, `the steps table should list ${STEPS} steps, found ${count}`);
  const recommended = await panel.locator('#steps .cod-step.recommended').getAttribute('data-index');
  expect(recommended === RECOMMENDED, `step ${RECOMMENDED} (graded 0.91) should be recommended, got step ${recommended}`);
  const scores = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-score')));
  expect(scores.join(' ') === '0.58 0.72 0.91 0.8 0.66', `each step should carry its judge grade, got ${scores.join(' ')}`);
  const densities = await panel.locator('#steps .cod-step .density').count();
  expect(densities === STEPS, `every step should show its density, found ${densities}`);
  const entities = await panel.locator('#steps .cod-step.recommended .entity').allInnerTexts();
  expect(entities.length > 0, 'the recommended (expanded) step should list the entities it added');
  step(`summary: ${count} steps, recommended ${recommended}, scores ${scores.join(' ')}, step ${recommended} added ${entities.join(', ')}; ` +
    `badge "${await text(panel, '.badge')}"`);

  await panel.locator('#summary').scrollIntoViewIfNeeded();
  await shoot(page, shots, '05-summarize-steps.png');
}

async function generate(page: Page, shots: string): Promise<void> {
  // Write the comment on a new line at the end of lru.ts, as a person would, and leave the cursor on it.
  await page.locator('.editor-instance .view-line', { hasText: 'get(key: K): V | undefined' }).first().click();
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  await page.keyboard.type(`// ${COMMENT}`);
  await check('the editor shows the typed comment', () =>
    page.locator('.editor-instance .view-line', { hasText: `// ${COMMENT}` }).first().waitFor({ timeout: 5_000 }));
  step('typed the comment at the end of lru.ts');

  await check('run "CODI: Generate Code"', () => runCommand(page, 'CODI: Generate Code'));
  const box = quickInput(page);
  await check('the Generate input box opens', () =>
    page.locator('.quick-input-widget .quick-input-title', { hasText: 'CODI: Generate Code' }).waitFor({ timeout: 15_000 }));
  const prefilled = await box.inputValue();
  expect(prefilled === COMMENT, `the input box should be prefilled with the comment at the cursor, got "${prefilled}"`);
  await page.keyboard.press('Enter');
  step(`accepted the prefilled request "${prefilled}"`);

  const diff = page.locator('.monaco-diff-editor').first();
  await check('a diff editor opens with the proposal', () => diff.waitFor({ state: 'visible', timeout: 60_000 }));
  await check('the diff tab is titled "lru.ts ↔ CODI proposal"', () =>
    page.locator('.tabs-container .tab', { hasText: 'lru.ts ↔ CODI proposal' }).first().waitFor({ timeout: 10_000 }));
  await check('the diff shows the generated function as inserted', () =>
    diff.locator('.editor.modified .view-line', { hasText: 'export function clampValue' }).first().waitFor({ timeout: 10_000 }));
  const panel = await check('the result panel lists the checks', () => frameWith(page, '#generate #checks', 30_000));
  const parses = await panel.locator('#checks .check[data-name="parses"]').getAttribute('data-result');
  expect(parses === 'pass', `the "parses" check should pass for the stand-in's TypeScript, got "${parses}"`);
  const code = await text(panel, '#generated-code code');
  expect(code.includes('export function clampValue('), `the panel should show the generated function, got "${code.slice(0, 120)}"`);
  await check('the judge badge appears', () => panel.locator('.badge').first().waitFor({ timeout: 30_000 }));
  const checks = await panel.locator('#checks .check').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-name')}=${e.getAttribute('data-result')}`));
  step(`generate: checks ${checks.join(', ')}; badge "${await text(panel, '.badge')}"; state "${await text(panel, '#generated-state')}"`);
  await shoot(page, shots, '06-generate-diff.png');

  // A closer look at the panel: its editor group only, scrolled to the checks and the judge's criteria.
  await panel.locator('#checks').evaluate((el) => el.scrollIntoView({ block: 'start' }));
  const panelGroup = page.locator('.editor-group-container').filter({ has: page.locator('.tab', { hasText: 'CODI · Generate' }) });
  await page.waitForTimeout(400);
  await panelGroup.screenshot({ path: join(shots, '07-generate-panel.png') });
  step('screenshot test/e2e/screenshots/07-generate-panel.png (the result panel\'s editor group)');

  // Accept from the diff editor's title bar, where the proposal is reviewed.
  const accept = page.locator('.editor-actions .action-item a[aria-label="Accept Generated Code"]').first();
  await check('the diff editor\'s title bar offers "Accept Generated Code"', () => accept.waitFor({ state: 'visible', timeout: 10_000 }));
  await accept.click();
  await check('the diff editor closes after Accept', () => page.locator('.tabs-container .tab', { hasText: 'CODI proposal' }).first().waitFor({ state: 'detached', timeout: 10_000 }));
  await check('the panel says Accepted', () => panel.locator('#accept', { hasText: 'Accepted' }).waitFor({ timeout: 10_000 }));
  await check('lru.ts now contains the generated function', () =>
    page.locator('.editor-instance .view-line', { hasText: 'export function clampValue(value: number, low: number, high: number): number {' }).first().waitFor({ timeout: 10_000 }));
  const commentLine = (await page.locator('.editor-instance .view-line', { hasText: `// ${COMMENT}` }).first().innerText()).replace(/\s+/g, ' ').trim();
  expect(commentLine === `// ${COMMENT}`, `the comment line should stay as typed, with the code below it; it reads "${commentLine}"`);
  await check('lru.ts is modified but not saved', () => page.locator('.tabs-container .tab.dirty', { hasText: 'lru.ts' }).first().waitFor({ timeout: 5_000 }));
  step(`accepted: ${await text(panel, '#generated-state')}`);
  await shoot(page, shots, '08-generate-accepted.png');
}

main('pipelines', async ({ page, gemini, shots }) => {
  await openFile(page, 'lru.ts', 'get(key: K): V | undefined');
  await setApiKey(page);
  await summarize(page, shots);
  await generate(page, shots);

  assertGeminiUsed(gemini);
  const asked = gemini.requests.some((r) => JSON.stringify(r.body.contents ?? '').includes(`## Request\\n${COMMENT}`));
  expect(asked, 'the generate request sent to Gemini should carry the comment as its request');
});
