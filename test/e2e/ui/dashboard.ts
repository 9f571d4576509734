// The dashboard as a person opens it, in a real VS Code (code-server) with CODI from its .vsix and a trace
// store seeded with 10,000 traces over 90 days (the bench's synthetic traces: three models, two prompt
// versions, ratings, four error kinds): "CODI: Open Dashboard" from the palette, the time until the first
// chart is drawn, the 90-day range, the Traces view opened from a model row, and screenshots in the light,
// dark and high-contrast themes (the charts are redrawn with the theme's colours).
// Run: node --import tsx test/e2e/ui/dashboard.ts (env: see harness.ts)
import { dirname, join } from 'node:path';
import type { Frame } from 'playwright-core';
// @ts-expect-error plain ESM helper shared with the benchmark (no types)
import { corpus, makeTrace, rng, startTimes } from '../../../scripts/benchData.mjs';
import { STORE_VERSION } from '../../../src/core/store/manifest';
import { SegmentBuilder } from '../../../src/core/store/segmentBuilder';
import { encodeTrace } from '../../../src/core/store/summary';
import { TraceStore } from '../../../src/core/store/traceStore';
import type { TraceRecord } from '../../../src/shared/types';
import type { UiSession } from './harness';
import { check, expect, frameWith, main, runCommand, shoot, step, pickTheme, THEME } from './harness';

const TRACES = 10_000;
const root = join(__dirname, '..', '..', '..');

/** Writes the traces as one sealed journal segment, then opens the store once (index + snapshot), as a previous session would have. */
async function seed(userDataDir: string): Promise<void> {
  // The shared store of the run (CODI_HOME, set by scripts/e2eEnv.mjs isolatedEnv beside the user-data dir).
  const dir = join(dirname(userDataDir), 'codi-home');
  const wasmPath = require.resolve('sql.js/dist/sql-wasm.wasm');
  await (await TraceStore.open({ dir, wasmPath })).close();
  const now = Date.now();
  const make = makeTrace as (c: unknown, r: () => number, start: number) => TraceRecord;
  const c: unknown = corpus(root);
  const r = (rng as (seed: number) => () => number)(TRACES);
  const b = await SegmentBuilder.create(join(dir, 'journal'), 'migration', STORE_VERSION);
  for (const start of (startTimes as (n: number, now: number) => number[])(TRACES, now - 60_000)) await b.add(encodeTrace(now, make(c, r, start)).frame);
  await b.commit();
  const t0 = performance.now();
  const s = await TraceStore.open({ dir, wasmPath });
  const count = s.count();
  await s.close();
  step(`seeded ${count} traces in ${dir} (index built in ${(performance.now() - t0).toFixed(0)} ms)`);
}

const drawnAt = async (f: Frame) => (await f.locator('body').getAttribute('data-charts-drawn')) ?? '';


