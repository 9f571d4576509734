import assert from 'node:assert/strict';
import { OtlpPusher, tracesUrl } from '../../src/core/export/otlpPush';
import { otlpTraceId } from '../../src/core/export/otlp';
import { createRedactor } from '../../src/core/redact/redact';
import { TraceStore } from '../../src/core/store/traceStore';
import { makeTrace, tempDir, WASM } from '../support/fixtures';
import { OtlpStandIn } from '../support/otlpStandIn';

const open = (dir: string) => TraceStore.open({ dir, wasmPath: WASM });
const otlp = { redactor: createRedactor(), version: '1.0.0-test', client: 'vscode' };

function pusher(store: TraceStore, endpoint: string, now?: () => number): OtlpPusher {
  return new OtlpPusher({ endpoint, store: store.outbox('otlp'), loadTrace: (id) => store.get(id), otlp, now });
}

/** Runs `fn` on a store in a fresh temp folder, closed and removed after. */
async function withStore(fn: (store: TraceStore) => Promise<void>): Promise<void> {
  const d = tempDir();
  const store = await open(d.dir);
  try {
    await fn(store);
  } finally {
    await store.close();
    d.cleanup();
  }
}

/** A finished trace saved and queued for the push: its id. */
async function queuedTrace(store: TraceStore, p: OtlpPusher): Promise<string> {
  const t = makeTrace({ startTime: Date.now() - 1000 });
  await store.saveTrace(t);
  await p.enqueue(t.id);
  return t.id;
}

describe('OTLP live push through the durable outbox', () => {
  let receiver: OtlpStandIn;
  beforeEach(async () => {
    receiver = await new OtlpStandIn().start();
  });
  afterEach(() => receiver.close());

  it('builds the receiver URL from a base URL', () => {
    assert.equal(tracesUrl('http://localhost:4318'), 'http://localhost:4318/v1/traces');
    assert.equal(tracesUrl('http://localhost:6006/'), 'http://localhost:6006/v1/traces');
    assert.equal(tracesUrl('http://h:4318/v1/traces'), 'http://h:4318/v1/traces');
    assert.throws(() => tracesUrl('ftp://h'), /http\(s\)/);
  });

  it('delivers a finished trace, decoded by the receiver, and marks it sent; the Opik queue stays untouched', () =>
    withStore(async (store) => {
      const p = pusher(store, receiver.url);
      const id = await queuedTrace(store, p);
      const r = await p.syncNow();
      assert.deepEqual(r, { sent: 1, pending: 0, failed: 0, lastError: null });
      const spans = receiver.trace(otlpTraceId(id));
      assert.equal(spans.length, 2, 'root + the LLM span');
      assert.equal(spans[1]!.attributes['gen_ai.provider.name'], 'gcp.gemini');
      assert.equal(spans[0]!.resource['codi.client'], 'vscode');
      assert.equal((await store.outbox('otlp').state(id)).state, 'sent');
      assert.equal((await store.outbox().state(id)).state, 'off', 'an OTLP entry is not an Opik entry');
      assert.equal(await store.outbox().pendingCount(), 0);
    }));

  it('receiver down: queued with a clear message, kept across a restart, delivered once when it is back', async () => {
    const d = tempDir();
    const url = receiver.url;
    await receiver.down();
    let store = await open(d.dir);
    const [a, b] = [makeTrace({ startTime: Date.now() - 2000 }), makeTrace({ startTime: Date.now() - 1000 })];
    try {
      await store.saveTrace(a);
      await store.saveTrace(b);
      const p = pusher(store, url);
      await p.enqueue(a.id);
      await p.enqueue(b.id);
      const r = await p.syncNow();
      assert.equal(r.sent, 0);
      assert.equal(r.pending, 2);
      assert.match(r.lastError ?? '', /OTLP receiver at http:\/\/127\.0\.0\.1:\d+\/v1\/traces is unreachable \(ECONNREFUSED\).*stay queued/);
      const st = await store.outbox('otlp').state(a.id);
      assert.equal(st.state, 'pending');
      assert.equal(st.attempts, 1);
      assert.ok(st.nextAttemptAt! > Date.now(), 'the next attempt waits for the backoff');

      // Restart: the queue is in the journal, not in memory.
      await store.close();
      store = await open(d.dir);
      await receiver.up();
      const p2 = pusher(store, url);
      assert.deepEqual(await p2.syncNow(), { sent: 2, pending: 0, failed: 0, lastError: null });
      assert.deepEqual(await p2.syncNow(), { sent: 0, pending: 0, failed: 0, lastError: null }, 'nothing is sent twice');
      assert.equal(receiver.trace(otlpTraceId(a.id)).length, 2);
      assert.equal(receiver.trace(otlpTraceId(b.id)).length, 2);
      assert.deepEqual(receiver.requests.map((q) => q.status), [200]);
    } finally {
      await store.close();
      d.cleanup();
    }
  });

  it('a 5xx pauses and keeps the queue; a 400 refuses only that trace, for good', () =>
    withStore(async (store) => {
      const p = pusher(store, receiver.url);
      const id = await queuedTrace(store, p);
      receiver.fail(503);
      const r1 = await p.syncNow();
      assert.equal(r1.pending, 1);
      assert.match(r1.lastError ?? '', /unreachable \(HTTP 503\)/);
      receiver.fail(400);
      const r2 = await p.syncNow();
      assert.equal(r2.pending, 0);
      assert.equal(r2.failed, 1);
      const st = await store.outbox('otlp').state(id);
      assert.equal(st.state, 'failed');
      assert.match(st.lastError ?? '', /refused this trace \(HTTP 400/);
      assert.equal(await store.outbox('otlp').retryFailed(Date.now()), 1);
      assert.equal((await p.syncNow()).sent, 1);
    }));
});
