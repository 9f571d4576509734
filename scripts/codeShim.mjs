#!/usr/bin/env node
// The project's stand-in "VS Code executable" for @vscode/test-electron's runTests({ vscodeExecutablePath })
// (and @vscode/test-cli's useInstallation.fromPath). Desktop VS Code cannot be downloaded on these machines,
// so this accepts the desktop CLI flags and runs the same extension tests in code-server's real Node
// extension host, with headless Debian Chromium as the window:
//   1. code-server on a free 127.0.0.1 port with `--vscode-option enable-smoke-test-driver`,
//   2. the workbench opened with the payload extensionDevelopmentPath / extensionTestsPath,
//   3. the test output (window.codeAutomationLog) mirrored to stdout; the exit code is the one the
//      workbench passes to window.codeAutomationExit (0 pass, 1 fail), 1 on timeout, 2 on a harness error.
// Flags it understands: --extensionDevelopmentPath=, --extensionTestsPath=, --user-data-dir=, --extensions-dir=
// and a folder; other desktop flags (--no-sandbox, --disable-updates, --skip-welcome, …) are ignored.
// Env: CODE_SHIM_TIMEOUT_MS (default 300000), CODE_SHIM_VERBOSE=1 (also print workbench console errors).
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { format } from 'node:util';
import { chromium } from 'playwright-core';
import { chromiumArgs, chromiumPath, ensureChromium, makeRunDir, startCodeServer } from './e2eEnv.mjs';

// Workbench chatter that says nothing about the tests (shown with CODE_SHIM_VERBOSE=1). The gallery look-ups
// fail by design: these machines reach no extension gallery.
const NOISE = [/ENOTFOUND open-vsx\.org/, /^(Resolving|Resolved) connection token/, /^Creating a socket/,
  /^\[reconnection-grace-time\]/, /^Updating additional builtin extensions cache/, /^\[Service Worker\]/,
  /^\[AgentHost/, /^\[AccountPolicyGate\]/];

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {{ devPaths: string[], testsPath?: string, userDataDir?: string, extensionsDir?: string, folder?: string }} */
  const o = { devPaths: [] };
  const valued = new Set(['extensionDevelopmentPath', 'extensionTestsPath', 'user-data-dir', 'extensions-dir']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    let m = /^--([^=]+)=(.*)$/.exec(a);
    if (!m && a.startsWith('--') && valued.has(a.slice(2)) && i + 1 < argv.length) m = [a, a.slice(2), argv[++i]];
    if (m?.[1] === 'extensionDevelopmentPath') o.devPaths.push(resolve(m[2]));
    else if (m?.[1] === 'extensionTestsPath') o.testsPath = resolve(m[2]);
    else if (m?.[1] === 'user-data-dir') o.userDataDir = resolve(m[2]);
    else if (m?.[1] === 'extensions-dir') o.extensionsDir = resolve(m[2]);
    else if (!a.startsWith('-')) o.folder = resolve(a);
  }
  return o;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  ensureChromium();
  // Keep the run's files beside the user-data dir the runner chose, else in a fresh run folder.
  const runDir = args.userDataDir ? join(dirname(args.userDataDir), 'shim') : makeRunDir('shim');
  mkdirSync(runDir, { recursive: true });
  const folder = args.folder ?? join(runDir, 'empty-workspace');
  mkdirSync(folder, { recursive: true });

  const cs = await startCodeServer({
    runDir, folder, userDataDir: args.userDataDir, extensionsDir: args.extensionsDir, quiet: true,
    extraArgs: ['--vscode-option', 'enable-smoke-test-driver'],
  });
  const udd = join(runDir, 'chromium-profile');
  rmSync(udd, { recursive: true, force: true });
  const ctx = await chromium.launchPersistentContext(udd, { executablePath: chromiumPath, headless: true, args: chromiumArgs });
  const stopAll = async () => {
    await ctx.close().catch(() => {});
    await cs.stop();
    rmSync(udd, { recursive: true, force: true });
  };
  for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
    process.once(sig, () => { void stopAll().finally(() => process.exit(130)); });
  }
  try {
    const page = ctx.pages()[0] ?? await ctx.newPage();
    const verbose = Boolean(process.env.CODE_SHIM_VERBOSE);
    let suppressed = 0;
    if (verbose) page.on('console', (m) => { if (m.type() === 'error') console.error(`[workbench] ${m.text()}`); });
    /** @type {(code: unknown) => void} */
    let exited = () => {};
    const exitCode = new Promise((r) => { exited = r; });
    await page.exposeFunction('codeAutomationLog', (/** @type {string} */ type, /** @type {unknown[]} */ logArgs) => {
      const line = format(...(logArgs ?? []));
      if (!verbose && NOISE.some((re) => re.test(line))) { suppressed++; return; }
      if (type === 'error' || type === 'warn') console.error(line); else console.log(line);
    });
    await page.exposeFunction('codeAutomationExit', (/** @type {unknown} */ code) => exited(code));
    const authority = `127.0.0.1:${cs.port}`;
    const payload = args.devPaths.map((p) => ['extensionDevelopmentPath', `vscode-remote://${authority}${p}`]);
    if (args.testsPath) payload.push(['extensionTestsPath', `vscode-remote://${authority}${args.testsPath}`]);
    await page.goto(`${cs.url}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    if (!args.testsPath) {
      console.log(`code-shim: workbench open at ${cs.url} (no --extensionTestsPath); Ctrl+C to stop`);
      await new Promise(() => {});
    }
    const timeoutMs = Number(process.env.CODE_SHIM_TIMEOUT_MS || 300_000);
    let timer;
    const code = await Promise.race([exitCode, new Promise((r) => { timer = setTimeout(() => r('timeout'), timeoutMs); })]);
    clearTimeout(timer);
    if (suppressed) console.log(`code-shim: ${suppressed} workbench log line(s) without test output hidden (CODE_SHIM_VERBOSE=1 shows them)`);
    if (code === 'timeout') console.error(`code-shim: the extension tests reported no result within ${timeoutMs} ms (code-server log: ${cs.logFile})`);
    return code === 0 ? 0 : 1;
  } finally {
    await stopAll();
  }
}

main().then((code) => process.exit(code), (e) => { console.error('code-shim:', e); process.exit(2); });
