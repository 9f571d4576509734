import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { TraceStore } from '../../src/core/store/traceStore';
import type { Score } from '../../src/shared/types';
import { makeTrace, tempDir, WASM } from '../support/fixtures';
import { journalFiles } from '../support/storeKit';

const open = (dir: string, extra: Partial<Parameters<typeof TraceStore.open>[0]> = {}) => TraceStore.open({ dir, wasmPath: WASM, ...extra });

describe('TraceStore: journal + index', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir()));
  afterEach(() => t.cleanup());

  it('saves a trace durably and reads it back after reopening', async () => {
    const s1 = await open(t.dir);
    const trace = makeTrace();
    await s1.saveTrace(trace);
    await s1.close();
    const s2 = await open(t.dir);
    assert.deepEqual(await s2.get(trace.id), trace);
    const [row] = s2.list();
    assert.equal(row!.id, trace.id);
    assert.equal(row!.score, 0.9);
    assert.equal(row!.durationMs, 120);
    assert.equal(row!.totalTokens, 35);
    assert.equal(row!.model, 'gemini-2.5-flash');
    assert.deepEqual(s2.issues, []);
    await s2.close();
  });

  it('lists newest first, honours the limit, and finds a trace by id prefix', async () => {
    const s = await open(t.dir);
    const base = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const tr = makeTrace({ startTime: base + i * 1000, name: `t${i}` });
      ids.push(tr.id);
      await s.saveTrace(tr);
    }
    assert.deepEqual(s.list({ limit: 3 }).map((r) => r.name), ['t4', 't3', 't2']);
    assert.equal((await s.get(ids[2]!.slice(0, 13)))?.name, 't2');
    assert.equal(await s.get(ids[2]!.slice(0, 7)), null, 'a prefix shorter than 8 characters is not enough');
    assert.equal(await s.get('zzzzzzzz'), null);
    assert.equal(s.count(), 5);
    await s.close();
  });

  it('shares one sync among concurrent saves (group commit) and keeps them all', async () => {
    const s = await open(t.dir);
    const traces = Array.from({ length: 50 }, (_, i) => makeTrace({ name: `g${i}` }));
    await Promise.all(traces.map((x) => s.saveTrace(x)));
    assert.equal(s.count(), 50);
    await s.close();
    const again = await open(t.dir);
    for (const x of traces) assert.equal((await again.get(x.id))?.name, x.name);
    assert.equal((await journalFiles(t.dir)).length, 1, 'one writer process, one segment');
    await again.close();
  });

  it('keeps traces written concurrently by two stores on the same folder (two windows)', async () => {
    const a = await open(t.dir);
    const b = await open(t.dir);
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 10; i++) {
      writes.push(a.saveTrace(makeTrace({ name: `a${i}` })));
      writes.push(b.saveTrace(makeTrace({ name: `b${i}` })));
    }
    await Promise.all(writes);
    await a.close();
    await b.close();
    const c = await open(t.dir);
    assert.equal(c.count(), 20);
    await c.close();
  });

  it('sees traces another writer added after a refresh, and notifies listeners', async () => {
    const a = await open(t.dir);
    const b = await open(t.dir);
    let notified = 0;
    a.onDidChange(() => notified++);
    const tr = makeTrace();
    await b.saveTrace(tr);
    assert.equal(await a.get(tr.id), null);
    assert.equal(await a.refresh(), 1);
    assert.deepEqual(await a.get(tr.id), tr);
    assert.equal(notified, 1);
    assert.equal(await a.refresh(), 0, 'nothing new');
    assert.equal(notified, 1);
    await a.close();
    await b.close();
  });

  it('keeps payloads out of the index and reads them lazily after reopening', async () => {
    const s = await open(t.dir, { snapshotEvery: 1 });
    const marker = 'PAYLOAD-ONLY-MARKER-7f3a';
    const big = makeTrace({ input: { code: `${'x'.repeat(50_000)} ${marker}` }, output: `${'y'.repeat(150_000)} ${marker}` });
    await s.saveTrace(big);
    await s.saveTrace(makeTrace({ name: 'small' }));
    await s.close();
    const snapshot = await fs.readFile(join(t.dir, 'index.snapshot'));
    assert.ok(snapshot.length < 150_000, `the index holds summaries, not payloads (${snapshot.length} bytes)`);
    assert.equal(snapshot.indexOf(marker), -1, 'the payload is not in the index snapshot');
    const [seg] = await journalFiles(t.dir);
    assert.ok((await fs.readFile(join(t.dir, 'journal', seg!))).indexOf(marker) > 0, 'the payload is in the journal');
    const again = await open(t.dir);
    assert.equal(again.count(), 2);
    assert.deepEqual(await again.get(big.id), big);
    await again.close();
  });

  it('appends scores to a saved trace: summary score, get(), reopen and other readers all agree', async () => {
    const s = await open(t.dir);
    const reader = await open(t.dir);
    const tr = makeTrace({}, 0.5);
    await s.saveTrace(tr);
    const late: Score[] = [
      { name: 'overall', value: 0.8, reason: 're-judged', source: 'judge', spanId: null },
      { name: 'thumbs', value: 1, reason: '', source: 'user', spanId: null },
    ];
    await s.addScores(tr.id, late);
    assert.equal(s.list()[0]!.score, 0.8);
    assert.deepEqual((await s.get(tr.id))!.scores, [...tr.scores, ...late]);
    await assert.rejects(s.addScores('0190e6f2-0000-7000-8000-000000000000', late), /no trace/);
    await reader.refresh();
    assert.equal(reader.list()[0]!.score, 0.8);
    assert.equal((await reader.get(tr.id))!.scores.length, 3);
    await s.close();
    await reader.close();
    await fs.rm(join(t.dir, 'index.snapshot'), { force: true });
    const rebuilt = await open(t.dir);
    assert.equal(rebuilt.list()[0]!.score, 0.8);
    assert.deepEqual((await rebuilt.get(tr.id))!.scores, [...tr.scores, ...late]);
    await rebuilt.close();
  });

  it('opens from the snapshot and replays only the journal written after it', async () => {
    const a = await open(t.dir, { snapshotEvery: 1 });
    for (let i = 0; i < 10; i++) await a.saveTrace(makeTrace({ name: `s${i}` }));
    await a.close();
    const snapshot = await fs.stat(join(t.dir, 'index.snapshot'));
    const b = await open(t.dir);
    for (let i = 0; i < 5; i++) await b.saveTrace(makeTrace({ name: `tail${i}` }));
    await b.close();
    assert.equal((await fs.stat(join(t.dir, 'index.snapshot'))).mtimeMs, snapshot.mtimeMs, 'few new records: no new snapshot on close');
    const c = await open(t.dir);
    assert.equal(c.count(), 15);
    assert.deepEqual(c.list({ limit: 1 }).map((r) => r.name), ['tail4']);
    await c.close();
  });

  it('rejects a save whose sync fails, takes it back out of the index, and keeps working', async () => {
    const s = await open(t.dir);
    const first = makeTrace({ name: 'first' });
    await s.saveTrace(first);
    const fh = (s as unknown as { writer: { fh: { datasync(): Promise<void> } } }).writer.fh;
    const real = fh.datasync.bind(fh);
    let seen = -1;
    fh.datasync = async () => {
      await new Promise((r) => setImmediate(r));
      seen = s.count(); // while the sync is in flight the new trace is already indexed…
      throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    };
    const lost = makeTrace({ name: 'lost' });
    await assert.rejects(s.saveTrace(lost), /EIO/);
    assert.equal(seen, 2);
    assert.deepEqual(s.list().map((r) => r.name), ['first'], '…and taken out when the sync fails');
    fh.datasync = real;
    const next = makeTrace({ name: 'next' });
    await s.saveTrace(next);
    await s.close();
    const again = await open(t.dir);
    assert.deepEqual(again.list().map((r) => r.name).sort(), ['first', 'next']);
    assert.deepEqual(await again.get(next.id), next);
    assert.deepEqual(again.issues, []);
    await again.close();
  });

  it('rotates segments past the size limit and reads across them', async () => {
    const s = await open(t.dir, { segmentMaxBytes: 4096 });
    const traces = Array.from({ length: 12 }, (_, i) => makeTrace({ name: `r${i}` }));
    for (const x of traces) await s.saveTrace(x);
    await s.close();
    assert.ok((await journalFiles(t.dir)).length >= 3);
    const again = await open(t.dir);
    assert.equal(again.count(), 12);
    for (const x of traces) assert.deepEqual(await again.get(x.id), x);
    await again.close();
  });
});
