// Hostile answers stay inert (issue 11, point 4), in a real VS Code (code-server) driven by headless Chromium:
// each answer of test/e2e/ui/hostileAnswers.ts is streamed by the Gemini stand-in into the result panel, then
// shown in the trace panel. Checks: no script ran (no "CODI-PWNED" console message or dialog), no request reached
// the local canary server (images, styles, frames, forms, refreshes), the panels stay usable ("View trace" is
// clicked after every answer), links never act by themselves, and an https link opens only after a confirmation
// that shows the full URL. Screenshots in test/e2e/screenshots/hostile-*.png.
// Run: node --import tsx test/e2e/ui/hostile.ts (CODI_VSIX to skip packaging).
import { createServer } from 'node:http';
import type { Frame, Page } from 'playwright-core';
import type { RecordedRequest, Reply } from '../../support/geminiStandIn';
import type { UiSession } from './harness';
import { check, expect, frameWith, main, openFile, runCommand, setApiKey, shoot, step } from './harness';
import { hostileAnswers } from './hostileAnswers';

const SHOTS = new Set([1, 5, 9, 15, 16, 31, 32, 33, 34]);

interface Canary {
  url: string;
  /** Every request that reached it: each one is a failure. */
  hits: string[];
}

async function startCanary(): Promise<Canary> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(204).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  server.unref(); // the session's process exits when the test is over
  return { url: `http://127.0.0.1:${port}`, hits };
}

/** The webview frame that shows `text` (result or trace panel). */
async function frameShowing(page: Page, selector: string, text: string, timeoutMs: number): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      const hit = frame.locator(selector, { hasText: text }).first();
      if (await hit.isVisible().catch(() => false)) return frame;
    }
    if (Date.now() > deadline) throw new Error(`no "${selector}" showing "${text}" after ${timeoutMs} ms`);
    await page.waitForTimeout(250);
  }
}

async function session({ page, gemini, shots }: UiSession, canary: Canary): Promise<void> {
  // CODI_HOSTILE_ONLY=3,34 runs a few answers (debugging); npm test runs them all.
  const only = (process.env.CODI_HOSTILE_ONLY ?? '').split(',').filter(Boolean).map(Number);
  const answers = hostileAnswers(canary.url).filter((_a, i) => !only.length || only.includes(i + 1));
  const pwned: string[] = [];
  page.on('console', (m) => m.text().includes('CODI-PWNED') && pwned.push(`console: ${m.text()}`));
  page.on('dialog', (d) => {
    pwned.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  let next = 0;
  const fallback = gemini.defaultHandler;
  gemini.defaultHandler = (req: RecordedRequest): Reply | Promise<Reply> =>
    req.action === 'streamGenerateContent' && next < answers.length ? { kind: 'text', text: answers[next++]!.text, chunks: 4 } : fallback(req);

  const line = await openFile(page, 'lru.ts', 'get(key: K): V | undefined');
  await setApiKey(page);
  const select = async () => {
    await line.click();
    await page.keyboard.press('Home');
    for (let i = 0; i < 6; i++) await page.keyboard.press('Shift+ArrowDown');
  };
  await select();

  for (const a of answers) {
    const n = Number(/^HOSTILE-(\d+)/.exec(a.text)![1]);
    const marker = `HOSTILE-${n} (`;
    await check(`${marker}${a.name}): run "CODI: Explain Selection"`, () => runCommand(page, 'CODI: Explain Selection'));
    const result = await check(`${marker}${a.name}): the result panel shows the answer`, () => frameShowing(page, '#body', marker, 60_000));
    await check(`${marker}${a.name}): the run finishes`, () => result.locator('#status', { hasText: /Done|Error/ }).first().waitFor({ timeout: 60_000 }));
    if (SHOTS.has(n)) await shoot(page, shots, `hostile-${String(n).padStart(2, '0')}-result.png`);
    await check(`${marker}${a.name}): "View trace" is still visible and clickable`, () => result.locator('#view-trace').click({ timeout: 10_000 }));
    const trace = await check(`${marker}${a.name}): the trace panel opens`, () => frameWith(page, '.span-row', 30_000));
    await trace.locator('.span-row', { hasText: 'gemini.generate' }).first().click({ timeout: 10_000 });
    const shown = await check(`${marker}${a.name}): the trace panel shows the answer`, () => frameShowing(page, '#span-detail', marker, 30_000));
    await shown.locator('#span-detail').getByText(marker).first().scrollIntoViewIfNeeded().catch(() => undefined);
    if (SHOTS.has(n)) await shoot(page, shots, `hostile-${String(n).padStart(2, '0')}-trace.png`);
    step(`${marker}${a.name}): result + trace panels rendered; scripts so far ${pwned.length}, canary hits ${canary.hits.length}`);
    // Back to the editor (its selection is kept) for the next run.
    await page.locator('.tabs-container .tab', { hasText: 'lru.ts' }).first().click();
  }

  // Links: a command: link is plain text; an https link asks first, showing the full URL, and Cancel opens nothing.
  const lastMarker = /^HOSTILE-\d+ \(/.exec(answers[answers.length - 1]!.text)![0];
  await page.locator('.tabs-container .tab', { hasText: /CODI · Explain/ }).first().click();
  const last = await frameShowing(page, '#body', lastMarker, 10_000);
  const link = last.locator('#body a[data-url]').first();
  expect((await last.locator('#body a[href]').count()) === 0, 'no anchor in the answer keeps an href');
  await check('click the https link in the answer', () => link.click({ timeout: 10_000 }));
  const dialog = page.locator('.monaco-dialog-box');
  await check('a confirmation dialog shows the full URL', () =>
    dialog.filter({ hasText: 'https://docs.example.invalid/a/very/long/path?with=query&and=more#fragment' }).first().waitFor({ timeout: 10_000 }));
  await shoot(page, shots, 'hostile-link-confirmation.png');
  await page.keyboard.press('Escape');
  await check('the dialog closes on Escape', () => dialog.first().waitFor({ state: 'hidden', timeout: 10_000 }));

  await page.waitForTimeout(1000); // late image/style loads would arrive here
  step(`hostile answers: ${answers.length} tried, scripts run ${pwned.length}, canary requests ${canary.hits.length}`);
  expect(pwned.length === 0, `a hostile answer ran script: ${pwned.join('; ')}`);
  expect(canary.hits.length === 0, `a hostile answer made the webview request the canary: ${canary.hits.join('; ')}`);
}

void startCanary().then((canary) => main('hostile', (s) => session(s, canary)));
