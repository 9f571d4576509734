import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OpikConfigError } from '../../src/core/opik/config';
import { FileOutboxStore } from '../../src/core/opik/fileOutbox';
import { backoffDelay, classifyFailure, DEFAULT_BACKOFF, pauseFor } from '../../src/core/opik/sender';
import { OpikRequestError, parseRetryAfter } from '../../src/core/opik/transport';
import { tempDir } from '../support/fixtures';
import { outboxContract } from '../support/outboxContract';

describe('Opik outbox: the JSON-file OutboxStore', () => {
  describe('OutboxStore behaviour', () => {
    outboxContract(() => {
      const t = tempDir('codi-outbox-');
      const path = join(t.dir, 'sub', 'outbox.json');
      return { open: () => FileOutboxStore.open(path), reopen: () => FileOutboxStore.open(path), cleanup: async () => t.cleanup() };
    });
  });

  let t: ReturnType<typeof tempDir>;
  let path: string;
  beforeEach(() => {
    t = tempDir('codi-outbox-');
    path = join(t.dir, 'sub', 'outbox.json');
  });
  afterEach(() => t.cleanup());

  it('leaves no temp files', async () => {
    const s = await FileOutboxStore.open(path);
    await s.enqueue('a', 1);
    await s.markSent('a', { projectId: 'p', url: 'u', at: 10 });
    assert.deepEqual(readdirSync(join(t.dir, 'sub')), ['outbox.json']);
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

  it('writes every entry of concurrent mutations to the file', async () => {
    const s = await FileOutboxStore.open(path);
    await Promise.all(Array.from({ length: 50 }, (_, i) => s.enqueue(`t${i}`, i)));
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
