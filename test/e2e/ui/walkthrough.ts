// The CODI walkthrough as a person does it, in a real VS Code (code-server) driven by headless Chromium:
// CODI installed from its .vsix, the API key typed into the input box, lines selected with the keyboard,
// "CODI: Explain Selection" from the palette, the judged result panel, the Traces view, the trace panel.
// Screenshots land in test/e2e/screenshots/. Run: node --import tsx test/e2e/ui/walkthrough.ts
// Env: CODI_VSIX (skip packaging and install this .vsix), CODI_KEEP_RUN=1 (keep the run folder).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Frame, Page } from 'playwright-core';
import { startGeminiStandIn } from '../../support/geminiStandIn';

const API_KEY = 'ui-walkthrough-key';
/** Hosts the workbench may try to reach that are not ours: the extension gallery and its CDN. Logged only. */
const KNOWN_NOISE = [/(^|\.)open-vsx\.org$/, /(^|\.)vscode-cdn\.net$/, /(^|\.)vscode-unpkg\.net$/, /(^|\.)visualstudio\.com$/];

const t0 = Date.now();
const step = (msg: string): void => console.log(`[ui ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${msg}`);

async function check<T>(what: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    throw new Error(`UI step failed: ${what}\n  ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
}

/** Polls every frame (webviews are two nested iframes) for one that contains `selector`. */
async function frameWith(page: Page, selector: string, timeoutMs: number): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      if (await frame.locator(selector).first().isVisible().catch(() => false)) return frame;
    }
    if (Date.now() > deadline) throw new Error(`no visible "${selector}" in any webview after ${timeoutMs} ms`);
    await page.waitForTimeout(250);
  }
}

async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(`>${title}`);
  // Click the row whose label starts with the title: the top row is not always the one asked for.
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: new RegExp(`^${escapeRegExp(title)}`) }).first();
  await row.waitFor({ timeout: 15_000 });
  await row.click();
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function shoot(page: Page, dir: string, name: string): Promise<void> {
  await page.waitForTimeout(400); // let the last paint settle
  await page.screenshot({ path: join(dir, name) });
  step(`screenshot ${join('test/e2e/screenshots', name)}`);
}

async function main(): Promise<void> {
  const env = await import('../../../scripts/e2eEnv.mjs');
  const shots = join(env.root, 'test', 'e2e', 'screenshots');
  mkdirSync(shots, { recursive: true });
  rmSync(join(shots, 'failure.png'), { force: true });

  let vsix = process.env.CODI_VSIX;
  if (!vsix) {
    step('packaging CODI (node scripts/package.mjs)');
    execFileSync(process.execPath, [join(env.root, 'scripts', 'package.mjs')], { cwd: env.root, stdio: 'inherit' });
    const pkg = JSON.parse(readFileSync(join(env.root, 'package.json'), 'utf8')) as { name: string; version: string };
    vsix = join(env.root, `${pkg.name}-${pkg.version}.vsix`);
  }
  await env.ensureEnv();

  const gemini = await startGeminiStandIn();
  const runDir = env.makeRunDir('ui');
  const workspace = env.copySampleWorkspace(runDir, { 'codi.apiBaseUrl': gemini.url });
  const cs = await env.startCodeServer({ runDir, folder: workspace, vsix, settings: { 'workbench.colorTheme': 'Default Light Modern' } });
  step(`CODI installed from ${vsix}; workbench at ${cs.url}, Gemini stand-in at ${gemini.url}`);

  const profile = join(runDir, 'chromium-profile');
  let ctx: BrowserContext | undefined;
  let ok = false;
  const external = new Set<string>();
  const consoleErrors: string[] = [];
  try {
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: env.chromiumPath, headless: true, args: env.chromiumArgs, viewport: { width: 1440, height: 900 },
    });
    ctx.on('request', (r) => {
      const u = new URL(r.url());
      if (/^(https?|wss?):$/.test(u.protocol) && !['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) external.add(u.origin);
    });
    const page = ctx.pages()[0] ?? await ctx.newPage();
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });

    await page.goto(`${cs.url}/?folder=${encodeURIComponent(workspace)}`);
    await check('the workbench loads', () => page.locator('.monaco-workbench').waitFor({ timeout: 60_000 }));
    const codiTab = page.locator('.activitybar .action-item a[aria-label^="CODI"]').first();
    await check('the CODI activity bar item appears (extension installed and scanned)', () => codiTab.waitFor({ timeout: 60_000 }));
    step('workbench ready, CODI in the activity bar');

    // Open the sample file the way a person does: Quick Open.
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget .quick-input-box input').waitFor({ state: 'visible', timeout: 15_000 });
    await page.keyboard.type('lru.ts');
    await check('Quick Open lists lru.ts', () =>
      page.locator('.quick-input-widget .monaco-list-row', { hasText: 'lru.ts' }).first().waitFor({ timeout: 15_000 }));
    await page.keyboard.press('Enter');
    const getLine = page.locator('.editor-instance .view-line', { hasText: 'get(key: K): V | undefined' });
    await check('the editor shows src/lru.ts', () => getLine.waitFor({ timeout: 30_000 }));
    step('opened src/lru.ts');

    await check('run "CODI: Set Gemini API Key"', () => runCommand(page, 'CODI: Set Gemini API Key'));
    const keyInput = page.locator('.quick-input-widget .quick-input-box input[type="password"]');
    await check('the API key input box opens (password field)', () => keyInput.waitFor({ state: 'visible', timeout: 15_000 }));
    await page.keyboard.type(API_KEY);
    await page.keyboard.press('Enter');
    await check('the API key input box closes', () => page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 }));
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: /key/i }).first();
    const confirmation = await toast.innerText({ timeout: 5_000 }).catch(() => '(no notification)');
    step(`API key entered: ${confirmation.replace(/\s+/g, ' ').trim()}`);
    await runCommand(page, 'Notifications: Clear All Notifications'); // keep the screenshots clear

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

    await codiTab.click();
    const sidebarTitle = page.locator('.part.sidebar .composite.title');
    if (!(await sidebarTitle.innerText().catch(() => '')).toUpperCase().includes('CODI')) await codiTab.click();
    const row = page.locator('.part.sidebar .monaco-list-row', { hasText: /explain/i }).first();
    await check('the Traces view lists the new explain trace', () => row.waitFor({ timeout: 20_000 }));
    step(`Traces view, first row: "${(await row.innerText()).replace(/\s+/g, ' ').trim()}"`);
    await shoot(page, shots, '02-traces-tree.png');

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

    const calls = gemini.requests.map((r) => `${r.action}${r.body.generationConfig?.responseMimeType === 'application/json' ? ' (json)' : ''}`);
    step(`Gemini stand-in saw ${gemini.requests.length} request(s): ${calls.join(', ')}`);
    if (!gemini.requests.some((r) => r.action === 'streamGenerateContent' || r.action === 'generateContent')) {
      throw new Error('UI step failed: the explanation never reached the Gemini stand-in');
    }
    if (!gemini.requests.every((r) => r.apiKey === API_KEY)) {
      throw new Error(`UI step failed: requests did not carry the key typed into the input box (saw ${[...new Set(gemini.requests.map((r) => r.apiKey))].join(', ')})`);
    }

    const origins = [...external];
    const unexpected = origins.filter((o) => !KNOWN_NOISE.some((re) => re.test(new URL(o).hostname)));
    if (origins.length) step(`non-local origins requested: ${origins.join(', ')}`);
    if (unexpected.length) throw new Error(`UI step failed: the workbench contacted unexpected non-local origins: ${unexpected.join(', ')}`);
    ok = true;
  } catch (err) {
    writeFileSync(join(runDir, 'console-errors.log'), consoleErrors.join('\n'));
    const page = ctx?.pages()[0];
    if (page) {
      await page.screenshot({ path: join(shots, 'failure.png') }).catch(() => {});
      step('screenshot of the failure: test/e2e/screenshots/failure.png');
    }
    throw err;
  } finally {
    await ctx?.close().catch(() => {});
    await cs.stop();
    await gemini.close();
    if (ok && !process.env.CODI_KEEP_RUN) rmSync(runDir, { recursive: true, force: true });
    else step(`run folder kept: ${runDir} (code-server log: ${cs.logFile})`);
  }
  step('UI walkthrough passed');
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
