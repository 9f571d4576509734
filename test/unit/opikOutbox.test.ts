import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OpikConfigError } from '../../src/core/opik/config';
import { FileOutboxStore } from '../../src/core/opik/fileOutbox';
import { FORCE_NOW } from '../../src/core/opik/outbox';
import { backoffDelay, classifyFailure, DEFAULT_BACKOFF, pauseFor } from '../../src/core/opik/sender';
import { OpikRequestError, parseRetryAfter } from '../../src/core/opik/transport';
import { tempDir } from '../support/fixtures';

describe('Opik outbox: the JSON-file OutboxStore', () => {
  let t: ReturnType<typeof tempDir>;
  let path: string;
  beforeEach(() => {
    t = tempDir('codi-outbox-');
    path = join(t.dir, 'sub', 'outbox.json');
  });
  afterEach(() => t.cleanup());

  it('keeps every state change across reopening, and leaves no temp files', async () => {
    const s = await FileOutboxStore.open(path);
    await s.enqueue('a', 1);
    await s.enqueue('b', 2);
    await s.enqueue('c', 3);
    await s.enqueue('a', 9);
    await s.markSent('a', { projectId: 'p', url: 'u', at: 10 });
    await s.markFailed('b', { error: 'down', nextAttemptAt: 100, permanent: false, at: 11 });
    await s.markFailed('c', { error: 'bad id', nextAttemptAt: null, permanent: true, at: 12 });
    const r = await FileOutboxStore.open(path);
    assert.deepEqual(await r.state('a'), { state: 'sent', url: 'u', lastError: null, attempts: 0, nextAttemptAt: null, sentAt: 10, projectId: 'p' });
    assert.deepEqual(await r.state('b'), { state: 'pending', url: null, lastError: 'down', attempts: 1, nextAttemptAt: 100, sentAt: null, projectId: null });
    assert.equal((await r.state('c')).state, 'failed');
    assert.equal((await r.state('zzz')).state, 'off');
    assert.equal(await r.pendingCount(), 1);
    assert.equal(await r.failedCount(), 1);
    assert.deepEqual(readdirSync(join(t.dir, 'sub')), ['outbox.json']);
  });

  it('returns due entries oldest first, respecting nextAttemptAt unless forced', async () => {
    const s = await FileOutboxStore.open(path);
    for (const [id, at] of [['x', 5], ['y', 1], ['z', 3]] as const) await s.enqueue(id, at);
    await s.markFailed('y', { error: 'e', nextAttemptAt: 1000, permanent: false, at: 2 });
    assert.deepEqual((await s.due(500, 10)).map((d) => d.traceId), ['z', 'x']);
    assert.deepEqual((await s.due(FORCE_NOW, 2)).map((d) => d.traceId), ['y', 'z']);
    assert.deepEqual(await s.due(FORCE_NOW, 1), [{ traceId: 'y', attempts: 1 }]);
  });

  it('retryFailed puts permanent failures back in the queue', async () => {
    const s = await FileOutboxStore.open(path);
    await s.enqueue('a', 1);
    await s.markFailed('a', { error: 'e', nextAttemptAt: null, permanent: true, at: 2 });
    assert.deepEqual(await s.due(FORCE_NOW, 10), []);
    assert.equal(await s.retryFailed(3), 1);
    assert.deepEqual(await s.due(3, 10), [{ traceId: 'a', attempts: 0 }]);
  });

  it('score updates wait for the trace to be sent and are cleared only by their latest sequence number', async () => {
    const s = await FileOutboxStore.open(path);
    await s.enqueue('a', 1);
    await s.enqueueScoreUpdate('a', 2);
    assert.deepEqual(await s.dueScoreUpdates(FORCE_NOW, 10), [], 'not before the trace is sent');
    await s.markSent('a', { projectId: null, url: null, at: 3 });
    const [u] = await s.dueScoreUpdates(FORCE_NOW, 10);
    assert.equal(await s.pendingCount(), 1);
    await s.enqueueScoreUpdate('a', 4);
    await s.markScoresSent('a', u!.seq, 5);
    assert.equal((await s.dueScoreUpdates(FORCE_NOW, 10)).length, 1, 'a newer change survives an older acknowledgement');
    const [v] = await s.dueScoreUpdates(FORCE_NOW, 10);
    await s.markScoresFailed('a', v!.seq, { error: 'e', nextAttemptAt: 100, permanent: false, at: 6 });
    assert.deepEqual(await s.dueScoreUpdates(50, 10), []);
    await s.markScoresSent('a', v!.seq, 7);
    assert.equal(await s.pendingCount(), 0);
  });

  it('moves an unreadable file aside and starts empty, with a warning', async () => {
    const s = await FileOutboxStore.open(path);
    await s.enqueue('a', 1);
    writeFileSync(path, '{"version":1,"traces":{"a":');
    const r = await FileOutboxStore.open(path);
    assert.equal(await r.pendingCount(), 0);
    assert.match(r.warnings[0] ?? '', /unreadable/);
    assert.ok(readdirSync(join(t.dir, 'sub')).some((f) => f.startsWith('outbox.json.corrupt-')));
  });

  it('serialises concurrent mutations (no lost update)', async () => {
    const s = await FileOutboxStore.open(path);
    await Promise.all(Array.from({ length: 50 }, (_, i) => s.enqueue(`t${i}`, i)));
    const r = await FileOutboxStore.open(path);
    assert.equal(await r.pendingCount(), 50);
    assert.equal(Object.keys(JSON.parse(readFileSync(path, 'utf8')).traces).length, 50);
  });
});

