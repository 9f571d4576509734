import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { FORCE_NOW } from '../../src/core/opik/outbox';
import type { OutboxBody } from '../../src/core/store/codec';
import { checkFrame, parseBody, RecordKind } from '../../src/core/store/codec';
import { SNAPSHOT_FILE } from '../../src/core/store/snapshot';
import { TraceStore } from '../../src/core/store/traceStore';
import { makeTrace, tempDir, WASM } from '../support/fixtures';
import { outboxContract } from '../support/outboxContract';
import { journalFiles } from '../support/storeKit';

const open = (dir: string, extra: Partial<Parameters<typeof TraceStore.open>[0]> = {}) => TraceStore.open({ dir, wasmPath: WASM, ...extra });

/** Every outbox record in the journal, in file order. */
async function outboxRecords(dir: string): Promise<Array<{ kind: number; body: OutboxBody }>> {
  const out: Array<{ kind: number; body: OutboxBody }> = [];
  for (const name of await journalFiles(dir)) {
    const buf = await fs.readFile(join(dir, 'journal', name));
    for (let off = 0; off < buf.length; ) {
      const c = checkFrame(buf.subarray(off), off);
      if (!c.ok) break;
      if (c.record.kind === RecordKind.OutboxEnqueue || c.record.kind === RecordKind.OutboxState) out.push({ kind: c.record.kind, body: parseBody<OutboxBody>(c.record) });
      off += c.record.len;
    }
  }
  return out;
}

