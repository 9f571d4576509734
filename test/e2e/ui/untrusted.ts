// The untrusted-workspace prompt (issue 11, point 5), as a person meets it in a real VS Code (code-server with
// workspace trust on): the folder is opened in Restricted Mode, "CODI: Explain Selection" asks before sending code;
// declining sends nothing to the model and records nothing; agreeing sends it (so the first check can fail).
// Run: node --import tsx test/e2e/ui/untrusted.ts (CODI_VSIX to skip packaging).
import { check, expect, main, openFile, runCommand, setApiKey, shoot, step } from './harness';

main('untrusted', async ({ page, gemini, shots }) => {
  // VS Code asks about the folder's authors first: "No, I don't trust the authors" (Restricted Mode).
  const dialog = page.locator('.monaco-dialog-box');
  const distrust = dialog.locator('.monaco-button', { hasText: /don.t trust/i }).first();
  if (await distrust.isVisible({ timeout: 15_000 }).catch(() => false)) {
    await shoot(page, shots, 'untrusted-01-vscode-trust-prompt.png');
    await distrust.click();
    step('VS Code: "No, I don\'t trust the authors" (Restricted Mode)');
  } else {
    step('VS Code did not ask about trust at startup; the workspace is untrusted by default');
  }

  const line = await openFile(page, 'lru.ts', 'get(key: K): V | undefined');
  await setApiKey(page);
  await line.click();
  await page.keyboard.press('Home');
  for (let i = 0; i < 6; i++) await page.keyboard.press('Shift+ArrowDown');

  await check('run "CODI: Explain Selection"', () => runCommand(page, 'CODI: Explain Selection'));
  const ask = dialog.filter({ hasText: 'This workspace is not trusted' }).first();
  await check('CODI asks before sending code from an untrusted workspace', () => ask.waitFor({ timeout: 20_000 }));
  await shoot(page, shots, 'untrusted-02-codi-asks.png');
  await check('decline (Cancel)', () => ask.locator('.monaco-button', { hasText: /^Cancel$/ }).first().click({ timeout: 10_000 }));
  await page.waitForTimeout(2000); // a request sent anyway would arrive here
  step(`declined: Gemini stand-in saw ${gemini.requests.length} request(s)`);
  expect(gemini.requests.length === 0, `declining must send nothing, but the stand-in saw ${gemini.requests.map((r) => r.action).join(', ')}`);
  expect(!(await page.locator('.tabs-container .tab', { hasText: /CODI · Explain/ }).first().isVisible().catch(() => false)), 'no result panel after declining');

  // Agreeing sends the code: the check above could have failed.
  await check('run "CODI: Explain Selection" again', () => runCommand(page, 'CODI: Explain Selection'));
  await check('CODI asks again', () => ask.waitFor({ timeout: 20_000 }));
  await check('agree ("Send to Gemini")', () => ask.locator('.monaco-button', { hasText: 'Send to Gemini' }).first().click({ timeout: 10_000 }));
  await check('the request reaches the stand-in after agreeing', () => gemini.waitForRequests(1, 30_000));
  step(`agreed: Gemini stand-in saw ${gemini.requests.length} request(s)`);
}, { workspaceTrust: true, userSettings: { 'security.workspace.trust.enabled': true } });
