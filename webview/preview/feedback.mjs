// Opik link states and the user's rating in both panels, driven by render.mjs with its page helpers.
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as fx from './fixtures.mjs';

const shots = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'e2e', 'screenshots');

const opikUrl = `https://www.comet.com/opik/codi/traces?trace=${fx.traceId}`;
export const opikSent = { state: 'sent', url: opikUrl, lastError: null };
export const opikPending = { state: 'pending', url: null, lastError: 'connect ECONNREFUSED 127.0.0.1:5173 (attempt 3, next in 40 s)' };
export const opikFailed = { state: 'failed', url: null, lastError: 'Opik answered 401 Unauthorized: check the Opik API key and workspace.' };

const judgeScores = fx.trace.scores;
/** A trace-level user score as the host writes it for `rate`. */
const userScore = (rating) => ({
  name: 'rating',
  value: rating.kind === 'thumbs' ? rating.value : (rating.value - 1) / 4,
  reason: rating.kind,
  source: 'user',
});
const traceWith = (rating) => ({ ...fx.trace, scores: rating ? [...judgeScores, userScore(rating)] : judgeScores });

const sentOf = (page) => page.evaluate(() => window.__preview.sent);
const attr = (page, sel, name) => page.getAttribute(sel, name);
const overflowOf = (page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/** @param {{ open: Function, push: Function, settle: Function, check: Function }} ctx */
export async function previewFeedback({ open, push, settle, check }) {
  /** The top of the page only: the header is what these states change. */
  async function shootTop(page, name, height = 260) {
    await settle(page);
    const width = page.viewportSize().width;
    await page.screenshot({ path: join(shots, `preview-${name}.png`), clip: { x: 0, y: 0, width, height } });
    const csp = await page.evaluate(() => window.__preview.csp);
    check(csp.length === 0, `${name}: no CSP violations${csp.length ? ` (${csp.join('; ')})` : ''}`);
    console.log(`  shot test/e2e/screenshots/preview-${name}.png`);
  }

  console.log('[preview] result panel: Opik and rating');
  {
    const page = await open('result', 'dark');
    await push(page, 'result/state', { ...fx.resultRunning, opik: opikPending });
    await settle(page);
    check(!(await page.isVisible('#rate-up')) && !(await page.isVisible('#rate-down')), 'no thumbs while the run is running');
    await push(page, 'result/state', { ...fx.resultDone, opik: { state: 'off', url: null, lastError: null } });
    await settle(page);
    check(!(await page.isVisible('#open-in-opik')) && !(await page.isVisible('#opik-state')), 'nothing about Opik when export is off');
    check(await page.isVisible('#rate-up'), 'thumbs shown once done');
    check((await attr(page, '#rate-up', 'aria-pressed')) === 'false' && (await attr(page, '#rate-down', 'aria-pressed')) === 'false', 'no thumb pressed before rating');
    await push(page, 'result/state', { ...fx.resultDone, opik: opikPending });
    await settle(page);
    check((await attr(page, '#opik-state', 'data-state')) === 'pending', '#opik-state[data-state=pending] while queued');
    check((await attr(page, '#opik-state', 'title'))?.includes('ECONNREFUSED'), 'the queued chip\'s tooltip carries the last error');
    check(!(await page.isVisible('#open-in-opik')), 'no Open in Opik while queued');
    await push(page, 'result/state', { ...fx.resultDone, opik: opikSent, rating: { kind: 'thumbs', value: 1 } });
    await settle(page);
    check(await page.isVisible('#open-in-opik'), '#open-in-opik once sent');
    check(!(await page.isVisible('#opik-state')), 'no state chip once sent');
    check((await attr(page, '#rate-up', 'aria-pressed')) === 'true', 'a thumbs-up rating from the host presses #rate-up');
    await shootTop(page, 'result-opik-sent-dark');
    await page.click('#open-in-opik');
    await page.click('#rate-down');
    check((await attr(page, '#rate-down', 'aria-pressed')) === 'true', '#rate-down pressed at once (optimistic)');
    await settle(page);
    let sent = await sentOf(page);
    check(sent.some((m) => m.method === 'openInOpik' && m.params.traceId === fx.traceId), '#open-in-opik sends openInOpik with the trace id');
    check(sent.some((m) => m.method === 'rate' && m.params.traceId === fx.traceId && m.params.rating.kind === 'thumbs' && m.params.rating.value === 0), '#rate-down sends rate thumbs 0');
    check((await attr(page, '#rate-down', 'aria-pressed')) === 'true' && (await attr(page, '#rate-up', 'aria-pressed')) === 'false', 'the acknowledged rating stays before the host re-sends the state');
    await push(page, 'result/state', { ...fx.resultDone, opik: opikSent, rating: { kind: 'thumbs', value: 0 } });
    await page.evaluate(() => (window.__preview.fail.rate = 'The trace store is busy'));
    await page.click('#rate-up');
    await settle(page);
    check((await attr(page, '#rate-up', 'aria-pressed')) === 'false' && (await attr(page, '#rate-down', 'aria-pressed')) === 'true', 'a failed rate reverts to the previous rating');
    check((await page.textContent('#rating-status'))?.includes('Not saved'), 'a failed rate says "Not saved"');
    await shootTop(page, 'result-rate-failed-dark');
    await page.evaluate(() => delete window.__preview.fail.rate);
    await push(page, 'result/state', { ...fx.resultDone, opik: opikSent, rating: { kind: 'stars', value: 4 } });
    await settle(page);
    check((await page.textContent('#rating-note')) === '4/5' && (await attr(page, '#rate-up', 'aria-pressed')) === 'false', 'a star rating from the trace panel shows as a note');
    await page.close();
  }
  for (const theme of ['dark', 'light']) {
    for (const [name, state] of [
      ['sent', { ...fx.resultDone, opik: opikSent, rating: { kind: 'thumbs', value: 1 } }],
      ['pending', { ...fx.resultDone, opik: opikPending }],
      ['failed', { ...fx.resultDone, opik: opikFailed, rating: { kind: 'stars', value: 4 } }],
    ]) {
      if (theme === 'dark' && name === 'sent') continue;
      const page = await open('result', theme);
      await push(page, 'result/state', state);
      await settle(page);
      if (name === 'failed') {
        check((await attr(page, '#opik-state', 'data-state')) === 'failed', `#opik-state[data-state=failed] (${theme})`);
        check((await attr(page, '#opik-state', 'title'))?.includes('401 Unauthorized'), 'the failed chip\'s tooltip carries the error');
      }
      await shootTop(page, `result-opik-${name}-${theme}`);
      await page.close();
    }
  }
  for (const [name, state] of [['sent', opikSent], ['pending', opikPending], ['failed', opikFailed]]) {
    const page = await open('result', 'dark', 480, 760);
    await push(page, 'result/state', { ...fx.resultDone, opik: state, rating: { kind: 'thumbs', value: 1 } });
    await settle(page);
    const overflow = await overflowOf(page);
    check(overflow <= 0, `result header with Opik ${name} and thumbs does not overflow 480 px (${overflow} px)`);
    if (name !== 'pending') await shootTop(page, `result-opik-${name}-narrow-dark`, 320);
    await page.close();
  }

  console.log('[preview] trace panel: Opik and rating');
  {
    const page = await open('trace', 'dark', 1000, 700);
    await push(page, 'trace/state', { trace: { ...fx.trace, endTime: null }, opik: opikPending });
    await settle(page);
    check(!(await page.isVisible('#rating')), 'no rating row while the trace runs');
    await push(page, 'trace/state', { trace: traceWith({ kind: 'stars', value: 4 }), opik: opikSent });
    await settle(page);
    check(await page.isVisible('#open-in-opik'), 'trace header: #open-in-opik once sent');
    check((await page.locator('.star[aria-checked="true"]').getAttribute('data-value')) === '4', 'the user score 0.75 (stars) reads as 4 stars');
    check((await page.locator('.star.filled').count()) === 4, 'four stars filled');
    check((await page.locator('#judge .score-row[data-source="user"]').count()) === 0, 'the user rating is not repeated under Feedback');
    check((await attr(page, '#rate-stars', 'role')) === 'radiogroup' && (await page.locator('.star[role="radio"][tabindex="0"]').count()) === 1, 'stars are a radio group with one tab stop');
    await shootTop(page, 'trace-opik-sent-dark', 200);
    await page.click('#open-in-opik');
    await page.click('.star[data-value="2"]');
    check((await attr(page, '.star[data-value="2"]', 'aria-checked')) === 'true', 'clicking star 2 checks it at once');
    await settle(page);
    let sent = await sentOf(page);
    check(sent.some((m) => m.method === 'openInOpik' && m.params.traceId === fx.traceId), 'trace header: Open in Opik sends openInOpik');
    check(sent.some((m) => m.method === 'rate' && m.params.rating.kind === 'stars' && m.params.rating.value === 2), 'star 2 sends rate stars 2');
    await page.focus('.star[data-value="2"]');
    await push(page, 'trace/state', { trace: traceWith({ kind: 'stars', value: 2 }), opik: opikSent });
    await settle(page);
    check(await page.evaluate(() => document.activeElement?.dataset.value === '2'), 'the focused star keeps focus when the host re-sends the trace');
    const before = (await sentOf(page)).length;
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    check((await attr(page, '.star[data-value="4"]', 'aria-checked')) === 'true', 'ArrowRight twice checks star 4');
    check(await page.evaluate(() => document.activeElement?.dataset.value === '4'), 'focus follows the checked star');
    await page.waitForTimeout(550);
    sent = (await sentOf(page)).slice(before).filter((m) => m.method === 'rate');
    check(sent.length === 1 && sent[0].params.rating.value === 4, `arrow keys send one rate for the star they stop on (${sent.map((m) => m.params.rating.value).join(', ')})`);
    await page.keyboard.press('Home');
    await settle(page);
    check((await attr(page, '.star[data-value="1"]', 'aria-checked')) === 'true', 'Home checks star 1');
    await page.click('#rate-up');
    await settle(page);
    sent = await sentOf(page);
    check(sent.some((m) => m.method === 'rate' && m.params.rating.kind === 'thumbs' && m.params.rating.value === 1), 'trace #rate-up sends rate thumbs 1');
    await push(page, 'trace/state', { trace: traceWith({ kind: 'thumbs', value: 1 }), opik: opikSent });
    await settle(page);
    check((await attr(page, '#rate-up', 'aria-pressed')) === 'true' && (await page.locator('.star[aria-checked="true"]').count()) === 0, 'a thumbs score presses #rate-up and clears the stars');
    await page.evaluate(() => (window.__preview.fail.rate = 'The trace store is busy'));
    await page.click('.star[data-value="5"]');
    await settle(page);
    check((await attr(page, '#rate-up', 'aria-pressed')) === 'true' && (await page.locator('.star[aria-checked="true"]').count()) === 0, 'trace: a failed rate reverts');
    check(await page.isVisible('#rating-status'), 'trace: a failed rate says so');
    await page.close();
  }
  for (const theme of ['dark', 'light']) {
    for (const [name, state] of [
      ['sent', { trace: traceWith({ kind: 'stars', value: 4 }), opik: opikSent }],
      ['pending', { trace: traceWith({ kind: 'thumbs', value: 1 }), opik: opikPending }],
      ['failed', { trace: traceWith(null), opik: opikFailed }],
    ]) {
      if (theme === 'dark' && name === 'sent') continue;
      const page = await open('trace', theme, 1000, 700);
      await push(page, 'trace/state', state);
      await settle(page);
      if (name !== 'sent') check((await attr(page, '#opik-state', 'data-state')) === name, `trace #opik-state[data-state=${name}] (${theme})`);
      await shootTop(page, `trace-opik-${name}-${theme}`, 200);
      await page.close();
    }
  }
  for (const [name, state] of [['sent', opikSent], ['pending', opikPending], ['failed', opikFailed]]) {
    const page = await open('trace', 'dark', 480, 900);
    await push(page, 'trace/state', { trace: traceWith({ kind: 'stars', value: 3 }), opik: state });
    await settle(page);
    const overflow = await overflowOf(page);
    check(overflow <= 0, `trace header with Opik ${name} and the rating row does not overflow 480 px (${overflow} px)`);
    if (name !== 'pending') await shootTop(page, `trace-opik-${name}-narrow-dark`, 300);
    await page.close();
  }
}
