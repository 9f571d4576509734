// One measurement of `npm run bench`, in its own process (so RSS and cold open are clean):
//   node --expose-gc scripts/benchWorker.mjs <engine-gen|engine|naive-gen|naive|bsq-gen|bsq> <n> <dir> <storeBundle>
// Prints one JSON object on the last line of stdout.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { corpus, DAY, makeTrace, rng, SEARCH_WORDS, startTimes } from './benchData.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const [mode, nArg, dir, bundle] = process.argv.slice(2);
const n = Number(nArg);
const WASM = join(root, 'node_modules/sql.js/dist/sql-wasm.wasm');
const now = Date.now();

const ms = (t0) => performance.now() - t0;
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] : null;
};
const median = (xs) => pct(xs, 50);
const rss = () => {
  globalThis.gc?.();
  return Math.round(process.memoryUsage().rss / 1048576);
};
async function timed(runs, fn) {
  const t = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn(i);
    t.push(ms(t0));
  }
  return median(t);
}
const freshTraces = (count, seed) => {
  const c = corpus(root);
  const r = rng(seed);
  return Array.from({ length: count }, (_, i) => makeTrace(c, r, now + i));
};
const filtered = { tag: 'perf', minScore: 0.5, maxScore: 0.8 };
const monthAgo = now - 30 * DAY;

/** The same summary columns as the engine's index, for the SQL baselines. */
const SQL_SCHEMA = `
CREATE TABLE IF NOT EXISTS traces (id TEXT PRIMARY KEY, name TEXT, type TEXT, start_time INTEGER, end_time INTEGER, score REAL, tags TEXT,
  thread_id TEXT, model TEXT, total_tokens INTEGER, cost_usd REAL, error TEXT, search TEXT, record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS traces_start ON traces (start_time DESC, id DESC);
CREATE TABLE IF NOT EXISTS trace_tags (tag TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (tag, id)) WITHOUT ROWID;`;
const rowOf = (t) => {
  const search = `${t.name}\n${t.input.code.slice(0, 240)}\n${t.output.slice(0, 240)}`.toLowerCase().replace(/\s+/g, ' ');
  const score = t.scores[0]?.value ?? null;
  return [t.id, t.name, t.type, t.startTime, t.endTime, score, JSON.stringify(t.tags), t.threadId, t.metadata.model, t.usage.totalTokens, t.costUsd, t.error ? JSON.stringify(t.error) : null, search, JSON.stringify(t)];
};
const INSERT = 'INSERT OR REPLACE INTO traces VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
const PAGE = 'SELECT id, name, type, start_time, end_time, score, tags, thread_id, model, total_tokens, cost_usd, error FROM traces';
const FILTERED = `${PAGE} WHERE id IN (SELECT id FROM trace_tags WHERE tag = ?) AND score >= ? AND score <= ? ORDER BY start_time DESC, id DESC LIMIT 50`;
const SEARCH = `${PAGE} WHERE instr(search, ?) > 0 ORDER BY start_time DESC, id DESC LIMIT 50`;
const AGG = `SELECT start_time / ${DAY} AS d, COUNT(*), AVG(score), TOTAL(total_tokens), TOTAL(cost_usd), TOTAL(error IS NOT NULL) FROM traces WHERE start_time >= ? GROUP BY d`;
const AGG_LAT = `SELECT start_time / ${DAY} AS d, end_time - start_time AS ms FROM traces WHERE start_time >= ? ORDER BY d, ms`;

async function engineGen() {
  const { TraceStore, SegmentBuilder, encodeTrace, STORE_VERSION } = require(bundle);
  const s0 = await TraceStore.open({ dir, wasmPath: WASM });
  await s0.close();
  const c = corpus(root);
  const r = rng(n);
  const t0 = performance.now();
  let bytes = 0;
  let json = 0;
  let sampled = 0;
  const starts = startTimes(n, now - 60_000);
  for (let i = 0; i < n; i += 10_000) {
    const b = await SegmentBuilder.create(join(dir, 'journal'), 'migration', STORE_VERSION);
    for (const start of starts.slice(i, i + 10_000)) {
      const trace = makeTrace(c, r, start);
      const { frame } = encodeTrace(now, trace);
      if (sampled < 1000) {
        json += Buffer.byteLength(JSON.stringify(trace));
        sampled++;
      }
      bytes += frame.length;
      await b.add(frame);
    }
    await b.commit();
  }
  const writeMs = ms(t0);
  const t1 = performance.now();
  const s = await TraceStore.open({ dir, wasmPath: WASM });
  const rebuildMs = ms(t1);
  const count = s.count();
  await s.close();
  return { generatedTraces: count, journalBytes: bytes, avgRecordBytes: Math.round(bytes / n), avgTraceJsonBytes: Math.round(json / sampled), generateMs: Math.round(writeMs), rebuildIndexMs: Math.round(rebuildMs) };
}

