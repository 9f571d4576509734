// One esbuild script for every bundle: extension host, CLI, webviews, and (with --tests) the e2e suite.
//   node scripts/build.mjs [--watch] [--production] [--tests]
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const watch = args.has('--watch');
const production = args.has('--production') || process.env.CODI_PRODUCTION === '1';
const withTests = args.has('--tests');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
  absWorkingDir: root,
};

const node = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // sql.js looks for fs/path/crypto only in its Node branch; they are Node built-ins here.
  external: ['vscode'],
  define: { CODI_VERSION: JSON.stringify(pkg.version) },
};

// The heavy libraries are bundled on their own and required on first use, so loading the extension
// (activation) and starting the CLI do not parse them.
const LAZY = { '@google/genai': 'genai', 'sql.js': 'sqljs', typescript: 'typescript', opik: 'opik' };
/** @type {import('esbuild').Plugin} */
const lazyLibs = {
  name: 'lazy-libs',
  setup(b) {
    b.onResolve({ filter: /^(@google\/genai|sql\.js|typescript|opik)$/ }, (a) => (a.kind === 'dynamic-import' ? { path: `./lib/${LAZY[a.path]}.js`, external: true } : undefined));
  },
};
// ESM entry points first: the OpenTelemetry packages ship a CommonJS build that esbuild cannot tree-shake
// (the OTLP serializer alone would pull in every signal's protobuf code, +240 KB) and a side-effect-free ESM one.
const host = { ...node, plugins: [lazyLibs], supported: { 'dynamic-import': false }, mainFields: ['module', 'main'] };

/** @type {import('esbuild').BuildOptions[]} */
const builds = [
  { ...host, entryPoints: { extension: 'src/host/extension.ts' }, outdir: 'dist' },
  { ...host, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  { ...node, entryPoints: { 'lib/genai': 'node_modules/@google/genai/dist/node/index.cjs', 'lib/sqljs': 'node_modules/sql.js/dist/sql-wasm.js', 'lib/typescript': 'node_modules/typescript/lib/typescript.js', 'lib/opik': 'node_modules/opik/dist/index.cjs' }, outdir: 'dist' },
  {
    ...common,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    entryPoints: { result: 'webview/result/main.ts', trace: 'webview/trace/main.ts', dashboard: 'webview/dashboard/main.ts', experiments: 'webview/experiments/main.ts' },
    outdir: 'dist/webview',
    loader: { '.css': 'css' },
  },
];
if (withTests) {
  builds.push({
    ...node,
    entryPoints: { 'suite/index': 'test/e2e/suite/index.ts' },
    outdir: 'out/test/e2e',
    external: ['vscode', 'mocha'],
    sourcemap: 'inline',
  });
}

function copyAssets() {
  mkdirSync(join(root, 'dist/codicons'), { recursive: true });
  copyFileSync(join(root, 'node_modules/sql.js/dist/sql-wasm.wasm'), join(root, 'dist/sql-wasm.wasm'));
  for (const f of ['codicon.css', 'codicon.ttf']) {
    copyFileSync(join(root, 'node_modules/@vscode/codicons/dist', f), join(root, 'dist/codicons', f));
  }
}

function sizes() {
  const out = [];
  const walk = (d) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (!p.endsWith('.map')) out.push([p.slice(root.length + 1), statSync(p).size]);
    }
  };
  walk(join(root, 'dist'));
  return out;
}

if (!watch) rmSync(join(root, 'dist'), { recursive: true, force: true });
mkdirSync(join(root, 'dist'), { recursive: true });
copyAssets();
if (watch) {
  const ctxs = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(ctxs.map((c) => c.watch()));
  console.log('[build] watching…');
} else {
  const t0 = Date.now();
  await Promise.all(builds.map((b) => esbuild.build(b)));
  const list = sizes();
  console.log(`[build] ${production ? 'production' : 'development'} build in ${Date.now() - t0} ms`);
  for (const [p, s] of list) console.log(`  ${p.padEnd(34)} ${(s / 1024).toFixed(1).padStart(8)} KB`);
}
