// Dev-only preview of the two webview panels, outside VS Code:
//   node webview/preview/render.mjs [--keep-open]
// Builds the webview bundles (minified, into out/preview), serves them with the real HTML shell and CSP from
// src/host/panels/webviewHtml.ts, fakes acquireVsCodeApi, feeds fixture states in dark, light and
// high-contrast themes, checks a few behaviours, and writes screenshots to test/e2e/screenshots/preview-*.png.
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as fx from './fixtures.mjs';
import { themeCss } from './themes.mjs';
import { previewSummarizeAndGenerate } from './kinds.mjs';
import { previewFeedback } from './feedback.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const out = join(root, 'out', 'preview');
const ext = join(out, 'ext');
const shots = join(root, 'test', 'e2e', 'screenshots');

// ---------- build ----------
rmSync(out, { recursive: true, force: true });
mkdirSync(join(ext, 'dist', 'codicons'), { recursive: true });
mkdirSync(shots, { recursive: true });
const built = await esbuild.build({
  absWorkingDir: root,
  bundle: true,
  minify: true,
  legalComments: 'none',
  platform: 'browser',
  format: 'iife',
  target: 'es2022',
  entryPoints: { result: 'webview/result/main.ts', trace: 'webview/trace/main.ts' },
  outdir: join(ext, 'dist', 'webview'),
  loader: { '.css': 'css' },
  logLevel: 'warning',
  metafile: true,
});
for (const f of ['codicon.css', 'codicon.ttf']) {
  copyFileSync(join(root, 'node_modules/@vscode/codicons/dist', f), join(ext, 'dist', 'codicons', f));
}
console.log('[preview] minified bundles:');
for (const file of Object.keys(built.metafile.outputs)) {
  console.log(`  ${file.replace(/^.*out\/preview\/ext\//, '').padEnd(24)} ${(statSync(join(root, file)).size / 1024).toFixed(1).padStart(7)} KB`);
}

// The real shell, bundled with a stand-in for the two `vscode` APIs it uses.
const vscodeStub = {
  name: 'vscode-stub',
  setup(b) {
    b.onResolve({ filter: /^vscode$/ }, () => ({ path: 'vscode', namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents: 'export const Uri = { joinPath: (base, ...parts) => ({ path: [base.path, ...parts].join("/") }) };',
      loader: 'js',
    }));
  },
};
await esbuild.build({
  absWorkingDir: root,
  entryPoints: ['src/host/panels/webviewHtml.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile: join(out, 'webviewHtml.mjs'),
  plugins: [vscodeStub],
  logLevel: 'warning',
});
const { renderWebviewHtml } = await import(pathToFileURL(join(out, 'webviewHtml.mjs')).href);

// ---------- serve ----------
const types = { '.js': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf', '.html': 'text/html' };
let origin = '';
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', origin);
  const send = (status, type, body) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(body);
  };
  try {
    if (url.pathname.startsWith('/page/')) {
      const panel = url.pathname.slice('/page/'.length);
      const webview = { cspSource: origin, asWebviewUri: (u) => ({ toString: () => `${origin}${u.path}` }) };
      let html = renderWebviewHtml({ webview, extensionUri: { path: '/ext' }, panel, title: `CODI ${panel}` });
      const nonce = /nonce="([^"]+)"/.exec(html)[1];
      const theme = url.searchParams.get('theme') ?? 'dark';
      html = html
        .replace('<link id="vscode-codicon-stylesheet"', `<link rel="stylesheet" href="${origin}/preview/theme-${theme}.css">\n  <link id="vscode-codicon-stylesheet"`)
        .replace('<script nonce=', `<script nonce="${nonce}" src="${origin}/preview/harness.js"></script>\n  <script nonce=`);
      return send(200, types['.html'], html);
    }
    if (url.pathname.startsWith('/preview/theme-')) return send(200, types['.css'], themeCss(url.pathname.slice(15, -4)));
    if (url.pathname === '/preview/harness.js') return send(200, types['.js'], readFileSync(join(here, 'harness.js')));
    if (url.pathname.startsWith('/ext/')) {
      const file = normalize(join(out, url.pathname));
      if (!file.startsWith(ext)) return send(403, 'text/plain', 'forbidden');
      return send(200, types[extname(file)] ?? 'application/octet-stream', readFileSync(file));
    }
    if (url.pathname === '/favicon.ico') return send(204, 'text/plain', '');
    send(404, 'text/plain', 'not found');
  } catch (err) {
    send(500, 'text/plain', String(err));
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
origin = `http://127.0.0.1:${server.address().port}`;

// ---------- drive ----------
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const failures = [];
const check = (ok, what) => {
  if (ok) console.log(`  ok   ${what}`);
  else {
    console.log(`  FAIL ${what}`);
    failures.push(what);
  }
};

async function open(panel, theme, width = 900, height = 760) {
  const page = await browser.newPage({ viewport: { width, height }, deviceScaleFactor: 1 });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') console.log(`  [${panel}/${theme} console.${m.type()}] ${m.text()}`);
  });
  page.on('pageerror', (e) => failures.push(`${panel}/${theme}: page error ${e.message}`));
  await page.goto(`${origin}/page/${panel}?theme=${theme}`);
  await page.waitForFunction(() => window.__preview?.ready === true);
  return page;
}