async function engine() {
  const { TraceStore } = require(bundle);
  const t0 = performance.now();
  const s = await TraceStore.open({ dir, wasmPath: WASM });
  const coldOpenMs = ms(t0);
  const rssAfterOpenMB = rss();
  const out = { coldOpenMs, rssAfterOpenMB, traces: s.count() };
  out.pageMs = await timed(30, () => s.query({ limit: 50 }));
  out.pageFilteredMs = await timed(30, () => s.query({ limit: 50, ...filtered }));
  out.searchMs = median(await Promise.all(SEARCH_WORDS.map((w) => timed(3, () => s.query({ limit: 50, text: w })))));
  out.aggregates30dMs = await timed(5, () => s.aggregates({ from: monthAgo, to: now + DAY, bucket: 'day' }));
  // The dashboard's data (store analysis: rollups + covering index), whole and by part.
  const A = s.analysis();
  const dash = (range) => A.dashboard({ range, filter: {}, now, utcOffsetMs: 0 });
  const w30 = { from: now - 30 * DAY, to: now + 3_600_000 };
  // The first call after open reads the hourly rollups into memory (rollupCache.ts): reported on its own row.
  // The goals are for the calls after it (every range or filter change and every live update), measured once
  // a few untimed calls have let the JIT settle.
  out.dashboardFirstMs = await timed(1, () => dash('30d'));
  for (let i = 0; i < 5; i++) dash(i % 2 ? '30d' : '90d');
  out.dashboard30dMs = await timed(7, () => dash('30d'));
  out.dashboard90dMs = await timed(7, () => dash('90d'));
  out.dashboardTag30dMs = await timed(5, () => A.dashboard({ range: '30d', filter: { tag: 'perf' }, now, utcOffsetMs: 0 }));
  out.compareMs = await timed(7, () => [A.compare('model', {}, w30), A.compare('prompt', {}, w30)]);
  out.errorGroupsMs = await timed(7, () => A.errorGroups({}, w30));
  out.calibrationMs = await timed(7, () => A.calibration({}, w30));
  const ids = s.query({ limit: 200 }).items.map((x) => x.id);
  out.getMs = await timed(50, (i) => s.get(ids[(i * 7) % ids.length]));
  const fresh = freshTraces(1300, 7);
  const persist = [];
  for (const [i, t] of fresh.slice(0, 300).entries()) {
    const t1 = performance.now();
    await s.saveTrace(t);
    if (i >= 20) persist.push(ms(t1));
  }
  out.persistP50Ms = pct(persist, 50);
  out.persistP99Ms = pct(persist, 99);
  const t2 = performance.now();
  for (const t of fresh.slice(300)) await s.saveTrace(t);
  out.ingestPerSec = 1000 / (ms(t2) / 1000);
  out.rssAfterWritesMB = rss();
  await s.close();
  return out;
}

async function naiveGen() {
  const SQL = await require('sql.js')({ locateFile: () => WASM });
  const db = new SQL.Database();
  db.run(SQL_SCHEMA);
  const c = corpus(root);
  const r = rng(n);
  const ins = db.prepare(INSERT);
  db.run('BEGIN');
  for (const start of startTimes(n, now - 60_000)) ins.run(rowOf(makeTrace(c, r, start)));
  db.run('COMMIT');
  ins.free();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'traces.sqlite'), db.export());
  return {};
}

