// What the Playwright UI tests share: a real VS Code (code-server) with CODI installed from its .vsix, a
// local Gemini stand-in, headless Debian Chromium, and the steps a person takes (palette, Quick Open, typing).
// Each test file runs one session: `runUiSession('name', async (s) => { ... })`.
// Env: CODI_VSIX (skip packaging and install this .vsix), CODI_KEEP_RUN=1 (keep the run folder).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Frame, Locator, Page } from 'playwright-core';
import type { GeminiStandIn } from '../../support/geminiStandIn';
import { startGeminiStandIn } from '../../support/geminiStandIn';

export const API_KEY = 'ui-walkthrough-key';
/** Hosts the workbench may try to reach that are not ours: the extension gallery and its CDN. Logged only. */
const KNOWN_NOISE = [/(^|\.)open-vsx\.org$/, /(^|\.)vscode-cdn\.net$/, /(^|\.)vscode-unpkg\.net$/, /(^|\.)visualstudio\.com$/];

const t0 = Date.now();
export const step = (msg: string): void => console.log(`[ui ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${msg}`);

/** Runs one step; a failure names the step and keeps the first line of the cause. */
export async function check<T>(what: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    throw new Error(`UI step failed: ${what}\n  ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
}

/** Throws a step failure unless `ok`. */
export function expect(ok: boolean, what: string): void {
  if (!ok) throw new Error(`UI step failed: ${what}`);
}

/** Polls every frame (webviews are two nested iframes) for one that contains `selector`. */
export async function frameWith(page: Page, selector: string, timeoutMs: number): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      if (await frame.locator(selector).first().isVisible().catch(() => false)) return frame;
    }
    if (Date.now() > deadline) throw new Error(`no visible "${selector}" in any webview after ${timeoutMs} ms`);
    await page.waitForTimeout(250);
  }
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The quick input's text box (palette, Quick Open, input boxes). */
export const quickInput = (page: Page): Locator => page.locator('.quick-input-widget .quick-input-box input');

/**
 * F1, type the command's title, click its row (the top row is not always the one asked for). The palette
 * opened right after another quick input closed over a webview can be closed by the focus the webview takes
 * back (microsoft/vscode#93950): when it is gone before its row was clicked, it is opened again (nothing ran).
 */
export async function runCommand(page: Page, title: string): Promise<void> {
  const input = quickInput(page);
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: new RegExp(`^${escapeRegExp(title)}`) }).first();
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill(`>${title}`);
    // Either the row shows, or the palette closes under us: wait for whichever comes first.
    const shown = await Promise.race([
      row.waitFor({ timeout: 15_000 }).then(() => true),
      page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 15_000 }).then(() => false, () => new Promise<boolean>(() => {})),
    ]);
    if (shown && (await row.click({ timeout: 5_000 }).then(() => true, () => false))) return;
    if (attempt === 3) throw new Error(`the command palette closed three times before "${title}" could be picked`);
    step(`the command palette closed before "${title}" was picked (focus went back to a webview); opening it again`);
  }
}

export async function shoot(page: Page, dir: string, name: string): Promise<void> {
  await page.waitForTimeout(400); // let the last paint settle
  await page.screenshot({ path: join(dir, name) });
  step(`screenshot ${join('test/e2e/screenshots', name)}`);
}

/** Opens a workspace file with Quick Open and waits for the editor to show `lineText`; returns that line. */
export async function openFile(page: Page, name: string, lineText: string): Promise<Locator> {
  await page.keyboard.press('Control+P');
  await quickInput(page).waitFor({ state: 'visible', timeout: 15_000 });
  await page.keyboard.type(name);
  await check(`Quick Open lists ${name}`, () => page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 15_000 }));
  await page.keyboard.press('Enter');
  const line = page.locator('.editor-instance .view-line', { hasText: lineText }).first();
  await check(`the editor shows ${name}`, () => line.waitFor({ timeout: 30_000 }));
  step(`opened ${name}`);
  return line;
}

/** "CODI: Set Gemini API Key" (or another key command), the key typed into the password box; notifications cleared after. */
export async function setApiKey(page: Page, command = 'CODI: Set Gemini API Key', key = API_KEY): Promise<void> {
  await check(`run "${command}"`, () => runCommand(page, command));
  const keyInput = page.locator('.quick-input-widget .quick-input-box input[type="password"]');
  await check('the API key input box opens (password field)', () => keyInput.waitFor({ state: 'visible', timeout: 15_000 }));
  await page.keyboard.type(key);
  await page.keyboard.press('Enter');
  await check('the API key input box closes', () => page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 }));
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: /key/i }).first();
  const confirmation = await toast.innerText({ timeout: 5_000 }).catch(() => '(no notification)');
  step(`${command}: ${confirmation.replace(/\s+/g, ' ').trim()}`);
  await runCommand(page, 'Notifications: Clear All Notifications'); // keep the screenshots clear
}

/** The four theme kinds a panel is checked in: the name typed in the theme picker, and the workbench's class. */
export const THEME = {
  light: { kind: 'light', name: 'Light Modern', css: '.monaco-workbench.vs' },
  dark: { kind: 'dark', name: 'Dark Modern', css: '.monaco-workbench.vs-dark' },
  hcDark: { kind: 'hc-dark', name: 'Dark High Contrast', css: '.monaco-workbench.hc-black' },
  hcLight: { kind: 'hc-light', name: 'Light High Contrast', css: '.monaco-workbench.hc-light' },
} as const;
export type UiTheme = (typeof THEME)[keyof typeof THEME];

/** "Preferences: Color Theme" → the theme; resolves once the workbench has switched to it. */
export async function pickTheme(page: Page, theme: UiTheme): Promise<void> {
  await check('run "Preferences: Color Theme"', () => runCommand(page, 'Preferences: Color Theme'));
  await page.keyboard.type(theme.name);
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: new RegExp(`^(Default )?${theme.name}`) }).first();
  await check(`the theme picker lists "${theme.name}"`, () => row.waitFor({ timeout: 10_000 }));
  await row.click();
  await check(`the workbench switches to ${theme.name}`, () => page.locator(theme.css).first().waitFor({ timeout: 15_000 }));
}

/** Fails unless the stand-in was reached, and only with the key typed into the input box. */
export function assertGeminiUsed(gemini: GeminiStandIn): void {
  const calls = gemini.requests.map((r) => `${r.action}${r.body.generationConfig?.responseMimeType === 'application/json' ? ' (json)' : ''}`);
  step(`Gemini stand-in saw ${gemini.requests.length} request(s): ${calls.join(', ')}`);
  expect(gemini.requests.some((r) => r.action === 'streamGenerateContent' || r.action === 'generateContent'), 'no request reached the Gemini stand-in');
  const keys = [...new Set(gemini.requests.map((r) => r.apiKey))];
  expect(gemini.requests.every((r) => r.apiKey === API_KEY), `requests did not carry the key typed into the input box (saw ${keys.join(', ')})`);
}

export interface UiSession {
  page: Page;
  context: BrowserContext;
  gemini: GeminiStandIn;
  /** test/e2e/screenshots */
  shots: string;
  workspace: string;
}

/**
 * Packages (unless CODI_VSIX is set) and installs CODI into a fresh code-server, opens the sample workspace
 * in headless Chromium, waits for CODI in the activity bar, runs `body`, then checks that nothing but the
 * known gallery look-ups left the machine. On failure: `failure-<name>.png` and the run folder are kept.
 */
export interface UiSessionOptions {
  /** Extra VS Code user settings (e.g. codi.opik.*), written before code-server starts. */
  userSettings?: Record<string, unknown>;
  /** Keep VS Code's workspace trust on (the other sessions start code-server with it disabled). */
  workspaceTrust?: boolean;
  /** Runs before code-server starts, with its user-data folder (e.g. to seed CODI's trace store). */
  beforeStart?: (userDataDir: string) => Promise<void>;
}

export async function runUiSession(name: string, body: (s: UiSession) => Promise<void>, opts: UiSessionOptions = {}): Promise<void> {
  const env = await import('../../../scripts/e2eEnv.mjs');
  const shots = join(env.root, 'test', 'e2e', 'screenshots');
  mkdirSync(shots, { recursive: true });
  const failureShot = `failure-${name}.png`;
  rmSync(join(shots, failureShot), { force: true });

  let vsix = process.env.CODI_VSIX;
  if (!vsix) {
    step('packaging CODI (node scripts/package.mjs)');
    execFileSync(process.execPath, [join(env.root, 'scripts', 'package.mjs')], { cwd: env.root, stdio: 'inherit' });
    const pkg = JSON.parse(readFileSync(join(env.root, 'package.json'), 'utf8')) as { name: string; version: string };
    vsix = join(env.root, `${pkg.name}-${pkg.version}.vsix`);
  }
  await env.ensureEnv();

  const gemini = await startGeminiStandIn();
  const runDir = env.makeRunDir(`ui-${name}`);
  const workspace = env.copySampleWorkspace(runDir);
  // codi.apiBaseUrl is application-scoped (a workspace cannot redirect it): user settings.
  await opts.beforeStart?.(join(runDir, 'ud'));
  const cs = await env.startCodeServer({ runDir, folder: workspace, vsix, settings: { 'workbench.colorTheme': 'Default Light Modern', 'codi.apiBaseUrl': gemini.url, ...opts.userSettings }, workspaceTrust: opts.workspaceTrust });
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

    // A loaded machine (several sessions sharing two cores) can take well over 30 s to serve the workbench.
    page.setDefaultNavigationTimeout(120_000);
    await page.goto(`${cs.url}/?folder=${encodeURIComponent(workspace)}`);
    await check('the workbench loads', () => page.locator('.monaco-workbench').waitFor({ timeout: 60_000 }));
    await check('the CODI activity bar item appears (extension installed and scanned)', () =>
      page.locator('.activitybar .action-item a[aria-label^="CODI"]').first().waitFor({ timeout: 60_000 }));
    step('workbench ready, CODI in the activity bar');

    await body({ page, context: ctx, gemini, shots, workspace });

    const origins = [...external];
    const unexpected = origins.filter((o) => !KNOWN_NOISE.some((re) => re.test(new URL(o).hostname)));
    if (origins.length) step(`non-local origins requested: ${origins.join(', ')}`);
    expect(unexpected.length === 0, `the workbench contacted unexpected non-local origins: ${unexpected.join(', ')}`);
    ok = true;
  } catch (err) {
    writeFileSync(join(runDir, 'console-errors.log'), consoleErrors.join('\n'));
    const page = ctx?.pages()[0];
    if (page) {
      await page.screenshot({ path: join(shots, failureShot) }).catch(() => {});
      step(`screenshot of the failure: test/e2e/screenshots/${failureShot}`);
    }
    throw err;
  } finally {
    await ctx?.close().catch(() => {});
    await cs.stop();
    await gemini.close();
    if (ok && !process.env.CODI_KEEP_RUN) rmSync(runDir, { recursive: true, force: true });
    else step(`run folder kept: ${runDir} (code-server log: ${cs.logFile})`);
  }
}

/** The entry point of a UI test file: exit 0 on success, 1 with the failure's message. */
export function main(name: string, body: (s: UiSession) => Promise<void>, opts: UiSessionOptions = {}): void {
  runUiSession(name, body, opts).then(
    () => {
      step(`UI ${name} passed`);
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
