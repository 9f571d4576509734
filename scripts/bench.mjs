// `npm run bench`: the trace store engine against two baselines, at 1k, 10k and 100k stored traces of
// 6 spans and ~6 KB each. Prints a JSON object, then a readable table. Not a test: nothing is asserted.
//   node scripts/bench.mjs [--sizes 1000,10000,100000] [--json-only] [--keep] [--engine-only]
// (--engine-only skips the two baselines: the engine's rows, the dashboard's included, in a fraction of the time.)
// Baselines: the walking skeleton's sql.js export-and-rewrite per trace (measured with 20 samples, 3 at
// 100k), and better-sqlite3 in WAL mode (native; synchronous=FULL, i.e. durable like the engine).
// Every measurement runs in a fresh process (scripts/benchWorker.mjs), one after the other.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const sizesArg = argv[argv.indexOf('--sizes') + 1];
const sizes = argv.includes('--sizes') && sizesArg ? sizesArg.split(',').map(Number) : [1000, 10_000, 100_000];
const log = (m) => process.stderr.write(`[bench] ${m}\n`);

// The store is TypeScript: bundle it (sql.js and better-sqlite3 stay external) so plain node can load it.
const bundle = join(root, 'out', 'bench', 'store.cjs');
await build({
  stdin: {
    contents: `export * from './src/core/store/traceStore'; export { encodeTrace } from './src/core/store/summary'; export { SegmentBuilder } from './src/core/store/segmentBuilder'; export { STORE_VERSION } from './src/core/store/manifest';`,
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: bundle,
  external: ['sql.js', 'better-sqlite3'],
  logLevel: 'warning',
});

let bsqMissing = null;
try {
  const Database = createRequire(import.meta.url)('better-sqlite3');
  new Database(':memory:').close();
} catch (e) {
  bsqMissing = `better-sqlite3 could not be loaded (${String(e.message ?? e).split('\n')[0]}); run \`npm ci\` (its install script builds the native module; approved in package.json "allowScripts").`;
  log(bsqMissing);
}

/** Flushes dirty pages first, so a generator's writeback does not slow the next measurement's fsyncs. */
function worker(mode, n, dir) {
  if (process.platform !== 'win32') spawnSync('sync');
  const r = spawnSync(process.execPath, ['--expose-gc', join(root, 'scripts/benchWorker.mjs'), mode, String(n), dir, bundle], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 15 * 60_000 });
  const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last);
  } catch {
    return { ok: false, error: `${mode} exited with ${r.status ?? r.signal}: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}` };
  }
}

