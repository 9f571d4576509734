import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { encodeRecord, RecordKind } from '../../src/core/store/codec';
import { headerFor, newSegmentName } from '../../src/core/store/journal';
import { SCHEMA_VERSION, TraceStore } from '../../src/core/store/traceStore';
import { makeTrace, tempDir, WASM } from '../support/fixtures';
import { fingerprint, journalFiles, writeSkeletonStore } from '../support/storeKit';

const DAY = 86_400_000;
const open = (dir: string, extra: Partial<Parameters<typeof TraceStore.open>[0]> = {}) => TraceStore.open({ dir, wasmPath: WASM, ...extra });

describe('TraceStore: versions, migration, retention, compaction', function () {
  this.timeout(30_000);
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir('codi-store-')));
  afterEach(() => t.cleanup());

  it('migrates the walking skeleton’s traces.sqlite forward on first open, once, keeping the old file', async () => {
    const old = [0, 1, 2].map((i) => makeTrace({ name: `old${i}`, startTime: Date.now() - (3 - i) * 1000, tags: i ? ['x'] : [] }));
    await writeSkeletonStore(t.dir, WASM, old);
    const s = await open(t.dir);
    assert.equal(s.count(), 3);
    for (const x of old) assert.deepEqual(await s.get(x.id), x);
    assert.deepEqual(s.list().map((r) => r.name), ['old2', 'old1', 'old0']);
    assert.equal(s.list()[0]!.score, 0.9, 'summary columns are recomputed from the records');
    await s.saveTrace(makeTrace({ name: 'new' }));
    await s.close();
    const files = await fs.readdir(t.dir);
    assert.ok(!files.includes('traces.sqlite'));
    assert.equal(files.filter((f) => /^traces\.sqlite\.v1-.*\.bak$/.test(f)).length, 1, 'the old file is kept, renamed');
    assert.equal(JSON.parse(await fs.readFile(join(t.dir, 'store.json'), 'utf8')).version, SCHEMA_VERSION);
    const again = await open(t.dir);
    assert.equal(again.count(), 4, 'migrated once');
    await again.close();
  });

  it('imports a traces.sqlite that an old CODI window wrote again after the migration, without duplicates', async () => {
    const old = [makeTrace({ name: 'a' }), makeTrace({ name: 'b' })];
    await writeSkeletonStore(t.dir, WASM, old);
    await (await open(t.dir)).close();
    await writeSkeletonStore(t.dir, WASM, [...old, makeTrace({ name: 'c' })]);
    const s = await open(t.dir);
    assert.deepEqual(s.list().map((r) => r.name).sort(), ['a', 'b', 'c']);
    await s.close();
  });

  it('refuses a store written by a newer version and leaves every byte as it was', async () => {
    const s = await open(t.dir);
    await s.saveTrace(makeTrace());
    await s.close();
    const manifest = JSON.parse(await fs.readFile(join(t.dir, 'store.json'), 'utf8'));
    await fs.writeFile(join(t.dir, 'store.json'), JSON.stringify({ ...manifest, version: 99 }));
    const before = await fingerprint(t.dir);
    await assert.rejects(open(t.dir), (e: Error) => e.name === 'StoreVersionError' && /newer CODI/.test(e.message) && /store version 99/.test(e.message));
    assert.deepEqual(await fingerprint(t.dir), before);
  });

  it('refuses a skeleton traces.sqlite of a newer schema without creating or changing anything', async () => {
    await writeSkeletonStore(t.dir, WASM, [makeTrace()], 99);
    const before = await fingerprint(t.dir);
    await assert.rejects(open(t.dir), /newer CODI/);
    assert.deepEqual(await fingerprint(t.dir), before);
  });

  it('skips and reports a journal segment written by a newer version', async () => {
    const s = await open(t.dir);
    await s.saveTrace(makeTrace({ name: 'mine' }));
    const name = newSegmentName();
    const frames = [encodeRecord(RecordKind.Header, { ...headerFor(name, 'writer', SCHEMA_VERSION + 1) }), encodeRecord(RecordKind.Trace, { at: Date.now(), trace: makeTrace({ name: 'future' }) })];
    await fs.writeFile(join(t.dir, 'journal', name), Buffer.concat(frames));
    await s.refresh();
    assert.deepEqual(s.list().map((r) => r.name), ['mine']);
    assert.equal(s.issues[0]?.kind, 'newer-segment');
    await s.close();
  });

  it('keeps records of kinds it does not know (newer kinds) through compaction', async () => {
    const s = await open(t.dir);
    await s.saveTrace(makeTrace({ name: 'kept' }));
    await s.close();
    const name = newSegmentName();
    const header = { ...headerFor(name, 'writer', SCHEMA_VERSION), pid: 1, host: 'elsewhere' };
    const outbox = encodeRecord(18, { at: Date.now(), key: 'k1', traceId: 'x' }); // reserved for the outbox, unknown to this version
    await fs.writeFile(join(t.dir, 'journal', name), Buffer.concat([encodeRecord(RecordKind.Header, header), outbox, encodeRecord(RecordKind.Seal, { at: 1 })]));
    const c = await open(t.dir);
    assert.ok((await c.compact({ force: true }))?.ran);
    await c.close();
    const files = await journalFiles(t.dir);
    assert.equal(files.length, 1);
    assert.ok((await fs.readFile(join(t.dir, 'journal', files[0]!))).includes(outbox), 'the unknown record was copied byte for byte');
  });

  it('deletes chosen traces durably, tells listeners, ignores unknown ids, and another reader sees it', async () => {
    const s = await open(t.dir);
    const [a, b, c] = [makeTrace({ name: 'a' }), makeTrace({ name: 'b' }), makeTrace({ name: 'c' })];
    for (const x of [a, b, c]) await s.saveTrace(x);
    const reader = await open(t.dir);
    let changes = 0;
    s.onDidChange(() => changes++);
    assert.deepEqual(await s.deleteTraces([b.id, '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b']), { deleted: 1 });
    assert.equal(changes, 1);
    assert.equal(await s.get(b.id), null);
    assert.deepEqual(s.list().map((r) => r.name).sort(), ['a', 'c']);
    assert.deepEqual(await s.deleteTraces([b.id]), { deleted: 0 }, 'a second delete finds nothing');
    assert.equal(changes, 1, 'nothing deleted, nothing to tell');
    await reader.refresh();
    assert.deepEqual(reader.list().map((r) => r.name).sort(), ['a', 'c'], 'another process sees the delete');
    await reader.close();
    await s.close();
    const again = await open(t.dir);
    assert.deepEqual(again.list().map((r) => r.name).sort(), ['a', 'c'], 'the delete survives a reopen');
    await again.close();
  });

  it('applies retention by count and by age, durably, and compaction reclaims the space', async () => {
    const now = Date.now();
    const s = await open(t.dir, { now: () => now });
    const traces = Array.from({ length: 10 }, (_, i) => makeTrace({ name: `d${i}`, startTime: now - (10 - i) * DAY + 1000 }));
    for (const x of traces) await s.saveTrace(x);
    assert.deepEqual(await s.applyRetention({ maxTraces: 6 }), { deleted: 4 });
    assert.deepEqual(s.list().map((r) => r.name), ['d9', 'd8', 'd7', 'd6', 'd5', 'd4']);
    assert.deepEqual(await s.applyRetention({ maxDays: 3 }), { deleted: 3 });
    assert.deepEqual(s.list().map((r) => r.name), ['d9', 'd8', 'd7']);
    assert.equal(await s.get(traces[0]!.id), null);
    assert.deepEqual(await s.applyRetention({ maxTraces: 100, maxDays: 30 }), { deleted: 0 });
    await s.close();

    const sizeOf = async () => (await Promise.all((await journalFiles(t.dir)).map((f) => fs.stat(join(t.dir, 'journal', f))))).reduce((n, st) => n + st.size, 0);
    const before = await sizeOf();
    const c = await open(t.dir);
    assert.equal(c.count(), 3);
    const r = await c.compact({ force: true });
    assert.ok(r?.ran, r?.reason);
    assert.ok((await sizeOf()) < before / 2, 'deleted traces no longer take space');
    await c.close();
    await fs.rm(join(t.dir, 'index.snapshot'));
    const rebuilt = await open(t.dir);
    assert.deepEqual(rebuilt.list().map((r) => r.name), ['d9', 'd8', 'd7'], 'a rebuild from the journal agrees');
    await rebuilt.close();
  });

  it('tombstones win over records read later, also for deletions made by another process', async () => {
    const a = await open(t.dir);
    const b = await open(t.dir);
    const keep = makeTrace({ name: 'keep', startTime: Date.now() });
    const drop = makeTrace({ name: 'drop', startTime: Date.now() - 5 * DAY });
    await a.saveTrace(drop);
    await a.saveTrace(keep);
    await b.refresh();
    assert.deepEqual(await b.applyRetention({ maxDays: 1 }), { deleted: 1 });
    await a.refresh();
    assert.deepEqual(a.list().map((r) => r.name), ['keep']);
    await a.close();
    await b.close();
    await fs.rm(join(t.dir, 'index.snapshot'), { force: true });
    const c = await open(t.dir);
    assert.deepEqual(c.list().map((r) => r.name), ['keep']);
    await c.close();
  });

  it('clear() removes every trace, also for other readers, and the store keeps working', async () => {
    await writeSkeletonStore(t.dir, WASM, [makeTrace({ name: 'legacy' })]);
    const s = await open(t.dir);
    const other = await open(t.dir);
    for (let i = 0; i < 5; i++) await s.saveTrace(makeTrace({ name: `c${i}` }));
    await other.refresh();
    assert.equal(other.count(), 6);
    const r = await s.clear();
    assert.equal(r.deleted, 6);
    assert.equal(s.count(), 0);
    assert.ok(!(await fs.readdir(t.dir)).some((f) => f.startsWith('traces.sqlite.v1-')), 'the pre-migration backup is cleared too');
    await other.refresh();
    assert.equal(other.count(), 0);
    await s.saveTrace(makeTrace({ name: 'after' }));
    await other.refresh();
    assert.deepEqual(other.list().map((x) => x.name), ['after']);
    await s.close();
    await other.close();
    const again = await open(t.dir);
    assert.deepEqual(again.list().map((x) => x.name), ['after']);
    await again.close();
  });

  it('compaction in one process: other readers follow the moved records (get, refresh, cold open)', async () => {
    const w = await open(t.dir);
    const traces = Array.from({ length: 20 }, (_, i) => makeTrace({ name: `m${i}`, startTime: Date.now() - (20 - i) * 1000 }));
    for (const x of traces) await w.saveTrace(x);
    await w.close();
    const w2 = await open(t.dir);
    await w2.saveTrace(makeTrace({ name: 'second-writer' }));
    await w2.close();
    const reader = await open(t.dir);
    assert.equal(reader.count(), 21);
    const compactor = await open(t.dir);
    await compactor.applyRetention({ maxTraces: 16 });
    const r = await compactor.compact({ force: true });
    assert.ok(r?.ran);
    assert.equal(r.segmentsIn, 3);
    assert.equal((await journalFiles(t.dir)).length, 1);
    // The reader's index still points into the removed segments: get() finds the records anyway.
    assert.deepEqual(await reader.get(traces[19]!.id), traces[19]);
    await reader.refresh();
    assert.equal(reader.count(), 16);
    assert.equal(await reader.get(traces[0]!.id), null);
    for (const x of traces.slice(5)) assert.deepEqual(await reader.get(x.id), x);
    assert.deepEqual(reader.issues, []);
    await reader.close();
    await compactor.close();
    const cold = await open(t.dir);
    assert.equal(cold.count(), 16);
    await cold.close();
  });

  it('a compaction interrupted after publishing its segment is finished by the next one', async () => {
    const w = await open(t.dir);
    for (let i = 0; i < 4; i++) await w.saveTrace(makeTrace({ name: `i${i}` }));
    await w.close();
    const [old] = await journalFiles(t.dir);
    const keep = await fs.readFile(join(t.dir, 'journal', old!));
    const c = await open(t.dir);
    await c.compact({ force: true });
    await c.close();
    // Put the replaced segment back, as if the process died between publishing and deleting.
    await fs.writeFile(join(t.dir, 'journal', old!), keep);
    await fs.rm(join(t.dir, 'index.snapshot'));
    const s = await open(t.dir);
    assert.equal(s.count(), 4, 'the superseded segment is not read twice');
    await s.compact();
    assert.equal((await journalFiles(t.dir)).length, 1, 'and is removed');
    assert.equal(s.count(), 4);
    await s.close();
  });

  it('does not compact a live writer’s segment, and a second compactor backs off', async () => {
    const live = await open(t.dir);
    await live.saveTrace(makeTrace({ name: 'live' }));
    const c = await open(t.dir);
    const r = await c.compact({ force: true });
    assert.equal(r?.ran, false);
    await live.saveTrace(makeTrace({ name: 'still-live' }));
    await c.refresh();
    assert.equal(c.count(), 2);
    await fs.writeFile(join(t.dir, 'compact.lock'), String(process.pid));
    assert.equal(await c.compact({ force: true }), null, 'another compaction holds the lock');
    await fs.rm(join(t.dir, 'compact.lock'));
    await live.close();
    await c.close();
  });
});
