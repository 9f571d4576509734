import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { crc32, MAGIC, RecordKind } from '../../src/core/store/codec';
import { TraceStore } from '../../src/core/store/traceStore';
import { makeTrace, tempDir, WASM } from '../support/fixtures';
import { startWriter, writeDeadSegment } from '../support/storeKit';

const open = (dir: string, extra: Partial<Parameters<typeof TraceStore.open>[0]> = {}) => TraceStore.open({ dir, wasmPath: WASM, ...extra });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Asserts every id is in the store, with its whole record readable. */
async function assertAllPresent(s: TraceStore, ids: string[]): Promise<void> {
  const missing = [];
  for (const id of ids) if (!(await s.get(id))) missing.push(id);
  assert.deepEqual(missing, [], `${missing.length} acknowledged trace(s) missing`);
}

describe('TraceStore: crashes, concurrent writers, damage', function () {
  this.timeout(60_000);
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir('codi-store-')));
  afterEach(() => t.cleanup());

  it('keeps every acknowledged trace when writers are killed (SIGKILL) at random points during 1,000 writes', async () => {
    const acked: string[] = [];
    let killedMidRun = 0;
    // Two rounds of three writers each; the second round opens the store the first one left behind.
    for (let round = 0; round < 2; round++) {
      const writers = [1, 1, 2].map((parallel, k) => startWriter(t.dir, `crash${round}.${k}.`, 1000, parallel));
      await Promise.all(writers.map((w) => w.opened));
      await Promise.all(
        writers.map(async (w) => {
          // Let it acknowledge a few traces, then kill it at a random moment, mid-stream.
          for (let i = 0; i < 2000 && w.acked.length < 5 && w.child.exitCode === null; i++) await sleep(5);
          await sleep(10 + Math.random() * 250);
          w.child.kill('SIGKILL');
          const exit = await w.exited;
          if (exit.signal === 'SIGKILL') killedMidRun++;
          acked.push(...w.acked);
        }),
      );
    }
    assert.ok(killedMidRun >= 4, `writers were killed mid-run (${killedMidRun} of 6)`);
    assert.ok(acked.length >= 30, `enough acknowledged writes to mean something (${acked.length})`);
    const s = await open(t.dir);
    assert.ok(s.count() >= acked.length);
    await assertAllPresent(s, acked);
    for (const i of s.issues) assert.equal(i.kind, 'torn-record', i.message);
    await s.close();
    // And again from the snapshot written on close, plus a compaction of the dead writers' segments.
    const again = await open(t.dir);
    await again.compact();
    await assertAllPresent(again, acked);
    await again.close();
  });

  for (const writers of [2, 4]) {
    it(`keeps every trace when ${writers} processes write at once, and a reader sees them while they write`, async () => {
      const reader = await open(t.dir);
      const procs = Array.from({ length: writers }, (_, k) => startWriter(t.dir, `w${k}.`, 120, k % 2 ? 4 : 1));
      let seen = 0;
      const exits = Promise.all(procs.map((p) => p.exited));
      let done = false;
      void exits.then(() => (done = true));
      while (!done) {
        await reader.refresh();
        assert.ok(reader.count() >= seen, 'the reader never loses a trace it saw');
        seen = reader.count();
        await sleep(25);
      }
      for (const e of await exits) assert.deepEqual(e, { code: 0, signal: null });
      await reader.refresh();
      const ids = procs.flatMap((p) => p.acked);
      assert.equal(ids.length, writers * 120);
      assert.equal(reader.count(), writers * 120);
      await assertAllPresent(reader, ids);
      assert.deepEqual(reader.issues, []);
      await reader.close();
      const cold = await open(t.dir);
      assert.equal(cold.count(), writers * 120);
      await cold.close();
    });
  }

  it('drops and reports a torn final record; the rest of the segment is intact', async () => {
    (await open(t.dir)).close();
    const traces = Array.from({ length: 6 }, (_, i) => makeTrace({ name: `torn${i}` }));
    const { path, records } = await writeDeadSegment(t.dir, traces);
    const [lastOff, lastLen] = records[records.length - 1]!;
    await fs.truncate(path, lastOff + Math.floor(lastLen / 2));
    const s = await open(t.dir);
    assert.equal(s.count(), 5);
    for (const x of traces.slice(0, 5)) assert.deepEqual(await s.get(x.id), x);
    assert.equal(await s.get(traces[5]!.id), null);
    assert.equal(s.issues.length, 1);
    assert.equal(s.issues[0]!.kind, 'torn-record');
    assert.equal(s.issues[0]!.offset, lastOff);
    assert.ok((await fs.stat(path)).size > lastOff, 'nothing was cut off the file');
    await s.close();
  });

  it('does not mistake a live writer’s half-written record for a torn one', async () => {
    const reader = await open(t.dir);
    const w = startWriter(t.dir, 'live.', 200, 2);
    let exited = false;
    void w.exited.then(() => (exited = true));
    while (!exited && !reader.issues.length) {
      await reader.refresh();
      await sleep(2);
    }
    assert.deepEqual(await w.exited, { code: 0, signal: null });
    assert.deepEqual(reader.issues, []);
    await reader.refresh();
    assert.equal(reader.count(), 200);
    await reader.close();
  });

  it('skips and reports a damaged record in the middle, keeping the records after it', async () => {
    (await open(t.dir)).close();
    const traces = Array.from({ length: 7 }, (_, i) => makeTrace({ name: `mid${i}` }));
    const { path, records } = await writeDeadSegment(t.dir, traces, true);
    const bytes = await fs.readFile(path);
    const [off2, len2] = records[2]!;
    bytes[off2 + Math.floor(len2 / 2)] ^= 0x5a; // a flipped bit inside record 2's body
    const [off4] = records[4]!;
    bytes.writeUInt32LE(0x7fffffff, off4 + 4); // record 4's length field destroyed
    await fs.writeFile(path, bytes);
    const s = await open(t.dir);
    assert.deepEqual(s.list().map((r) => r.name).sort(), ['mid0', 'mid1', 'mid3', 'mid5', 'mid6']);
    for (const i of [0, 1, 3, 5, 6]) assert.deepEqual(await s.get(traces[i]!.id), traces[i]);
    assert.deepEqual(s.issues.map((i) => [i.kind, i.offset]), [
      ['damaged-record', off2],
      ['damaged-record', off4],
    ]);
    await s.close();
    // Compaction keeps the damaged segment aside instead of deleting it.
    const c = await open(t.dir);
    const r = await c.compact({ force: true });
    assert.ok(r?.ran);
    assert.equal(c.count(), 5);
    assert.ok((await fs.readdir(join(t.dir, 'journal', 'damaged'))).length === 1, 'the damaged segment is kept in journal/damaged/');
    await c.close();
  });

  it('skips and reports a record whose checksum is right but whose content is not usable', async () => {
    (await open(t.dir)).close();
    const traces = [makeTrace({ name: 'before' }), makeTrace({ name: 'after' })];
    const { path, records } = await writeDeadSegment(t.dir, traces, true);
    // A well-framed record of kind "trace" whose body is not JSON, spliced in between the two traces.
    const body = Buffer.concat([Buffer.from([RecordKind.Trace, 1, 0, 0]), Buffer.from('{not json', 'utf8')]);
    const bad = Buffer.alloc(12 + body.length);
    bad.writeUInt32LE(MAGIC, 0);
    bad.writeUInt32LE(body.length, 4);
    body.copy(bad, 12);
    bad.writeUInt32LE(crc32(body, crc32(bad.subarray(4, 8))), 8);
    const bytes = await fs.readFile(path);
    const [off1] = records[1]!;
    await fs.writeFile(path, Buffer.concat([bytes.subarray(0, off1), bad, bytes.subarray(off1)]));
    const s = await open(t.dir);
    assert.deepEqual(s.list().map((r) => r.name).sort(), ['after', 'before']);
    assert.deepEqual(s.issues.map((i) => [i.kind, i.offset]), [['damaged-record', off1]]);
    await s.close();
  });

  it('rebuilds a damaged index snapshot from the journal, and says so', async () => {
    const s = await open(t.dir, { snapshotEvery: 1 });
    const traces = Array.from({ length: 20 }, (_, i) => makeTrace({ name: `snap${i}` }));
    for (const x of traces) await s.saveTrace(x);
    await s.close();
    const file = join(t.dir, 'index.snapshot');
    const bytes = await fs.readFile(file);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    await fs.writeFile(file, bytes);
    const again = await open(t.dir);
    assert.equal(again.count(), 20);
    for (const x of traces) assert.deepEqual(await again.get(x.id), x);
    assert.equal(again.issues.length, 1);
    assert.equal(again.issues[0]!.kind, 'damaged-index');
    await again.close();
    assert.ok((await fs.stat(join(t.dir, 'index.snapshot.damaged'))).size > 0, 'the damaged snapshot is kept for diagnosis');
    const third = await open(t.dir);
    assert.deepEqual(third.issues, [], 'a fresh snapshot was written');
    assert.equal(third.count(), 20);
    await third.close();
  });

  it('rebuilds when the snapshot is garbage or truncated', async () => {
    const s = await open(t.dir, { snapshotEvery: 1 });
    for (let i = 0; i < 3; i++) await s.saveTrace(makeTrace());
    await s.close();
    const file = join(t.dir, 'index.snapshot');
    await fs.truncate(file, 100);
    const a = await open(t.dir);
    assert.equal(a.count(), 3);
    assert.equal(a.issues[0]?.kind, 'damaged-index');
    await a.close();
    await fs.writeFile(file, 'not a snapshot');
    const b = await open(t.dir);
    assert.equal(b.count(), 3);
    await b.close();
  });
});