const results = {};
for (const n of sizes) {
  const row = (results[n] = {});
  const t0 = Date.now();
  const e = mkdtempSync(join(tmpdir(), `codi-bench-engine-${n}-`));
  log(`${n} traces: engine (generate, then measure)`);
  row.engineSetup = worker('engine-gen', n, e);
  row.engine = worker('engine', n, e);
  const nv = mkdtempSync(join(tmpdir(), `codi-bench-naive-${n}-`));
  const skipped = { ok: false, error: 'skipped (--engine-only)' };
  if (flag('--engine-only')) row.naive = skipped;
  else {
    log(`${n} traces: naive sql.js export-and-rewrite`);
    const ng = worker('naive-gen', n, nv);
    row.naive = ng.ok ? worker('naive', n, nv) : ng;
  }
  if (flag('--engine-only')) row.betterSqlite3 = skipped;
  else if (bsqMissing) {
    row.betterSqlite3 = { ok: false, error: bsqMissing };
  } else {
    const b = mkdtempSync(join(tmpdir(), `codi-bench-bsq-${n}-`));
    log(`${n} traces: better-sqlite3 WAL`);
    const bg = worker('bsq-gen', n, b);
    row.betterSqlite3 = bg.ok ? worker('bsq', n, b) : bg;
    if (!flag('--keep')) rmSync(b, { recursive: true, force: true });
  }
  if (!flag('--keep')) for (const d of [e, nv]) rmSync(d, { recursive: true, force: true });
  log(`${n} traces done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

// A naive run that could not complete at some size is extrapolated linearly from the largest measured one.
const measured = sizes.filter((n) => results[n].naive.ok);
for (const n of sizes) {
  const nv = results[n].naive;
  if (nv.ok || !measured.length || flag('--engine-only')) continue;
  const base = measured[measured.length - 1];
  const f = n / base;
  results[n].naive = { ok: true, extrapolatedFrom: base, why: nv.error, persistP50Ms: results[base].naive.persistP50Ms * f, persistP99Ms: results[base].naive.persistP99Ms * f };
}

const big = Math.max(...sizes);
const small = Math.min(...sizes);
const E = results[big].engine;
const goals = E.ok
  ? {
      persistP50AtMost2ms: E.persistP50Ms <= 2,
      persistFlat: E.persistP50Ms <= 1.5 * results[small].engine.persistP50Ms + 0.2,
      cheaperThanNaive: results[big].naive.ok ? results[big].naive.persistP50Ms / E.persistP50Ms : null,
      atLeast100xCheaperThanNaive: results[big].naive.ok ? results[big].naive.persistP50Ms / E.persistP50Ms >= 100 : null,
      vsBetterSqlite3: results[big].betterSqlite3.ok ? E.persistP50Ms / results[big].betterSqlite3.persistP50Ms : null,
      within3xOfBetterSqlite3: results[big].betterSqlite3.ok ? E.persistP50Ms / results[big].betterSqlite3.persistP50Ms <= 3 : null,
      coldOpenAtMost1s: E.coldOpenMs <= 1000,
      rssAtMost250MB: E.rssAfterOpenMB <= 250,
      pageAtMost10ms: E.pageMs <= 10 && E.pageFilteredMs <= 10,
      searchAtMost300ms: E.searchMs <= 300,
      dashboard30dAtMost30ms: E.dashboard30dMs <= 30,
      dashboard90dAtMost60ms: E.dashboard90dMs <= 60,
      compareAtMost30ms: E.compareMs <= 30,
      errorGroupsAtMost20ms: E.errorGroupsMs <= 20,
    }
  : null;

const report = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model, date: new Date().toISOString(), sizes, tracesAt: big, results, goals };
console.log(JSON.stringify(report, null, 2));
if (flag('--json-only')) process.exit(0);

const fmt = (v, d = 2) => (v === null || v === undefined || Number.isNaN(v) ? '—' : typeof v === 'number' ? (Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(d)) : String(v));
const label = (n) => (n >= 1000 ? `${n / 1000}k` : String(n));
const lines = [];
const head = (title) => lines.push('', title, `  ${''.padEnd(30)}${sizes.map((n) => label(n).padStart(12)).join('')}`);
const line = (name, pick, d) => lines.push(`  ${name.padEnd(30)}${sizes.map((n) => fmt(pick(results[n]), d).padStart(12)).join('')}`);
lines.push(`CODI trace store benchmark — Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ${report.date.slice(0, 10)}`);
const setup = results[big].engineSetup;
lines.push(`Synthetic traces: 6 spans, ${fmt((setup.avgTraceJsonBytes ?? NaN) / 1000, 1)} KB of JSON each (${fmt((setup.avgRecordBytes ?? NaN) / 1000, 1)} KB as a journal record with framing and index summary), code from typescript.js and prose from READMEs, over 90 days.`);
head('Engine (journal + sql.js index)');
line('persist p50 (ms)', (r) => r.engine.persistP50Ms);
line('persist p99 (ms)', (r) => r.engine.persistP99Ms);
line('ingest, 1000 sequential (/s)', (r) => r.engine.ingestPerSec);
line('cold open (ms)', (r) => r.engine.coldOpenMs);
line('RSS after open (MB)', (r) => r.engine.rssAfterOpenMB, 0);
line('page of 50 newest (ms)', (r) => r.engine.pageMs);
line('page of 50, tag+score (ms)', (r) => r.engine.pageFilteredMs);
line('text search, 50 hits (ms)', (r) => r.engine.searchMs);
line('daily aggregates, 30 d (ms)', (r) => r.engine.aggregates30dMs);
line('get one trace, lazy (ms)', (r) => r.engine.getMs);
line('dashboard, first call after open (ms)', (r) => r.engine.dashboardFirstMs);
line('dashboard, 30 d (ms)', (r) => r.engine.dashboard30dMs);
line('dashboard, 90 d (ms)', (r) => r.engine.dashboard90dMs);
line('dashboard, 30 d, one tag (ms)', (r) => r.engine.dashboardTag30dMs);
line('model + prompt comparison (ms)', (r) => r.engine.compareMs);
line('error groups, 30 d (ms)', (r) => r.engine.errorGroupsMs);
line('judge calibration, 30 d (ms)', (r) => r.engine.calibrationMs);
line('index rebuild, no snapshot (ms)', (r) => r.engineSetup.rebuildIndexMs, 0);
head('Baseline: sql.js export-and-rewrite per trace (the walking skeleton)');
line('persist p50 (ms)', (r) => r.naive.persistP50Ms);
line('persist p99 (ms)', (r) => r.naive.persistP99Ms);
line('cold open (ms)', (r) => r.naive.coldOpenMs);
line('RSS after open (MB)', (r) => r.naive.rssAfterOpenMB, 0);
line('RSS after writes (MB)', (r) => r.naive.rssAfterWritesMB, 0);
line('samples', (r) => (r.naive.extrapolatedFrom ? `extrap.` : r.naive.samples), 0);
line('engine is cheaper by (×)', (r) => (r.naive.ok && r.engine.ok ? r.naive.persistP50Ms / r.engine.persistP50Ms : null), 0);
head('Baseline: better-sqlite3, WAL, synchronous=FULL (native)');
if (bsqMissing) lines.push(`  missing: ${bsqMissing}`);
else {
  line('persist p50 (ms)', (r) => r.betterSqlite3.persistP50Ms);
  line('persist p99 (ms)', (r) => r.betterSqlite3.persistP99Ms);
  line('persist p50, sync=NORMAL (ms)', (r) => r.betterSqlite3.persistP50NormalMs);
  line('ingest, 1000 sequential (/s)', (r) => r.betterSqlite3.ingestPerSec);
  line('cold open (ms)', (r) => r.betterSqlite3.coldOpenMs);
  line('RSS after open (MB)', (r) => r.betterSqlite3.rssAfterOpenMB, 0);
  line('page of 50 newest (ms)', (r) => r.betterSqlite3.pageMs);
  line('page of 50, tag+score (ms)', (r) => r.betterSqlite3.pageFilteredMs);
  line('text search, 50 hits (ms)', (r) => r.betterSqlite3.searchMs);
  line('daily aggregates, 30 d (ms)', (r) => r.betterSqlite3.aggregates30dMs);
  line('get one trace (ms)', (r) => r.betterSqlite3.getMs);
  line('engine / better-sqlite3 persist', (r) => (r.betterSqlite3.ok && r.engine.ok ? r.engine.persistP50Ms / r.betterSqlite3.persistP50Ms : null));
}
for (const n of sizes) for (const [k, v] of Object.entries(results[n])) if (v && v.ok === false) lines.push(`  ! ${label(n)} ${k}: ${v.error}`);
for (const n of sizes) if (results[n].naive.extrapolatedFrom) lines.push(`  note: naive at ${label(n)} extrapolated linearly from ${label(results[n].naive.extrapolatedFrom)} (${results[n].naive.why})`);
if (goals) {
  lines.push('', `Goals at ${label(big)}:`);
  const mark = (ok) => (ok === null ? '  ?' : ok ? '  ✓' : '  ✗');
  lines.push(`${mark(goals.persistP50AtMost2ms)} persist p50 ≤ 2 ms (${fmt(E.persistP50Ms)} ms), flat from ${label(small)}${goals.persistFlat ? '' : ' ✗'}`);
  lines.push(`${mark(goals.atLeast100xCheaperThanNaive)} ≥ 100× cheaper than export-and-rewrite (${fmt(goals.cheaperThanNaive, 0)}×)`);
  lines.push(`${mark(goals.within3xOfBetterSqlite3)} within 3× of better-sqlite3 (${fmt(goals.vsBetterSqlite3)}×)`);
  lines.push(`${mark(goals.coldOpenAtMost1s)} cold open ≤ 1 s (${fmt(E.coldOpenMs, 0)} ms)`);
  lines.push(`${mark(goals.rssAtMost250MB)} RSS ≤ 250 MB (${fmt(E.rssAfterOpenMB, 0)} MB)`);
  lines.push(`${mark(goals.pageAtMost10ms)} page ≤ 10 ms (${fmt(E.pageMs)} / ${fmt(E.pageFilteredMs)} ms)`);
  lines.push(`${mark(goals.searchAtMost300ms)} search ≤ 300 ms (${fmt(E.searchMs)} ms)`);
  lines.push(`${mark(goals.dashboard30dAtMost30ms && goals.dashboard90dAtMost60ms)} dashboard ≤ 30 ms for 30 d, ≤ 60 ms for 90 d (${fmt(E.dashboard30dMs)} / ${fmt(E.dashboard90dMs)} ms)`);
  lines.push(`${mark(goals.compareAtMost30ms)} model + prompt comparison ≤ 30 ms (${fmt(E.compareMs)} ms)`);
  lines.push(`${mark(goals.errorGroupsAtMost20ms)} error groups ≤ 20 ms (${fmt(E.errorGroupsMs)} ms)`);
}
console.log(lines.join('\n'));
