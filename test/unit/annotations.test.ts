import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { SNAPSHOT_FILE } from '../../src/core/store/snapshot';
import { applyAnnotationChange, annotationLine } from '../../src/shared/annotation';
import { TraceStore } from '../../src/core/store/traceStore';
import { makeTrace, tempDir, WASM } from '../support/fixtures';

/** A clock the test moves by hand, so "oldest first" does not depend on timing. */
function clock(start: number): { now: () => number; tick: (ms?: number) => number } {
  let t = start;
  return { now: () => t, tick: (ms = 1000) => (t += ms) };
}

describe('Annotations: review queue, notes and labels in the store', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir('codi-annot-')));
  afterEach(() => t.cleanup());

  it('applyAnnotationChange stamps queue and review times, keeps labels unique and makes the comment id once', () => {
    let ids = 0;
    const id = () => `c${++ids}`;
    const a1 = applyAnnotationChange(null, { review: 'queued', addLabels: ['unclear', ' too   long ', 'unclear', ''] }, 100, id);
    assert.deepEqual([a1.review, a1.queuedAt, a1.reviewedAt, a1.labels, a1.commentId], ['queued', 100, null, ['unclear', 'too long'], null]);
    const a2 = applyAnnotationChange(a1, { review: 'queued', note: '  wrong API  ' }, 200, id);
    assert.equal(a2.queuedAt, 100, 'queuing again keeps the original queue time');
    assert.equal(a2.note, 'wrong API');
    assert.equal(a2.commentId, 'c1');
    const a3 = applyAnnotationChange(a2, { review: 'reviewed', note: 'still wrong' }, 300, id);
    assert.deepEqual([a3.review, a3.queuedAt, a3.reviewedAt, a3.commentId], ['reviewed', 100, 300, 'c1']);
    assert.equal(annotationLine(a3), 'reviewed · unclear, too long · “still wrong”');
    const a4 = applyAnnotationChange(a3, { labels: ['unclear'] }, 400, id);
    assert.deepEqual(a4.removedLabels, ['too long'], 'a removed label is remembered for the export');
    assert.deepEqual(applyAnnotationChange(a4, { addLabels: ['too long'] }, 500, id).removedLabels, [], 'and forgotten when put back');
  });

  it('stores annotations durably: a new process sees them, get() carries them, deletion drops them', async () => {
    const c = clock(Date.UTC(2026, 10, 1));
    const s = await TraceStore.open({ dir: t.dir, wasmPath: WASM, now: c.now });
    const a = makeTrace({ name: 'A' });
    const b = makeTrace({ name: 'B' });
    await s.saveTrace(a);
    await s.saveTrace(b);
    let changes = 0;
    s.onDidChange(() => changes++);
    await s.annotations().update(a.id, { review: 'queued', labels: ['hallucination'], note: 'Invents a method.' });
    assert.ok(changes > 0, 'views are told');
    await assert.rejects(s.annotations().update('0190f000-0000-7000-8000-000000000000', { review: 'queued' }), /no trace/);
    await s.close();

    const s2 = await TraceStore.open({ dir: t.dir, wasmPath: WASM });
    const got = await s2.get(a.id);
    assert.equal(got?.annotation?.note, 'Invents a method.');
    assert.deepEqual(got?.annotation?.labels, ['hallucination']);
    assert.equal((await s2.get(b.id))?.annotation, undefined, 'a trace without annotation reads back as saved');
    await s2.deleteTraces([a.id]);
    assert.equal(s2.annotations().get(a.id), null);
    assert.equal(s2.annotations().queuedCount(), 0);
    await s2.close();
  });

  it('the queue lists traces to review oldest first; reviewing takes one out; filters by label and review state', async () => {
    const c = clock(Date.UTC(2026, 10, 1));
    const s = await TraceStore.open({ dir: t.dir, wasmPath: WASM, now: c.now });
    const traces = [0, 1, 2, 3].map((i) => makeTrace({ name: `T${i}`, startTime: c.now() + i }));
    for (const tr of traces) await s.saveTrace(tr);
    // Queued in the order 2, 0, 3: the queue follows the queue time, not the trace time.
    for (const i of [2, 0, 3]) {
      c.tick();
      await s.annotations().update(traces[i]!.id, { review: 'queued' });
    }
    c.tick();
    await s.annotations().update(traces[1]!.id, { labels: ['too long', 'unclear'] });
    assert.deepEqual(s.annotations().queue().map((r) => r.trace.name), ['T2', 'T0', 'T3']);
    assert.equal(s.annotations().queuedCount(), 3);

    c.tick();
    await s.annotations().update(traces[0]!.id, { review: 'reviewed', addLabels: ['unclear'] });
    assert.deepEqual(s.annotations().queue().map((r) => r.trace.name), ['T2', 'T3']);
    assert.deepEqual(s.query({ label: 'unclear' }).items.map((x) => x.name).sort(), ['T0', 'T1']);
    assert.deepEqual(s.query({ label: 'too long' }).items.map((x) => x.name), ['T1']);
    assert.deepEqual(s.query({ label: 'too' }).items, [], 'a label matches whole, not a part of another');
    assert.deepEqual(s.query({ review: 'queued' }).items.map((x) => x.name), ['T3', 'T2']);
    assert.deepEqual(s.query({ review: 'reviewed' }).items.map((x) => x.name), ['T0']);
    assert.deepEqual(s.annotations().labelsInUse(), [{ label: 'unclear', count: 2 }, { label: 'too long', count: 1 }]);
    await s.close();
  });

  it('a change written by another process is seen after refresh and not overwritten by a stale copy', async () => {
    const c = clock(Date.UTC(2026, 10, 1));
    const s1 = await TraceStore.open({ dir: t.dir, wasmPath: WASM, now: c.now });
    const tr = makeTrace({ name: 'shared' });
    await s1.saveTrace(tr);
    const s2 = await TraceStore.open({ dir: t.dir, wasmPath: WASM, now: c.now });
    await s2.annotations().update(tr.id, { note: 'from the CLI', labels: ['correct'] });
    // s1 has not refreshed: its update still starts from s2's annotation (update catches up under the lock).
    await s1.annotations().update(tr.id, { review: 'reviewed' });
    await s2.refresh();
    const seen = s2.annotations().get(tr.id);
    assert.deepEqual([seen?.note, seen?.labels, seen?.review], ['from the CLI', ['correct'], 'reviewed']);
    await s1.close();
    await s2.close();
  });

  it('survives compaction and an index rebuild: only the latest annotation is kept', async () => {
    const c = clock(Date.UTC(2026, 10, 1));
    const s = await TraceStore.open({ dir: t.dir, wasmPath: WASM, now: c.now });
    const tr = makeTrace({ name: 'kept' });
    await s.saveTrace(tr);
    for (const note of ['one', 'two', 'three']) {
      c.tick();
      await s.annotations().update(tr.id, { note, review: 'queued' });
    }
    const r = await s.compact({ force: true });
    assert.ok(r?.ran);
    assert.equal(r.records, 2, 'the trace and its latest annotation');
    assert.equal(s.annotations().get(tr.id)?.note, 'three');
    await s.close();
    rmSync(join(t.dir, SNAPSHOT_FILE), { force: true }); // the index is rebuilt from the journal
    const s2 = await TraceStore.open({ dir: t.dir, wasmPath: WASM });
    assert.equal(s2.annotations().get(tr.id)?.note, 'three');
    assert.equal(s2.annotations().queuedCount(), 1);
    await s2.close();
  });
});