describe('Opik delivery policy: backoff and failure classes', () => {
  it('backs off 30 s → 1 h with jitter that only shortens', () => {
    const lo = (n: number) => backoffDelay(n, DEFAULT_BACKOFF, () => 1);
    const hi = (n: number) => backoffDelay(n, DEFAULT_BACKOFF, () => 0);
    assert.deepEqual([1, 2, 3, 4, 8, 20].map(hi), [30_000, 60_000, 120_000, 240_000, 3_600_000, 3_600_000]);
    assert.deepEqual([1, 8].map(lo), [15_000, 1_800_000]);
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(3);
      assert.ok(d >= 60_000 && d <= 120_000);
    }
  });

  const err = (status: number | null, body: unknown = null, extra: { retryAfterMs?: number; timedOut?: boolean; op?: 'createTraces' | 'retrieveProject' } = {}) =>
    new OpikRequestError('x', extra.op ?? 'createTraces', status, body, extra.retryAfterMs ?? null, extra.timedOut ?? false);

  it('classifies failures into retryable/global and permanent', () => {
    const c = (e: unknown) => {
      const f = classifyFailure(e, 'http://opik/api');
      return [f.kind, f.retryable, f.global];
    };
    assert.deepEqual(c(err(null)), ['network', true, true]);
    assert.deepEqual(c(err(null, null, { timedOut: true })), ['timeout', true, true]);
    assert.deepEqual(c(err(408)), ['server', true, true]);
    assert.deepEqual(c(err(429)), ['rate-limited', true, true]);
    assert.deepEqual(c(err(502)), ['server', true, true]);
    assert.deepEqual(c(err(401)), ['auth', true, true]);
    assert.deepEqual(c(err(403)), ['auth', true, true]);
    assert.deepEqual(c(err(404)), ['config', true, true]);
    assert.deepEqual(c(new OpikConfigError('no key')), ['config', true, true]);
    assert.deepEqual(c(err(400, { code: 400, message: 'Invalid UUID for id', details: 'trace id must be a version 7 UUID' })), ['invalid-id', false, false]);
    assert.deepEqual(c(err(422, { errors: ['traces[0].startTime must not be null'] })), ['rejected', false, false]);
    assert.deepEqual(c(err(413)), ['rejected', false, false]);
    assert.deepEqual(c(new TypeError('boom')), ['internal', false, false]);
    assert.match(classifyFailure(err(401)).message, /check your Opik API key and workspace/);
  });

  it('honours Retry-After (seconds or HTTP date) over the backoff, up to one hour', () => {
    assert.equal(parseRetryAfter('3'), 3000);
    assert.equal(parseRetryAfter(new Date(Date.now() + 5000).toUTCString(), Date.now()) !== null, true);
    assert.equal(parseRetryAfter('soon'), null);
    const f = classifyFailure(err(429, null, { retryAfterMs: 2000 }));
    assert.equal(pauseFor(f, 5, DEFAULT_BACKOFF), 2000);
    assert.equal(pauseFor({ ...f, retryAfterMs: 86_400_000 }, 1, DEFAULT_BACKOFF), 3_600_000);
  });
});
