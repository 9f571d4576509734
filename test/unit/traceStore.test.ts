import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { TraceStore } from '../../src/core/store/traceStore';
import { makeTrace, tempDir, WASM } from '../support/fixtures';

describe('TraceStore (sql.js, persisted)', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir()));
  afterEach(() => t.cleanup());

  it('saves a trace durably and reads it back after reopening', async () => {
    const s1 = await TraceStore.open({ dir: t.dir, wasmPath: WASM });
    const trace = makeTrace();
    await s1.saveTrace(trace);
    await s1.close();
    const s2 = await TraceStore.open({ dir: t.dir, wasmPath: WASM });
    assert.deepEqual(s2.get(trace.id), trace);
    const [row] = s2.list();
    assert.equal(row!.id, trace.id);
    assert.equal(row!.score, 0.9);
    assert.equal(row!.durationMs, 120);
    assert.equal(row!.totalTokens, 35);
    assert.equal(row!.model, 'gemini-2.5-flash');
    await s2.close();
  });

  it('lists newest first, honours the limit, and finds a trace by id prefix', async () => {
    const s = await TraceStore.open({ dir: t.dir, wasmPath: WASM });
    const base = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const tr = makeTrace({ startTime: base + i * 1000, name: `t${i}` });
      ids.push(tr.id);
      await s.saveTrace(tr);
    }
    assert.deepEqual(s.list({ limit: 3 }).map((r) => r.name), ['t4', 't3', 't2']);
    assert.equal(s.get(ids[2]!.slice(0, 13))?.name, 't2');
    assert.equal(s.get('zzzzzzzz'), null);
    await s.close();
  });

  it('keeps traces written concurrently by two stores on the same folder (two windows)', async () => {
    const a = await TraceStore.open({ dir: t.dir, wasmPath: WASM });
    const b = await TraceStore.open({ dir: t.dir, wasmPath: WASM });
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 10; i++) {
      writes.push(a.saveTrace(makeTrace({ name: `a${i}` })));
      writes.push(b.saveTrace(makeTrace({ name: `b${i}` })));
    }
    await Promise.all(writes);
    await a.close();
    await b.close();
    const c = await TraceStore.open({ dir: t.dir, wasmPath: WASM });
    assert.equal(c.count(), 20);
    await c.close();
  });

  it('keeps every trace when separate processes write at once', async function () {
    this.timeout(60_000);
    const script = join(t.dir, 'writer.ts');
    const storeModule = require.resolve('../../src/core/store/traceStore');
    const fixtures = require.resolve('../support/fixtures');
    await fs.writeFile(
      script,
      `import { TraceStore } from ${JSON.stringify(storeModule)};
       import { makeTrace, WASM } from ${JSON.stringify(fixtures)};
       (async () => { const s = await TraceStore.open({ dir: process.argv[2]!, wasmPath: WASM });
         for (let i = 0; i < 15; i++) await s.saveTrace(makeTrace({ name: process.argv[3] + i }));
         await s.close(); })();`,
    );
    const run = (name: string) =>
      new Promise<number>((resolve) => spawn(process.execPath, ['--import', 'tsx', script, t.dir, name], { stdio: 'inherit' }).on('exit', (c) => resolve(c ?? 1)));
    const codes = await Promise.all([run('p'), run('q'), run('r')]);
    assert.deepEqual(codes, [0, 0, 0]);
    const s = await TraceStore.open({ dir: t.dir, wasmPath: WASM });
    assert.equal(s.count(), 45);
    await s.close();
  });

  it('sees traces another writer added after a refresh, and notifies listeners', async () => {
    const a = await TraceStore.open({ dir: t.dir, wasmPath: WASM });
    const b = await TraceStore.open({ dir: t.dir, wasmPath: WASM });
    let notified = 0;
    a.onDidChange(() => notified++);
    const tr = makeTrace();
    await b.saveTrace(tr);
    assert.equal(a.get(tr.id), null);
    assert.equal(await a.refresh(), 1);
    assert.equal(a.get(tr.id)?.id, tr.id);
    assert.equal(notified, 1);
    await a.close();
    await b.close();
  });

  it('refuses a store written by a newer schema without changing it', async () => {
    const s = await TraceStore.open({ dir: t.dir, wasmPath: WASM });
    await s.saveTrace(makeTrace());
    await s.close();
    // Bump the stored schema version as a newer CODI would.
    const initSqlJs = (await import('sql.js')).default;
    const SQL = await initSqlJs({ locateFile: () => WASM });
    const file = join(t.dir, 'traces.sqlite');
    const db = new SQL.Database(await fs.readFile(file));
    db.run("UPDATE meta SET value = '99' WHERE key = 'schema_version'");
    const newer = Buffer.from(db.export());
    await fs.writeFile(file, newer);
    await assert.rejects(TraceStore.open({ dir: t.dir, wasmPath: WASM }), /newer CODI/);
    assert.ok(newer.equals(await fs.readFile(file)), 'the newer store must be left untouched');
  });
});