const push = (page, event, data) => page.evaluate(([e, d]) => window.__push(e, d), [event, data]);
const settle = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 60)))));
async function shoot(page, name) {
  await settle(page);
  await page.screenshot({ path: join(shots, `preview-${name}.png`), fullPage: true });
  const csp = await page.evaluate(() => window.__preview.csp);
  check(csp.length === 0, `${name}: no CSP violations${csp.length ? ` (${csp.join('; ')})` : ''}`);
  console.log(`  shot test/e2e/screenshots/preview-${name}.png`);
}

async function streamInto(page, chunks) {
  for (const text of chunks) await push(page, 'result/append', { traceId: fx.traceId, text });
}

console.log('[preview] result panel');
{
  const page = await open('result', 'dark');
  await push(page, 'result/state', fx.resultRunning);
  await settle(page);
  check((await page.textContent('#status')) === 'Explaining…', '#status says "Explaining…" while running');
  await streamInto(page, fx.streamChunks.slice(0, Math.floor(fx.streamChunks.length * 0.55)));
  await shoot(page, 'result-streaming-dark');
  await streamInto(page, fx.streamChunks.slice(Math.floor(fx.streamChunks.length * 0.55)));
  await push(page, 'result/state', { ...fx.resultRunning, status: 'judging', markdown: fx.explanation, usage: fx.usage, costUsd: 0.00196, latencyMs: 4380 });
  await settle(page);
  check((await page.textContent('#status')) === 'Judging…', '#status says "Judging…" while judging');
  await shoot(page, 'result-judging-dark');
  check((await page.locator('.badge').count()) === 0, 'no .badge before the judge has scored');
  await push(page, 'result/state', fx.resultDone);
  await settle(page);
  check((await page.textContent('#status')) === 'Done', '#status says "Done"');
  check((await page.locator('.badge').count()) === 1, 'exactly one .badge once judged');
  check((await page.textContent('.badge'))?.includes('0.86'), '.badge shows 0.86');
  check((await page.locator('.criterion').count()) === 4, 'four criteria listed');
  await shoot(page, 'result-done-dark');
  await page.click('#view-trace');
  await page.click('#copy');
  await settle(page);
  const sent = await page.evaluate(() => window.__preview.sent);
  check(sent.some((m) => m.method === 'viewTrace' && m.params.traceId === fx.traceId), '#view-trace sends viewTrace with the trace id');
  check(sent.some((m) => m.method === 'copy' && m.params.text === fx.explanation), '#copy sends the markdown');
  await page.close();
}
for (const theme of ['light', 'hc']) {
  const page = await open('result', theme);
  await push(page, 'result/state', fx.resultDone);
  await shoot(page, `result-done-${theme}`);
  await page.close();
}
{
  const page = await open('result', 'dark', 480, 760);
  await push(page, 'result/state', fx.resultDone);
  await shoot(page, 'result-narrow-dark');
  await page.close();
}
for (const theme of ['dark', 'light']) {
  const page = await open('result', theme, 900, 420);
  await push(page, 'result/state', fx.resultError);
  await settle(page);
  const labels = await page.locator('#error vscode-button').allTextContents();
  check(labels.join('|') === 'Set API key|Open settings|Show log', `error actions labelled (${labels.join(', ')})`);
  await shoot(page, `result-error-${theme}`);
  await page.click('#action-setApiKey');
  await settle(page);
  const sent = await page.evaluate(() => window.__preview.sent);
  check(sent.some((m) => m.method === 'runAction' && m.params.action === 'setApiKey'), 'an error action sends runAction');
  await page.close();
}
{
  const page = await open('result', 'dark');
  await push(page, 'result/state', fx.resultJudgeFailed);
  await settle(page);
  check((await page.textContent('#judge-error'))?.includes('Judge failed: The judge did not'), 'judge failure shown non-fatally');
  check(await page.isVisible('#explanation'), 'explanation still shown when the judge failed');
  await shoot(page, 'result-judge-failed-dark');
  await page.close();
}
{
  const page = await open('result', 'dark');
  await push(page, 'result/state', { ...fx.resultDone, markdown: fx.hostileMarkdown });
  await settle(page);
  const probe = await page.evaluate(() => {
    const ex = document.getElementById('explanation');
    return {
      pwned: window.__pwned ?? null,
      dangerous: ex.querySelectorAll('script, img, style, iframe, [onerror], [onclick], [style]').length,
      // Links never keep an href (they act only through the host's confirmation); http(s) ones keep data-url.
      badLinks: ex.querySelectorAll('a[href]').length + [...ex.querySelectorAll('a[data-url]')].filter((a) => !/^https?:/.test(a.dataset.url ?? '')).length,
      goodLinks: ex.querySelectorAll('a[data-url="https://example.com"]').length,
    };
  });
  check(probe.pwned === null && probe.dangerous === 0 && probe.badLinks === 0, `hostile Markdown neutralised (${JSON.stringify(probe)})`);
  check(probe.goodLinks === 1, 'https links survive sanitising (inert, opened through the host)');
  await page.close();
}

