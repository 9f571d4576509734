/**
 * Builds the real `codi` bundle for tests (as scripts/build.mjs does for opik: a dynamic `import('opik')`
 * becomes `require('./lib/opik.js')`, whose test build appends to $CODI_TEST_SDK_MARK when loaded) and runs
 * it as a child process with a clean environment.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Plugin } from 'esbuild';
import { build } from 'esbuild';
import { tempDir, WASM } from './fixtures';
import { startGeminiStandIn } from './geminiStandIn';
import type { GeminiStandIn } from './geminiStandIn';

type TempDir = ReturnType<typeof tempDir>;

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
    build({ ...node, entryPoints: ['src/cli/main.ts'], outfile: cli, plugins: [lazyOpik], mainFields: ['module', 'main'], supported: { 'dynamic-import': false }, define: { CODI_VERSION: JSON.stringify('9.9.9-test') } }),
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

/** What `useCliKit` gives a suite: the built CLI, a Gemini stand-in, a temp CODI_HOME and a temp working folder. */
export interface CliKit {
  /** The built `cli.js`. */
  readonly cli: string;
  /** A fresh stand-in for each test. */
  readonly gemini: GeminiStandIn;
  /** CODI_HOME of the current test (empty at its start). */
  readonly home: string;
  /** The working folder of the current test (holds `files`). */
  readonly work: string;
  /** Starts `codi args` in `work` with a key, the stand-in and `home`, plus `env`. */
  start(args: string[], env?: Record<string, string>, timeoutMs?: number): { child: ChildProcessWithoutNullStreams; done: Promise<CliRun> };
  /** `start(...)` and wait for the exit. */
  codi(args: string[], env?: Record<string, string>, timeoutMs?: number): Promise<CliRun>;
}

/**
 * Registers the mocha hooks every CLI suite needs (build once; per test: a stand-in, a temp home and a working
 * folder with `files`, all removed after) and returns the kit whose fields follow the current test.
 */
export function useCliKit(name: string, opts: { files?: Record<string, string>; env?: Record<string, string> } = {}): CliKit {
  let bin: { cli: string; cleanup: () => void } | undefined;
  let gemini: GeminiStandIn | undefined;
  let home: TempDir | undefined;
  let work: TempDir | undefined;
  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`useCliKit: ${what} is only there inside a test`);
    return v;
  };
  before(async () => {
    bin = await buildCli(`codi-${name}-bin-`);
  });
  after(() => bin?.cleanup());
  beforeEach(async () => {
    gemini = await startGeminiStandIn();
    home = tempDir(`codi-${name}-home-`);
    work = tempDir(`codi-${name}-work-`);
    for (const [file, text] of Object.entries(opts.files ?? {})) writeFileSync(join(work.dir, file), text);
  });
  afterEach(async () => {
    await gemini?.close();
    home?.cleanup();
    work?.cleanup();
  });
  const kit: CliKit = {
    get cli() { return need(bin, 'the CLI').cli; },
    get gemini() { return need(gemini, 'the Gemini stand-in'); },
    get home() { return need(home, 'CODI_HOME').dir; },
    get work() { return need(work, 'the working folder').dir; },
    start(args, env = {}, timeoutMs = 30_000) {
      return startCli(kit.cli, args, kit.work, { GEMINI_API_KEY: 'test-key', GOOGLE_GEMINI_BASE_URL: kit.gemini.url, CODI_HOME: kit.home, ...opts.env, ...env }, timeoutMs);
    },
    codi(args, env, timeoutMs) {
      return kit.start(args, env, timeoutMs).done;
    },
  };
  return kit;
}
