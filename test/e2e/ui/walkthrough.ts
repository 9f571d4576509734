// The CODI walkthrough as a person does it, in a real VS Code (code-server) driven by headless Chromium:
// CODI installed from its .vsix, the API key typed into the input box, lines selected with the keyboard,
// "CODI: Explain Selection" from the palette, the judged result panel, the Traces view (and its "this workspace
// only" toggle), the trace panel.
// Screenshots land in test/e2e/screenshots/. Run: node --import tsx test/e2e/ui/walkthrough.ts
// Env: CODI_VSIX (skip packaging and install this .vsix), CODI_KEEP_RUN=1 (keep the run folder).
import { assertGeminiUsed, check, frameWith, main, openFile, runCommand, setApiKey, shoot, step } from './harness';

main('walkthrough', async ({ page, gemini, shots }) => {
  const getLine = await openFile(page, 'lru.ts', 'get(key: K): V | undefined');
  await setApiKey(page);

  // Select the get() method with the keyboard: click its first line, Home, Shift+Down 12 times.
  await getLine.click();
  await page.keyboard.press('Home');
  for (let i = 0; i < 12; i++) await page.keyboard.press('Shift+ArrowDown');
  await check('the editor has a selection', () =>
    page.locator('.editor-instance .selected-text').first().waitFor({ timeout: 5_000 }));
  step('selected 12 lines');

  await check('run "CODI: Explain Selection"', () => runCommand(page, 'CODI: Explain Selection'));
  const resultTab = page.locator('.tabs-container .tab', { hasText: 'CODI' }).first();
  await check('a CODI result panel opens', () => resultTab.waitFor({ timeout: 30_000 }));
  const result = await check('the result panel shows the judge badge', () => frameWith(page, '.badge', 90_000));
  step(`result panel: status "${(await result.locator('#status').first().innerText().catch(() => '?')).trim()}", ` +
    `badge "${(await result.locator('.badge').first().innerText()).trim()}"`);
  await shoot(page, shots, '01-result-panel.png');

  const codiTab = page.locator('.activitybar .action-item a[aria-label^="CODI"]').first();
  await codiTab.click();
  const sidebarTitle = page.locator('.part.sidebar .composite.title');
  if (!(await sidebarTitle.innerText().catch(() => '')).toUpperCase().includes('CODI')) await codiTab.click();
  const row = page.locator('.part.sidebar .monaco-list-row', { hasText: /explain/i }).first();
  await check('the Traces view lists the new explain trace', () => row.waitFor({ timeout: 20_000 }));
  step(`Traces view, first row: "${(await row.innerText()).replace(/\s+/g, ' ').trim()}"`);
  await shoot(page, shots, '02-traces-tree.png');

  // The title-bar toggle: this workspace's traces only (the explain above was made here, so it stays), then all.
  const header = page.locator('.part.sidebar .pane-header', { hasText: /traces/i }).first();
  await header.hover();
  await check('click "Show This Workspace\'s Traces Only" in the Traces title bar', () =>
    header.locator('a.action-label[aria-label="Show This Workspace\'s Traces Only"]').click({ timeout: 10_000 }));
  await check('the view says "this workspace" and keeps the trace', () =>
    header.locator('.description', { hasText: 'this workspace' }).waitFor({ timeout: 10_000 }).then(() => row.waitFor({ timeout: 10_000 })));
  await shoot(page, shots, '02b-traces-this-workspace.png');
  await header.hover();
  await check('click "Show Traces of All Workspaces"', () =>
    header.locator('a.action-label[aria-label="Show Traces of All Workspaces"]').click({ timeout: 10_000 }));
  await check('the description is gone', () => header.locator('.description', { hasText: 'this workspace' }).waitFor({ state: 'detached', timeout: 10_000 }));

  await check('click "View trace" in the result panel', () => result.locator('#view-trace').click({ timeout: 10_000 }));
  const trace = await check('the trace panel shows the span tree', () => frameWith(page, '.span-row', 30_000));
  step(`trace panel: ${await trace.locator('.span-row').count()} span rows`);
  await check('a "CODI Trace" tab is open', () =>
    page.locator('.tabs-container .tab', { hasText: 'CODI Trace' }).first().waitFor({ timeout: 10_000 }));
  await shoot(page, shots, '03-trace-panel.png');

  // Bonus: the same panel in the dark theme, picked the way a person does.
  await check('run "Preferences: Color Theme"', () => runCommand(page, 'Preferences: Color Theme'));
  await page.keyboard.type('Dark Modern');
  const darkRow = page.locator('.quick-input-widget .monaco-list-row', { hasText: /^(Default )?Dark Modern/ }).first();
  await check('the theme picker lists "Dark Modern"', () => darkRow.waitFor({ timeout: 10_000 }));
  await darkRow.click();
  await check('the workbench switches to the dark theme', () => page.locator('.monaco-workbench.vs-dark').waitFor({ timeout: 15_000 }));
  await shoot(page, shots, '04-trace-panel-dark.png');

  assertGeminiUsed(gemini);
});
