/**
 * Builds the real `codi` bundle for tests (as scripts/build.mjs does for opik: a dynamic `import('opik')`
 * becomes `require('./lib/opik.js')`, whose test build appends to $CODI_TEST_SDK_MARK when loaded) and runs
 * it as a child process with a clean environment.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Plugin } from 'esbuild';
import { build } from 'esbuild';
import { tempDir, WASM } from './fixtures';

const ROOT = resolve(__dirname, '../..');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

const lazyOpik: Plugin = {
  name: 'lazy-opik',
  setup(b) {
    b.onResolve({ filter: /^opik$/ }, (a) => (a.kind === 'dynamic-import' ? { path: './lib/opik.js', external: true } : undefined));
  },
};

/** Builds dist-like `cli.js` + `lib/opik.js` + `sql-wasm.wasm` into a temp folder. */
export async function buildCli(prefix: string): Promise<{ cli: string; cleanup: () => void }> {
  const bin = tempDir(prefix);
  const cli = join(bin.dir, 'cli.js');
  const node = { platform: 'node', format: 'cjs', bundle: true, target: 'node20', logLevel: 'silent', absWorkingDir: ROOT } as const;
  await Promise.all([
    build({ ...node, entryPoints: ['src/cli/main.ts'], outfile: cli, plugins: [lazyOpik], supported: { 'dynamic-import': false }, define: { CODI_VERSION: JSON.stringify('9.9.9-test') } }),
    build({
      ...node,
      entryPoints: ['node_modules/opik/dist/index.cjs'],
      outfile: join(bin.dir, 'lib/opik.js'),
      banner: { js: 'if (process.env.CODI_TEST_SDK_MARK) require("node:fs").appendFileSync(process.env.CODI_TEST_SDK_MARK, "loaded\\n");' },
    }),
  ]);
  copyFileSync(WASM, join(bin.dir, 'sql-wasm.wasm'));
  return { cli, cleanup: bin.cleanup };
}

/** Variables of the parent that would change the CLI's behaviour; removed before each run. */
const INHERITED = /^(OPIK_|CODI_|GOOGLE_|GEMINI_|DOTENV_)|^NODE_OPTIONS$/;

/** Starts `node cli.js args` in `cwd` with only `env` on top of a cleaned environment; `done` settles on exit. */
export function startCli(cli: string, args: string[], cwd: string, env: Record<string, string>, timeoutMs = 45_000): { child: ChildProcessWithoutNullStreams; done: Promise<CliRun> } {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(base)) if (INHERITED.test(k)) delete base[k];
  const t0 = Date.now();
  const child = spawn(process.execPath, [cli, ...args], { cwd, env: { ...base, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end();
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliRun>((res, rej) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error(`codi ${args.join(' ')} did not exit; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      res({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    });
  });
  return { child, done };
}