/** The walking skeleton's way: insert, export the whole database, write it to a temp file, fsync, rename. */
async function naive() {
  const SQL = await require('sql.js')({ locateFile: () => WASM });
  const file = join(dir, 'traces.sqlite');
  const t0 = performance.now();
  const db = new SQL.Database(readFileSync(file));
  db.exec('SELECT COUNT(*) FROM traces');
  const out = { coldOpenMs: ms(t0), rssAfterOpenMB: rss() };
  const samples = n >= 100_000 ? 3 : 20;
  out.samples = samples;
  const persist = [];
  for (const t of freshTraces(samples, 9)) {
    const t1 = performance.now();
    db.run(INSERT, rowOf(t));
    const bytes = db.export();
    const fd = openSync(`${file}.tmp`, 'w');
    writeSync(fd, bytes);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(`${file}.tmp`, file);
    persist.push(ms(t1));
  }
  out.persistP50Ms = pct(persist, 50);
  out.persistP99Ms = pct(persist, 99);
  out.fileMB = Math.round(readFileSync(file).length / 1048576);
  out.rssAfterWritesMB = rss();
  return out;
}

function bsqOpen() {
  const Database = require('better-sqlite3');
  const db = new Database(join(dir, 'bsq.sqlite'));
  db.pragma('journal_mode = WAL');
  return db;
}

async function bsqGen() {
  mkdirSync(dir, { recursive: true });
  const db = bsqOpen();
  db.exec(SQL_SCHEMA);
  const ins = db.prepare(INSERT);
  const tag = db.prepare('INSERT OR IGNORE INTO trace_tags VALUES (?, ?)');
  const c = corpus(root);
  const r = rng(n);
  db.transaction(() => {
    for (const start of startTimes(n, now - 60_000)) {
      const t = makeTrace(c, r, start);
      ins.run(rowOf(t));
      for (const g of t.tags) tag.run(g, t.id);
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return {};
}

async function bsq() {
  const t0 = performance.now();
  const db = bsqOpen();
  db.pragma('synchronous = FULL');
  db.prepare('SELECT COUNT(*) FROM traces').get();
  const out = { coldOpenMs: ms(t0), rssAfterOpenMB: rss() };
  const page = db.prepare(`${PAGE} ORDER BY start_time DESC, id DESC LIMIT 50`);
  const filt = db.prepare(FILTERED);
  const search = db.prepare(SEARCH);
  const agg = db.prepare(AGG);
  const lat = db.prepare(AGG_LAT);
  const get = db.prepare('SELECT record FROM traces WHERE id = ?');
  out.pageMs = await timed(30, () => page.all());
  out.pageFilteredMs = await timed(30, () => filt.all(filtered.tag, filtered.minScore, filtered.maxScore));
  out.searchMs = median(await Promise.all(SEARCH_WORDS.map((w) => timed(3, () => search.all(w)))));
  out.aggregates30dMs = await timed(5, () => {
    agg.all(monthAgo);
    lat.all(monthAgo);
  });
  const ids = page.all().map((x) => x.id);
  out.getMs = await timed(50, (i) => JSON.parse(get.get(ids[(i * 7) % ids.length]).record));
  const ins = db.prepare(INSERT);
  const tag = db.prepare('INSERT OR IGNORE INTO trace_tags VALUES (?, ?)');
  const save = db.transaction((t) => {
    ins.run(rowOf(t));
    for (const g of t.tags) tag.run(g, t.id);
  });
  const fresh = freshTraces(1500, 11);
  const persist = [];
  for (const [i, t] of fresh.slice(0, 300).entries()) {
    const t1 = performance.now();
    save(t);
    if (i >= 20) persist.push(ms(t1));
  }
  out.persistP50Ms = pct(persist, 50);
  out.persistP99Ms = pct(persist, 99);
  const t2 = performance.now();
  for (const t of fresh.slice(300, 1300)) save(t);
  out.ingestPerSec = 1000 / (ms(t2) / 1000);
  db.pragma('synchronous = NORMAL');
  const normal = [];
  for (const t of fresh.slice(1300)) {
    const t1 = performance.now();
    save(t);
    normal.push(ms(t1));
  }
  out.persistP50NormalMs = pct(normal, 50);
  out.rssAfterWritesMB = rss();
  db.close();
  return out;
}

const modes = { 'engine-gen': engineGen, engine, 'naive-gen': naiveGen, naive, 'bsq-gen': bsqGen, bsq };
try {
  const result = await modes[mode]();
  console.log(JSON.stringify({ ok: true, ...result }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: String(e?.stack ?? e).split('\n').slice(0, 3).join(' | ') }));
}
