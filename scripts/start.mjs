// `npm start`: CODI installed (from its .vsix) in a real VS Code served by code-server on 127.0.0.1, with the
// sample workspace open. Stays in the foreground until Ctrl+C, then stops code-server.
//   node scripts/start.mjs [--demo] [--fresh] [--no-build]
//   --demo      also start the local Gemini stand-in and point codi.apiBaseUrl at it (works offline;
//               set any API key, e.g. "demo", with "CODI: Set Gemini API Key")
//   --fresh     forget the previous session (user data, installed extension, workspace copy)
//   --no-build  package the current dist/ as is
// Env: CODI_PORT (default 8080; another free port is chosen when it is taken).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseUserSettings, cacheDir, copySampleWorkspace, ensureEnv, freePort, log, startCodeServer, startGeminiStandInProcess } from './e2eEnv.mjs';
import { packageExtension } from './package.mjs';

const args = new Set(process.argv.slice(2));
for (const a of args) {
  if (!['--demo', '--fresh', '--no-build'].includes(a)) {
    console.error(`unknown option ${a}; usage: node scripts/start.mjs [--demo] [--fresh] [--no-build]`);
    process.exit(2);
  }
}
const demo = args.has('--demo');

/** Sets or removes codi.apiBaseUrl in the USER settings (it is application-scoped: a workspace cannot set it),
 * keeping whatever else is there; drops the workspace value older sessions wrote.
 * @param {string} runDir @param {string} workspace @param {string | undefined} url */
function setUserBaseUrl(runDir, workspace, url) {
  const file = join(runDir, 'ud', 'User', 'settings.json');
  /** @type {Record<string, unknown>} */
  let settings = { ...baseUserSettings };
  try { settings = JSON.parse(readFileSync(file, 'utf8')); } catch { /* missing or hand-edited with comments: start over */ }
  if (url) settings['codi.apiBaseUrl'] = url;
  else delete settings['codi.apiBaseUrl'];
  mkdirSync(join(runDir, 'ud', 'User'), { recursive: true });
  writeFileSync(file, JSON.stringify(settings, null, 2) + '\n');
  const wsFile = join(workspace, '.vscode', 'settings.json');
  try {
    const ws = JSON.parse(readFileSync(wsFile, 'utf8'));
    if ('codi.apiBaseUrl' in ws) {
      delete ws['codi.apiBaseUrl'];
      writeFileSync(wsFile, JSON.stringify(ws, null, 2) + '\n');
    }
  } catch { /* no workspace settings */ }
}

/** @param {string[]} lines */
function banner(lines) {
  const width = Math.max(...lines.map((l) => l.length)) + 4;
  console.log(`\n  ╔${'═'.repeat(width)}╗`);
  for (const l of lines) console.log(`  ║  ${l.padEnd(width - 2)}║`);
  console.log(`  ╚${'═'.repeat(width)}╝\n`);
}

async function main() {
  const vsix = await packageExtension({ build: !args.has('--no-build') });
  await ensureEnv();

  // One persistent session folder, so the API key and the traces survive a restart (--fresh resets it).
  const runDir = join(cacheDir, 'start');
  if (args.has('--fresh')) rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  const workspace = existsSync(join(runDir, 'workspace')) ? join(runDir, 'workspace') : copySampleWorkspace(runDir);

  /** @type {{ url: string, stop(): Promise<void> } | undefined} */
  let gemini;
  if (demo) {
    gemini = await startGeminiStandInProcess();
    log(`demo mode: Gemini stand-in on ${gemini.url}`);
  }
  setUserBaseUrl(runDir, workspace, gemini?.url);

  const wanted = Number(process.env.CODI_PORT || 8080);
  const port = await freePort(wanted);
  if (port !== wanted) log(`port ${wanted} is taken; using ${port}`);
  const cs = await startCodeServer({ runDir, folder: workspace, port, vsix });

  const stop = async () => {
    log('stopping…');
    await cs.stop();
    await gemini?.stop();
  };
  let stopping = false;
  for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
    process.on(sig, () => {
      if (stopping) return;
      stopping = true;
      void stop().then(() => process.exit(0));
    });
  }

  banner([
    'CODI is running in VS Code (code-server ' + cs.url.replace('http://', '') + ')',
    '',
    `Open  ${cs.url}/`,
    '',
    `workspace  ${workspace}`,
    demo ? 'Gemini     local stand-in (offline demo): set any API key, e.g. "demo"'
      : 'Gemini     run "CODI: Set Gemini API Key" first (or npm run start:demo)',
    `log        ${cs.logFile}`,
    'Ctrl+C stops it.',
  ]);

  const code = await cs.exited;
  if (!stopping) {
    console.error(`code-server exited on its own (code ${code}); see ${cs.logFile}`);
    await gemini?.stop();
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(`[start] ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