describe('Opik outbox kept in the trace store (JournalOutboxStore)', () => {
  describe('OutboxStore behaviour (same checks as the JSON-file store)', () => {
    outboxContract(() => {
      const t = tempDir('codi-joutbox-');
      const stores: TraceStore[] = [];
      const add = async () => {
        const s = await open(t.dir);
        stores.push(s);
        return s.outbox();
      };
      return {
        open: add,
        reopen: add, // a second store on the same folder: another process
        cleanup: async () => {
          for (const s of stores) await s.close();
          t.cleanup();
        },
      };
    });
  });

  let t: ReturnType<typeof tempDir>;
  const opened: TraceStore[] = [];
  const track = async (extra: Partial<Parameters<typeof TraceStore.open>[0]> = {}) => {
    const s = await open(t.dir, extra);
    opened.push(s);
    return s;
  };
  beforeEach(() => {
    t = tempDir('codi-joutbox-');
  });
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
    t.cleanup();
  });

  async function fill(s: TraceStore): Promise<void> {
    const o = s.outbox();
    for (const [id, at] of [['a', 1], ['b', 2], ['c', 3]] as const) await o.enqueue(id, at);
    await o.markSent('a', { projectId: 'p', url: 'u', at: 4 });
    await o.markFailed('b', { error: 'down', nextAttemptAt: 100, permanent: false, at: 5 });
    await o.markFailed('b', { error: 'down again', nextAttemptAt: 200, permanent: false, at: 6 });
    await o.markFailed('c', { error: 'bad id', nextAttemptAt: null, permanent: true, at: 7 });
    await o.enqueueScoreUpdate('a', 8);
    await o.enqueueScoreUpdate('a', 9);
  }

  async function check(s: TraceStore): Promise<void> {
    const o = s.outbox();
    assert.deepEqual(await o.state('a'), { state: 'sent', url: 'u', lastError: null, attempts: 0, nextAttemptAt: null, sentAt: 4, projectId: 'p' });
    assert.deepEqual(await o.state('b'), { state: 'pending', url: null, lastError: 'down again', attempts: 2, nextAttemptAt: 200, sentAt: null, projectId: null });
    assert.equal((await o.state('c')).state, 'failed');
    assert.deepEqual(await o.due(FORCE_NOW, 10), [{ traceId: 'b', attempts: 2 }]);
    const due = await o.dueScoreUpdates(FORCE_NOW, 10);
    assert.equal(due.length, 1);
    assert.equal(await o.pendingCount(), 2);
    assert.equal(await o.failedCount(), 1);
  }

  it('writes one durable record per change and none for a change that changes nothing', async () => {
    const s = await track();
    await fill(s);
    await s.outbox().enqueue('a', 50);
    await s.outbox().markScoresSent('a', 12345, 51);
    const recs = await outboxRecords(t.dir);
    assert.equal(recs.length, 9);
    assert.deepEqual(
      recs.map((r) => r.kind),
      [16, 16, 16, 17, 17, 17, 17, 16, 16],
    );
  });

  it('survives reopening, from the snapshot and from the journal alone', async () => {
    const s = await open(t.dir, { snapshotEvery: 1 });
    await fill(s);
    await s.close();
    await fs.stat(join(t.dir, SNAPSHOT_FILE));
    await check(await track());
    for (const st of opened.splice(0)) await st.close();
    await fs.rm(join(t.dir, SNAPSHOT_FILE));
    await check(await track());
  });

  it('compaction keeps only the latest state of each entry, and it survives a rebuild', async () => {
    const s = await track();
    await fill(s);
    await s.compact({ force: true });
    await check(s);
    const recs = await outboxRecords(t.dir);
    assert.equal(recs.length, 4, 'a, b, c and the score update of a');
    assert.deepEqual(recs.map((r) => `${r.body.traceId}/${r.body.queue}`).sort(), ['a/scores', 'a/trace', 'b/trace', 'c/trace']);
    const other = await track(); // another process, which had not seen the records before
    await check(other);
    await other.outbox().markSent('b', { projectId: null, url: null, at: 300 });
    assert.equal((await s.outbox().state('b')).state, 'sent');
    for (const st of opened.splice(0)) await st.close();
    await fs.rm(join(t.dir, SNAPSHOT_FILE), { force: true });
    const r = await track();
    assert.equal((await r.outbox().state('b')).state, 'sent');
    assert.equal((await r.outbox().state('c')).state, 'failed');
    assert.equal((await r.outbox().dueScoreUpdates(FORCE_NOW, 10)).length, 1);
  });

  it('a compaction in another process moves the entries without losing any', async () => {
    const a = await track();
    const b = await track();
    await fill(a);
    await check(b);
    await a.compact({ force: true });
    await check(b);
    await b.compact({ force: true });
    await check(a);
    await check(b);
  });

  it('drops the outbox entries of deleted traces', async () => {
    const s = await track();
    const keep = makeTrace();
    const gone = makeTrace();
    await s.saveTrace(keep);
    await s.saveTrace(gone);
    await s.outbox().enqueue(keep.id, 1);
    await s.outbox().enqueue(gone.id, 2);
    await s.applyRetention({ maxTraces: 1 });
    assert.equal(s.count(), 1);
    const left = (await s.outbox().due(FORCE_NOW, 10)).map((d) => d.traceId);
    const deleted = left[0] === keep.id ? gone : keep;
    assert.equal(left.length, 1);
    assert.equal((await s.outbox().state(deleted.id)).state, 'off');
    await s.outbox().enqueue(deleted.id, 3);
    assert.equal((await s.outbox().state(deleted.id)).state, 'off', 'a deleted trace is not queued again');
    await s.clear();
    assert.equal(await s.outbox().pendingCount(), 0);
    assert.equal((await outboxRecords(t.dir)).length, 0);
  });

  it('rebuilds an index snapshot of the previous format (no outbox table)', async () => {
    const s = await open(t.dir, { snapshotEvery: 1 });
    await fill(s);
    await s.close();
    const initSqlJs = (await import('sql.js')).default;
    const SQL = await initSqlJs({ locateFile: () => WASM });
    const { readSnapshot, writeSnapshot } = await import('../../src/core/store/snapshot');
    const snap = await readSnapshot(t.dir);
    assert.ok(snap && 'bytes' in snap);
    const db = new SQL.Database(snap.bytes);
    db.run("UPDATE meta SET value = '2' WHERE key = 'index_format'; DROP TABLE outbox;");
    await writeSnapshot(t.dir, db.export());
    db.close();
    await check(await track());
  });
});
