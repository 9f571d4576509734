// The summarize and generate layouts of the result panel, driven by render.mjs with its page helpers.
import * as fx from './fixtures.mjs';

/** @param {{ open: Function, push: Function, settle: Function, shoot: Function, check: Function }} ctx */
export async function previewSummarizeAndGenerate({ open, push, settle, shoot, check }) {
  console.log('[preview] result panel: summarize');
  {
    const page = await open('result', 'dark');
    await push(page, 'result/state', fx.summaryStreaming);
    await settle(page);
    check((await page.textContent('#status')) === 'Summarizing…', '#status says "Summarizing…" while running');
    check((await page.locator('#steps .cod-step[data-index]').count()) === 2, 'two steps shown while streaming');
    check((await page.locator('.cod-step.expanded').getAttribute('data-index')) === '2', 'the newest step is open while streaming');
    check((await page.locator('.badge').count()) === 0, 'no .badge while summarizing');
    await shoot(page, 'summary-streaming-dark');
    await push(page, 'result/state', { ...fx.summaryDone, status: 'judging', judge: null, judgeStatus: 'pending', recommendedStep: null, steps: fx.summarySteps.map((s) => ({ ...s, score: null, reason: null })) });
    await settle(page);
    check((await page.textContent('#status')) === 'Judging…', '#status says "Judging…" while the steps are scored');
    await push(page, 'result/state', fx.summaryDone);
    await settle(page);
    check((await page.locator('.cod-step[data-index]').count()) === 5, 'five .cod-step rows');
    check((await page.locator('.cod-step.recommended').getAttribute('data-index')) === '3', 'step 3 is .recommended');
    check((await page.textContent('.cod-step.recommended'))?.includes('Recommended'), 'the recommended step is labelled');
    check((await page.locator('.cod-step.expanded').count()) === 1, 'only the recommended step is open');
    check((await page.locator('.cod-step.recommended .entity').count()) === 4, 'entities added shown as .entity chips');
    check((await page.locator('.density').count()) === 5, 'a .density per step');
    check((await page.locator('.badge').count()) === 1, 'exactly one .badge in the summarize view');
    check((await page.textContent('.badge'))?.includes('0.91'), '.badge shows the recommended step\'s score');
    await shoot(page, 'summary-done-dark');
    await page.click('.cod-step[data-index="1"] .step-head');
    await settle(page);
    check((await page.getAttribute('.cod-step[data-index="1"] .step-head', 'aria-expanded')) === 'true', 'clicking a step expands it');
    await page.keyboard.press('Enter');
    await settle(page);
    check((await page.locator('.cod-step.expanded').count()) === 1, 'Enter on a focused step collapses it again');
    await page.click('#copy');
    await settle(page);
    const sent = await page.evaluate(() => window.__preview.sent);
    check(sent.some((m) => m.method === 'copy' && m.params.text === fx.summarySteps[2].summary), '#copy copies the recommended summary');
    await page.close();
  }
  for (const theme of ['light', 'hc']) {
    const page = await open('result', theme);
    await push(page, 'result/state', fx.summaryDone);
    await shoot(page, `summary-done-${theme}`);
    await page.close();
  }
  {
    const page = await open('result', 'dark', 480, 760);
    await push(page, 'result/state', fx.summaryDone);
    await shoot(page, 'summary-narrow-dark');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    check(overflow <= 0, `summarize view does not overflow a 480 px panel (${overflow} px)`);
    await page.close();
  }

  console.log('[preview] result panel: generate');
  {
    const page = await open('result', 'dark');
    await push(page, 'result/state', { ...fx.generateProposed, status: 'running', generated: undefined, judge: null, judgeStatus: 'pending', markdown: fx.generateProposed.markdown.slice(0, 420), usage: null, costUsd: null, latencyMs: null });
    await settle(page);
    check((await page.textContent('#status')) === 'Generating…', '#status says "Generating…" while running');
    check(await page.isVisible('#generate-stream'), 'the answer streams as Markdown until the code is extracted');
    await push(page, 'result/state', fx.generateProposed);
    await settle(page);
    check((await page.locator('pre > code.language-typescript').count()) === 1, 'code in <pre><code class="language-typescript">');
    check((await page.textContent('pre > code')) === fx.generatedCode.replace(/\n$/, ''), 'the code is shown verbatim');
    check((await page.getAttribute('#checks .check[data-name="parses"]', 'data-result')) === 'pass', 'parses check passed');
    check((await page.getAttribute('#checks .check[data-name="single-code-block"]', 'data-result')) === 'pass', 'single-code-block check passed');
    check((await page.locator('.badge').count()) === 1, 'exactly one .badge in the generate view');
    check((await page.locator('.criterion').count()) === 3, 'three criteria listed');
    await shoot(page, 'generate-dark');
    await page.click('#show-diff');
    await settle(page);
    await page.click('#accept');
    await settle(page);
    let sent = await page.evaluate(() => window.__preview.sent);
    check(sent.some((m) => m.method === 'generated' && m.params.action === 'showDiff'), '#show-diff sends generated showDiff');
    check(sent.some((m) => m.method === 'generated' && m.params.action === 'accept'), '#accept sends generated accept');
    await page.click('#copy');
    await settle(page);
    sent = await page.evaluate(() => window.__preview.sent);
    check(sent.some((m) => m.method === 'copy' && m.params.text === fx.generatedCode), '#copy copies the generated code');
    await push(page, 'result/state', { ...fx.generateProposed, generated: { ...fx.generateProposed.generated, state: 'accepted' } });
    await settle(page);
    const disabled = await page.evaluate(() => [document.getElementById('accept').disabled, document.getElementById('reject').disabled]);
    check(disabled.every(Boolean), 'accept and reject are disabled once accepted');
    check((await page.textContent('#generated-state'))?.includes('Accepted'), 'the accepted state is shown');
    await page.close();
  }
  for (const [theme, name, state] of [['dark', 'generate-accepted-dark', 'accepted'], ['light', 'generate-light', 'proposed'], ['hc', 'generate-hc', 'proposed']]) {
    const page = await open('result', theme);
    await push(page, 'result/state', { ...fx.generateProposed, generated: { ...fx.generateProposed.generated, state } });
    await shoot(page, name);
    await page.close();
  }
  for (const theme of ['dark', 'light']) {
    const page = await open('result', theme);
    await push(page, 'result/state', fx.generateBroken);
    await settle(page);
    if (theme === 'dark') {
      check((await page.locator('#checks .check[data-result="fail"]').count()) === 2, 'both failed checks shown');
      await page.click('#notes');
      await settle(page);
      check((await page.locator('#notes pre code').count()) === 1, 'the second code block stays in the notes');
      await page.evaluate(() => document.activeElement?.blur());
    }
    await shoot(page, `generate-broken-${theme}`);
    await page.close();
  }
  {
    const page = await open('result', 'dark', 480, 900);
    await push(page, 'result/state', fx.generateProposed);
    await shoot(page, 'generate-narrow-dark');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    check(overflow <= 0, `generate view does not overflow a 480 px panel (${overflow} px)`);
    await page.close();
  }
}
