import assert from 'node:assert/strict';
import type { OutboxStore } from '../../src/core/opik/outbox';
import { FORCE_NOW } from '../../src/core/opik/outbox';

/** How the shared OutboxStore checks get a store: a fresh one, and another view of the same outbox (another process, or a reopen). */
export interface OutboxHarness {
  open(): Promise<OutboxStore>;
  reopen(): Promise<OutboxStore>;
  cleanup(): Promise<void>;
}

/** The OutboxStore behaviour every implementation must have (FileOutboxStore is the reference). */
export function outboxContract(make: () => OutboxHarness): void {
  let h: OutboxHarness;
  beforeEach(() => {
    h = make();
  });
  afterEach(() => h.cleanup());

  it('keeps every state change across reopening; enqueue is idempotent', async () => {
    const s = await h.open();
    await s.enqueue('a', 1);
    await s.enqueue('b', 2);
    await s.enqueue('c', 3);
    await s.enqueue('a', 9);
    await s.markSent('a', { projectId: 'p', url: 'u', at: 10 });
    await s.enqueue('a', 11);
    await s.markFailed('b', { error: 'down', nextAttemptAt: 100, permanent: false, at: 11 });
    await s.markFailed('c', { error: 'bad id', nextAttemptAt: null, permanent: true, at: 12 });
    await s.markFailed('a', { error: 'late', nextAttemptAt: 5, permanent: false, at: 13 });
    const r = await h.reopen();
    assert.deepEqual(await r.state('a'), { state: 'sent', url: 'u', lastError: null, attempts: 0, nextAttemptAt: null, sentAt: 10, projectId: 'p' });
    assert.deepEqual(await r.state('b'), { state: 'pending', url: null, lastError: 'down', attempts: 1, nextAttemptAt: 100, sentAt: null, projectId: null });
    assert.deepEqual(await r.state('c'), { state: 'failed', url: null, lastError: 'bad id', attempts: 1, nextAttemptAt: null, sentAt: null, projectId: null });
    assert.deepEqual(await r.state('zzz'), { state: 'off', url: null, lastError: null, attempts: 0, nextAttemptAt: null, sentAt: null, projectId: null });
    assert.equal(await r.pendingCount(), 1);
    assert.equal(await r.failedCount(), 1);
  });

  it('returns due entries oldest first, respecting nextAttemptAt unless forced', async () => {
    const s = await h.open();
    for (const [id, at] of [['x', 5], ['y', 1], ['z', 3]] as const) await s.enqueue(id, at);
    await s.markFailed('y', { error: 'e', nextAttemptAt: 1000, permanent: false, at: 2 });
    assert.deepEqual((await s.due(500, 10)).map((d) => d.traceId), ['z', 'x']);
    assert.deepEqual((await s.due(FORCE_NOW, 2)).map((d) => d.traceId), ['y', 'z']);
    assert.deepEqual(await s.due(FORCE_NOW, 1), [{ traceId: 'y', attempts: 1 }]);
  });

  it('retryFailed puts permanent failures back in the queue', async () => {
    const s = await h.open();
    await s.enqueue('a', 1);
    await s.enqueue('b', 1);
    await s.markFailed('a', { error: 'e', nextAttemptAt: null, permanent: true, at: 2 });
    await s.markSent('b', { projectId: null, url: null, at: 2 });
    await s.enqueueScoreUpdate('b', 3);
    const [u] = await s.dueScoreUpdates(FORCE_NOW, 10);
    await s.markScoresFailed('b', u!.seq, { error: 'no', nextAttemptAt: null, permanent: true, at: 4 });
    assert.deepEqual(await s.due(FORCE_NOW, 10), []);
    assert.deepEqual(await s.dueScoreUpdates(FORCE_NOW, 10), []);
    assert.equal(await s.failedCount(), 1);
    assert.equal(await s.retryFailed(5), 1);
    assert.deepEqual(await s.due(5, 10), [{ traceId: 'a', attempts: 0 }]);
    assert.deepEqual(await s.dueScoreUpdates(5, 10), [{ traceId: 'b', seq: u!.seq, attempts: 0 }]);
    assert.equal(await s.failedCount(), 0);
    assert.equal(await s.retryFailed(6), 0);
  });

  it('score updates wait for the trace to be sent and are cleared only by their latest sequence number', async () => {
    const s = await h.open();
    await s.enqueue('a', 1);
    await s.enqueueScoreUpdate('a', 2);
    assert.deepEqual(await s.dueScoreUpdates(FORCE_NOW, 10), [], 'not before the trace is sent');
    assert.equal(await s.pendingCount(), 1, 'the trace only');
    await s.markSent('a', { projectId: null, url: null, at: 3 });
    const [u] = await s.dueScoreUpdates(FORCE_NOW, 10);
    assert.equal(await s.pendingCount(), 1);
    await s.enqueueScoreUpdate('a', 4);
    await s.markScoresSent('a', u!.seq, 5);
    assert.equal((await s.dueScoreUpdates(FORCE_NOW, 10)).length, 1, 'a newer change survives an older acknowledgement');
    const [v] = await s.dueScoreUpdates(FORCE_NOW, 10);
    assert.notEqual(v!.seq, u!.seq);
    await s.markScoresFailed('a', u!.seq, { error: 'stale', nextAttemptAt: 1e9, permanent: true, at: 5 });
    assert.equal((await s.dueScoreUpdates(FORCE_NOW, 10))[0]?.attempts, 0, 'an old sequence number changes nothing');
    await s.markScoresFailed('a', v!.seq, { error: 'e', nextAttemptAt: 100, permanent: false, at: 6 });
    assert.deepEqual(await s.dueScoreUpdates(50, 10), []);
    assert.deepEqual(await s.dueScoreUpdates(100, 10), [{ traceId: 'a', seq: v!.seq, attempts: 1 }]);
    await s.markScoresSent('a', v!.seq, 7);
    assert.equal(await s.pendingCount(), 0);
    assert.deepEqual(await (await h.reopen()).dueScoreUpdates(FORCE_NOW, 10), []);
  });

  it('sees changes made through another view of the same outbox', async () => {
    const a = await h.open();
    const b = await h.reopen();
    await a.enqueue('t', 1);
    assert.deepEqual(await b.due(FORCE_NOW, 10), [{ traceId: 't', attempts: 0 }]);
    await b.markSent('t', { projectId: 'p', url: 'u', at: 2 });
    assert.equal((await a.state('t')).state, 'sent');
    await a.enqueueScoreUpdate('t', 3);
    const [u] = await b.dueScoreUpdates(FORCE_NOW, 10);
    await a.enqueueScoreUpdate('t', 4);
    await b.markScoresSent('t', u!.seq, 5);
    assert.equal(await a.pendingCount(), 1, 'the newer score change made by the other view survives');
  });

  it('serialises concurrent mutations (no lost update)', async () => {
    const s = await h.open();
    await Promise.all(Array.from({ length: 50 }, (_, i) => s.enqueue(`t${i}`, i)));
    await Promise.all(Array.from({ length: 10 }, (_, i) => s.markSent(`t${i}`, { projectId: null, url: null, at: 100 })));
    const r = await h.reopen();
    assert.equal(await r.pendingCount(), 40);
    assert.equal((await r.due(FORCE_NOW, 100)).length, 40);
  });

  it('keeps experiments in a queue of their own, with the trace semantics, across reopening', async () => {
    const s = await h.open();
    await s.enqueue('t', 1);
    await s.enqueueExperiment('run-a', 2);
    await s.enqueueExperiment('run-b', 3);
    await s.enqueueExperiment('run-a', 9);
    assert.deepEqual(await s.due(FORCE_NOW, 10), [{ traceId: 't', attempts: 0 }], 'experiments are not traces');
    assert.deepEqual(await s.dueExperiments(FORCE_NOW, 10), [{ runId: 'run-a', attempts: 0 }, { runId: 'run-b', attempts: 0 }]);
    assert.equal((await s.state('run-a')).state, 'off');
    assert.equal(await s.pendingCount(), 3);
    await s.markExperimentFailed('run-a', { error: 'down', nextAttemptAt: 100, permanent: false, at: 4 });
    await s.markExperimentFailed('run-b', { error: 'refused', nextAttemptAt: null, permanent: true, at: 5 });
    assert.deepEqual(await s.dueExperiments(50, 10), []);
    assert.deepEqual(await s.dueExperiments(100, 10), [{ runId: 'run-a', attempts: 1 }]);
    let r = await h.reopen();
    assert.deepEqual(await r.experimentState('run-a'), { state: 'pending', url: null, lastError: 'down', attempts: 1, nextAttemptAt: 100, sentAt: null, projectId: null });
    assert.equal((await r.experimentState('run-b')).state, 'failed');
    assert.equal(await r.failedCount(), 1);
    assert.equal(await r.retryFailed(200), 1);
    assert.equal((await r.experimentState('run-b')).state, 'pending');
    await r.markExperimentSent('run-a', { projectId: 'ds', url: 'https://opik/x', at: 300 });
    await r.markExperimentFailed('run-a', { error: 'late', nextAttemptAt: 5, permanent: false, at: 301 });
    await r.enqueueExperiment('run-a', 302);
    r = await h.reopen();
    assert.deepEqual(await r.experimentState('run-a'), { state: 'sent', url: 'https://opik/x', lastError: null, attempts: 1, nextAttemptAt: null, sentAt: 300, projectId: 'ds' });
    assert.deepEqual(await r.experimentState('never'), { state: 'off', url: null, lastError: null, attempts: 0, nextAttemptAt: null, sentAt: null, projectId: null });
    assert.equal(await r.pendingCount(), 2, 'the trace and run-b');
  });
}