await previewSummarizeAndGenerate({ open, push, settle, shoot, check });

console.log('[preview] trace panel');
for (const theme of ['dark', 'light', 'hc']) {
  const page = await open('trace', theme, 1000, 900);
  await push(page, 'trace/state', { trace: fx.trace });
  await settle(page);
  if (theme === 'dark') {
    check((await page.locator('.span-row').count()) === 4, 'four .span-row rows');
    check((await page.getAttribute('#span-detail', 'data-span-id')) === 's-root', 'root span selected first');
    await page.click('.span-row[data-span-id="s-gen"]');
    await settle(page);
    check((await page.getAttribute('#span-detail', 'data-span-id')) === 's-gen', 'clicking a row shows its detail');
    await page.keyboard.press('ArrowDown');
    await settle(page);
    check((await page.getAttribute('#span-detail', 'data-span-id')) === 's-judge', 'ArrowDown selects the next span');
    await page.keyboard.press('ArrowUp');
    await settle(page);
    check((await page.locator('#span-output .payload-markdown h2').count()) === 2, 'model output rendered as Markdown');
    await page.hover('#span-output');
    await page.click('#span-output vscode-toolbar-button[icon="code"]');
    await settle(page);
    check((await page.locator('#span-output pre.payload-text').count()) === 1, 'raw toggle shows the exact text');
    await page.click('#span-output vscode-toolbar-button[icon="code"]');
    await page.evaluate(() => window.scrollTo(0, 0));
    await shoot(page, `trace-${theme}`);
    await page.click('#copy-trace-id');
    await settle(page);
    const sent = await page.evaluate(() => window.__preview.sent);
    check(sent.some((m) => m.method === 'copy' && m.params.text === fx.traceId), 'copy trace id sends the id');
  } else {
    await page.click('.span-row[data-span-id="s-gen"]');
    await page.evaluate(() => window.scrollTo(0, 0));
    await shoot(page, `trace-${theme}`);
  }
  if (theme === 'dark') {
    await page.click('.span-row[data-span-id="s-judge"]');
    await shoot(page, 'trace-judge-dark');
  }
  await page.close();
}
{
  const page = await open('trace', 'dark', 520, 900);
  await push(page, 'trace/state', { trace: fx.trace });
  await page.click('.span-row[data-span-id="s-judge"] .twistie');
  await settle(page);
  check((await page.locator('.span-row').count()) === 3, 'collapsing a span hides its children');
  await page.click('.span-row[data-span-id="s-gen"]');
  await shoot(page, 'trace-narrow-dark');
  await page.close();
}
{
  const failed = {
    ...fx.trace,
    endTime: fx.trace.startTime + 1890,
    error: { kind: 'quota', message: 'Gemini quota exceeded (429). Retry in 7 s.', status: 429 },
    scores: [],
    usage: null,
    costUsd: null,
    spans: [
      { ...fx.trace.spans[0], endTime: fx.trace.startTime + 1880, output: null },
      { ...fx.trace.spans[1], endTime: fx.trace.startTime + 1870, output: null, usage: null, costUsd: null, error: { kind: 'quota', message: 'Resource has been exhausted (e.g. check quota).', status: 429 }, attributes: { promptName: 'explain', promptVersion: 'a41c9e2', attempts: 3 } },
    ],
  };
  const page = await open('trace', 'dark', 1000, 700);
  await push(page, 'trace/state', { trace: failed });
  await page.click('.span-row[data-span-id="s-gen"]');
  await shoot(page, 'trace-error-dark');
  await page.close();
}

await previewFeedback({ open, push, settle, check });

if (!process.argv.includes('--keep-open')) {
  await browser.close();
  server.close();
}
if (failures.length) {
  console.error(`[preview] ${failures.length} check(s) failed:\n  ${failures.join('\n  ')}`);
  process.exitCode = 1;
} else {
  console.log('[preview] all checks passed');
}