async function session(s: UiSession): Promise<void> {
  const { page, shots } = s;
  const csp: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) csp.push(m.text());
  });

  const t0 = Date.now();
  await check('run "CODI: Open Dashboard"', () => runCommand(page, 'CODI: Open Dashboard'));
  let dash = await check('the first chart is drawn', () => frameWith(page, '#chart-runs canvas', 90_000));
  const firstChartMs = Date.now() - t0;
  step(`time from "Open Dashboard" to the first chart drawn, ${TRACES.toLocaleString('en-US')} traces in the store: ${firstChartMs} ms`);
  console.log(`DASHBOARD_FIRST_CHART_MS=${firstChartMs}`);

  const meta = (await dash.locator('#dashboard-meta').innerText()).trim();
  step(`dashboard (30 days): ${meta}`);
  const shown = Number(/^(\d+) traces/.exec(meta)?.[1]);
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'Quality dropped to' }).first();
  const alert = (await check('the quality alert notification', () => toast.innerText({ timeout: 20_000 }))).replace(/\s+/g, ' ').trim();
  step(`alert: ${alert}`);
  expect(/Quality dropped to 0\.\d\d over the last 20 runs/.test(alert) && alert.includes('Open Dashboard') && alert.includes("Don't Show Again Today"), `the alert should name the value, the window and both buttons: "${alert}"`);
  const bar = page.locator('.part.statusbar .statusbar-item', { hasText: 'CODI quality' }).first();
  await check('the status bar warns about quality', () => bar.waitFor({ state: 'visible', timeout: 10_000 }));
  step(`status bar: "${(await bar.innerText()).trim()}"`);
  await shoot(page, shots, '19-dashboard-alert.png');
  await check("dismiss the alert for today", () => toast.locator('.monaco-button', { hasText: "Don't Show Again Today" }).click());
  expect(shown > 3000 && shown < 3500, `30 of the 90 days should hold about a third of ${TRACES} traces, the dashboard says "${meta}"`);
  const models = await dash.locator('#table-model tbody tr').count();
  expect(models === 3, `the model table should have the 3 seeded models, has ${models}`);
  const prompts = await dash.locator('#table-promptVersion tbody tr').count();
  expect(prompts === 2, `the prompt table should have the 2 seeded prompt versions, has ${prompts}`);
  const errorKinds = await dash.locator('#table-errors tbody tr').count();
  expect(errorKinds === 4, `the error table should have the 4 seeded error kinds, has ${errorKinds}`);
  expect(await dash.locator('#calibration-table').isVisible(), 'the calibration 2×2 table is shown');
  const tableRows = await dash.locator('#chart-runs .chart-data tbody tr').count();
  expect(tableRows >= 30, `the runs chart has its data table behind it (${tableRows} rows)`);
  for (const id of ['runs', 'score', 'latency', 'cost']) expect((await dash.locator(`#chart-${id} canvas`).count()) > 0, `chart ${id} is drawn`);
  await shoot(page, shots, '20-dashboard-light-10k.png');

  await check('close the dashboard', () => runCommand(page, 'View: Close All Editors'));
  const t1 = Date.now();
  await check('run "CODI: Open Dashboard" again', () => runCommand(page, 'CODI: Open Dashboard'));
  dash = await check('the first chart is drawn again', () => frameWith(page, '#chart-runs canvas', 60_000));
  step(`again, with the store already open: ${Date.now() - t1} ms to the first chart`);

  await check('choose the 90-day range', () => dash.locator('button[data-range="90d"]').click());
  await check('the 90-day figures arrive', () => dash.locator('button[data-range="90d"][aria-pressed="true"]').waitFor({ timeout: 30_000 }));
  const meta90 = (await dash.locator('#dashboard-meta').innerText()).trim();
  step(`dashboard (90 days): ${meta90}`);
  const shown90 = Number(/^(\d+) traces/.exec(meta90)?.[1]);
  expect(shown90 > 9900 && shown90 <= TRACES, `90 days should show (nearly) all ${TRACES} traces: "${meta90}"`);
  await check('open the data table of the latency chart', () => dash.locator('#chart-latency details summary').click());
  await shoot(page, shots, '21-dashboard-light-90d-table.png');

  for (const [theme, shot] of [
    [THEME.dark, '22-dashboard-dark.png'],
    [THEME.hcDark, '23-dashboard-high-contrast.png'],
    [THEME.hcLight, '24-dashboard-light-high-contrast.png'],
  ] as const) {
    const before = await drawnAt(dash);
    await pickTheme(page, theme);
    await check(`the charts are redrawn for ${theme.name}`, async () => {
      const deadline = Date.now() + 15_000;
      while ((await drawnAt(dash)) === before) {
        if (Date.now() > deadline) throw new Error('no redraw after the theme change');
        await page.waitForTimeout(200);
      }
    });
    await shoot(page, shots, shot);
  }
  await pickTheme(page, THEME.light);

  const model = (await dash.locator('#table-model tbody .link').first().innerText()).trim();
  await check('click the first model row', () => dash.locator('#table-model tbody .link').first().click());
  // The view says what it is filtered by (its message names the model and the number of matches).
  const message = page.locator('.part.sidebar .tree-explorer-viewlet-tree-view .message', { hasText: `model ${model}` }).first();
  await check('the Traces view opens, filtered by the model', () => message.waitFor({ state: 'visible', timeout: 20_000 }));
  step(`Traces view message: "${(await message.innerText()).replace(/\s+/g, ' ').trim()}"`);
  // Today's group is expanded and, with the Experiments view below, fills the Traces view: collapse it
  // (a click on a day toggles it) so that yesterday's group is on screen, as a person would.
  const today = page.locator('.part.sidebar .monaco-list-row', { hasText: 'Today' }).first();
  if (await today.isVisible()) await check("collapse today's group", () => today.click());
  // About 111 traces a day over three models: yesterday's group holds about a third once filtered by one.
  const yesterday = page.locator('.part.sidebar .monaco-list-row', { hasText: 'Yesterday' }).first();
  await check("yesterday's group is shown", () => yesterday.waitFor({ state: 'visible', timeout: 20_000 }));
  const group = (await yesterday.innerText()).replace(/\s+/g, ' ').trim();
  step(`Traces view, filtered by the model: "${group}"`);
  const n = Number(/(\d+) traces?/.exec(group)?.[1]);
  expect(n > 10 && n < 70, `yesterday's group should hold one model's traces (about 37 of 111), holds ${n}`);
  await shoot(page, shots, '25-dashboard-traces-by-model.png');
  expect(csp.length === 0, `no CSP violations in the dashboard, saw: ${csp.join(' | ')}`);
}

// A high quality threshold: the seeded runs (judge scores 0.3–1.0) are below it, so opening the store alerts.
main('dashboard', session, { beforeStart: seed, userSettings: { 'codi.alerts.minScore': 0.9 } });
