/**
 * The Opik export end to end inside Node: TraceRecord → payload → the real opik SDK REST client →
 * the local Opik stand-in, through the durable outbox and its worker.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { uuidv7 } from '../../src/core/ids';
import { createSdkTransport } from '../../src/core/opik/client';
import type { OpikExport, OpikSettings } from '../../src/core/opik/exporter';
import { exportStatus, startOpikExport } from '../../src/core/opik/exporter';
import { FileOutboxStore } from '../../src/core/opik/fileOutbox';
import type { OutboxWorker } from '../../src/core/opik/outbox';
import { traceToOpik } from '../../src/core/opik/payload';
import { createRedactor } from '../../src/core/redact/redact';
import type { BackoffPolicy } from '../../src/core/opik/sender';
import type { TraceRecord } from '../../src/shared/types';
import { tempDir } from '../support/fixtures';
import { explainTrace, FAKE, uuidv7At } from '../support/opikFixtures';
import { OpikStandIn } from '../support/opikStandIn';

const FAST: BackoffPolicy = { baseMs: 40, maxMs: 400, factor: 2, jitter: 0.25 };

async function waitFor(cond: () => Promise<boolean> | boolean, timeoutMs = 15_000, what = 'condition'): Promise<number> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - t0;
}

class Harness {
  readonly traces = new Map<string, TraceRecord>();
  readonly workers: OutboxWorker[] = [];
  private constructor(
    readonly opik: OpikStandIn,
    readonly dir: ReturnType<typeof tempDir>,
    public store: FileOutboxStore,
  ) {}

  static async create(): Promise<Harness> {
    const dir = tempDir('codi-opik-');
    return new Harness(await OpikStandIn.start(), dir, await FileOutboxStore.open(join(dir.dir, 'opik-outbox.json')));
  }

  /** A fresh export on the current store; `over` changes settings / key. */
  export(over: Partial<OpikSettings> & { apiKey?: string } = {}): OpikExport {
    const { apiKey, ...settings } = over;
    const exp = startOpikExport({
      settings: { enabled: true, url: this.opik.url, workspace: this.opik.workspace, project: 'CODI', ...settings },
      apiKey: apiKey ?? this.opik.apiKey,
      store: this.store,
      loadTrace: async (id) => this.traces.get(id) ?? null,
      clientVersion: '0.1.0',
      client: 'vscode',
      timeoutMs: 2000,
      tuning: { backoff: FAST, pollMs: 100 },
    });
    if (exp.worker) this.workers.push(exp.worker);
    return exp;
  }

  worker(over: Parameters<Harness['export']>[0] = {}): OutboxWorker {
    const w = this.export(over).worker;
    assert.ok(w, 'export is on');
    return w;
  }

  add(n: number, over: Partial<TraceRecord> = {}): TraceRecord[] {
    return Array.from({ length: n }, () => {
      const t = explainTrace(over);
      this.traces.set(t.id, t);
      return t;
    });
  }

  async reopen(): Promise<void> {
    await this.store.flush();
    this.store = await FileOutboxStore.open(this.store.path);
  }

  async cleanup(): Promise<void> {
    for (const w of this.workers) await w.stop();
    await this.opik.close();
    this.dir.cleanup();
  }
}

describe('Opik export: delivery through the SDK to the Opik stand-in', function () {
  this.timeout(60_000);
  let h: Harness;
  beforeEach(async () => (h = await Harness.create()));
  afterEach(async () => h.cleanup());

  it('delivers a trace with spans and scores exactly as mapped, with Opik headers, and links to it', async () => {
    const [t] = h.add(1);
    const w = h.worker();
    assert.equal((await exportStatus(h.store, t!.id, w)).state, 'off');
    await w.enqueue(t!.id);
    assert.equal((await w.status(t!.id)).state, 'pending');
    const t0 = performance.now();
    const r = await w.syncNow();
    console.log(`      first delivery incl. lazy SDK load: ${(performance.now() - t0).toFixed(0)} ms`);
    assert.deepEqual({ sent: r.sent, failed: r.failed, pending: r.pending }, { sent: 1, failed: 0, pending: 0 });

    const paths = h.opik.requests.map((q) => `${q.method} ${q.path}`);
    assert.deepEqual(paths, [
      'POST /api/v1/private/traces/batch',
      'POST /api/v1/private/spans/batch',
      'PUT /api/v1/private/traces/feedback-scores',
      'PUT /api/v1/private/spans/feedback-scores',
      'POST /api/v1/private/projects/retrieve',
    ]);
    for (const q of h.opik.requests) {
      assert.equal(q.headers.authorization, h.opik.apiKey, 'authorization: <key>, no Bearer');
      assert.equal(q.headers['comet-workspace'], h.opik.workspace);
    }
    const expected = traceToOpik(t!, { projectName: 'CODI', redactor: createRedactor(), clientVersion: '0.1.0', client: 'vscode' });
    assert.deepEqual(h.opik.traces.get(t!.id), expected.trace, 'the SDK sends our wire shape unchanged');
    assert.deepEqual(expected.spans.map((s) => h.opik.spans.get(s.id)), expected.spans);
    assert.deepEqual([...h.opik.traceScores.values()], expected.traceScores);
    assert.deepEqual([...h.opik.spanScores.values()], expected.spanScores);
    assert.deepEqual(h.opik.unknownFields, []);

    const project = h.opik.projects.get('CODI')!;
    const st = await exportStatus(h.store, t!.id, w);
    assert.deepEqual(st, {
      state: 'sent',
      url: `${h.opik.url.replace(/\/api$/, '')}/codi-test/projects/${project.id}/traces?tab=logs&logsType=traces&trace=${t!.id}`,
      lastError: null,
    });
  });

  it('never lets a key in code reach Opik', async () => {
    const secrets = [FAKE.google, FAKE.openai, FAKE.aws, FAKE.github, FAKE.pem];
    const [t] = h.add(1);
    t!.input = { code: secrets.map((s, i) => `SECRET_${i}_KEY = ${JSON.stringify(s)}`).join('\n') };
    t!.spans[1]!.input = { user: `password = "hunter2-hunter2"\n${secrets.join(' ')}` };
    t!.output = `Your key ${FAKE.google} is hard-coded.`;
    const w = h.worker({ redact: ['hunter2-[a-z0-9]+'] });
    await w.enqueue(t!.id);
    assert.equal((await w.syncNow()).sent, 1);
    const wire = h.opik.requests.map((q) => q.raw).join('\n');
    for (const s of [...secrets, 'hunter2-hunter2']) assert.ok(!wire.includes(s), `secret ${s.slice(0, 8)}… was sent`);
    assert.ok(wire.includes('[REDACTED:google-api-key]') && wire.includes('[REDACTED:password]'));
  });

  it('outage: 100 traces, Opik down for the whole first sync, then up → all delivered, no duplicates', async () => {
    const traces = h.add(100);
    await h.opik.down();
    const w = h.worker();
    for (const t of traces) await w.enqueue(t.id);
    const r1 = await w.syncNow();
    assert.equal(r1.sent, 0);
    assert.equal(r1.pending, 100);
    assert.match(r1.lastError ?? '', /Cannot reach Opik/);
    const st = await w.status(traces[0]!.id);
    assert.equal(st.state, 'pending');
    assert.match(st.lastError ?? '', /Cannot reach Opik/);

    await h.opik.up();
    const t0 = performance.now();
    const r2 = await w.syncNow();
    const ms = performance.now() - t0;
    assert.equal(r2.sent, 100);
    assert.equal(r2.pending, 0);
    const stored = traces.filter((t) => h.opik.traces.has(t.id)).length;
    const dup = h.opik.duplicates();
    const spanWrites = [...h.opik.writes.spans.values()].reduce((a, b) => a + b, 0);
    console.log(`      outage (sync now): delivered ${stored}/100, duplicate trace writes ${dup.traces.length}, duplicate span writes ${dup.spans.length}, ` +
      `${h.opik.requests.length} requests, drained in ${ms.toFixed(0)} ms after Opik came back`);
    assert.equal(stored, 100);
    assert.deepEqual(dup, { traces: [], spans: [] });
    assert.equal(spanWrites, 300);
    for (const t of traces) assert.equal((await w.status(t.id)).state, 'sent');
  });

  it('outage with the timer-driven worker: backs off while down, drains by itself when Opik is back', async () => {
    const traces = h.add(100);
    await h.opik.down();
    const w = h.worker();
    w.start();
    for (const t of traces) await w.enqueue(t.id);
    await waitFor(() => w.lastError !== null, 10_000, 'a failed attempt');
    await new Promise((r) => setTimeout(r, 600));
    await h.opik.up();
    const t0 = performance.now();
    await waitFor(async () => (await w.pendingCount()) === 0, 20_000, 'the outbox to drain');
    const ms = performance.now() - t0;
    const dup = h.opik.duplicates();
    console.log(`      outage (timer): delivered ${h.opik.traces.size}/100, duplicates ${dup.traces.length + dup.spans.length}, drained ${ms.toFixed(0)} ms after Opik came back (backoff cap ${FAST.maxMs} ms)`);
    assert.equal(h.opik.traces.size, 100);
    assert.deepEqual(dup, { traces: [], spans: [] });
    assert.equal(w.lastError, null);
  });

  it('retries 500s and 429s (honouring Retry-After) until acknowledged', async () => {
    const traces = h.add(3);
    h.opik.fail(
      { kind: 'status', status: 500 },
      { kind: 'status', status: 503, path: /spans/ },
      { kind: 'status', status: 429, retryAfter: '1', body: { code: 429, message: 'Too Many Requests' } },
      { kind: 'drop' },
    );
    const w = h.worker();
    w.start();
    for (const t of traces) await w.enqueue(t.id);
    await waitFor(async () => (await w.pendingCount()) === 0, 20_000, 'delivery');
    const failures = h.opik.requests.map((q) => q.status).filter((s) => s < 200 || s >= 300);
    assert.deepEqual(failures.sort(), [-1, 429, 500, 503]);
    const i429 = h.opik.requests.findIndex((q) => q.status === 429);
    const gap = h.opik.requests[i429 + 1]!.at - h.opik.requests[i429]!.at;
    assert.ok(gap >= 950, `waited ${gap} ms after Retry-After: 1`);
    assert.equal(traces.filter((t) => h.opik.traces.has(t.id)).length, 3);
    assert.equal(h.opik.spans.size, 9, 'every span stored once (re-sends are upserts)');
    for (const t of traces) assert.equal((await w.status(t.id)).state, 'sent');
  });

  it('401: a clear "check your Opik API key/workspace" error, still pending; delivered after the key is fixed', async () => {
    const [t] = h.add(1);
    const bad = h.worker({ apiKey: 'wrong-key' });
    await bad.enqueue(t!.id);
    const r = await bad.syncNow();
    assert.equal(r.sent, 0);
    assert.match(r.lastError ?? '', /HTTP 401.*check your Opik API key and workspace/);
    const st = await bad.status(t!.id);
    assert.equal(st.state, 'pending');
    await bad.stop();
    const good = h.worker();
    assert.equal((await good.syncNow()).sent, 1);
    assert.equal((await good.status(t!.id)).state, 'sent');
  });

  it('restart with a non-empty outbox: a new worker on the same file delivers everything', async () => {
    const traces = h.add(10);
    await h.opik.down();
    const first = h.worker();
    for (const t of traces) await first.enqueue(t.id);
    assert.equal((await first.syncNow()).pending, 10);
    await first.stop();
    await h.reopen();
    await h.opik.up();
    const second = h.worker();
    assert.equal(await second.pendingCount(), 10);
    second.start();
    await waitFor(async () => (await second.pendingCount()) === 0, 15_000, 'delivery after restart');
    assert.equal(traces.filter((t) => h.opik.traces.has(t.id)).length, 10);
    assert.deepEqual(h.opik.duplicates(), { traces: [], spans: [] });
  });

  it('a trace outside the ingestion window fails permanently without blocking the others', async () => {
    h.opik.ingestionWindowMs = 86_400_000;
    const oldStart = Date.now() - 3 * 86_400_000;
    const old = h.add(1, { startTime: oldStart, id: uuidv7At(oldStart) })[0]!;
    const notV7 = h.add(1, { id: randomUUID() })[0]!;
    const fresh = h.add(2);
    const w = h.worker();
    for (const t of [old, notV7, ...fresh]) await w.enqueue(t.id);
    const r = await w.syncNow();
    assert.deepEqual({ sent: r.sent, failed: r.failed, pending: r.pending, permanentlyFailed: r.permanentlyFailed }, { sent: 2, failed: 2, pending: 0, permanentlyFailed: 2 });
    const so = await w.status(old.id);
    assert.equal(so.state, 'failed');
    assert.match(so.lastError ?? '', /ingestion window/);
    assert.match((await w.status(notV7.id)).lastError ?? '', /version 7/);
    for (const t of fresh) assert.equal((await w.status(t.id)).state, 'sent');
    const again = await w.syncNow();
    assert.equal(again.sent + again.failed, 0, 'permanent failures are not retried');
  });

  it('sends ratings and late judge scores added after the trace was sent as feedback-score updates', async () => {
    const [t] = h.add(1, { scores: [] });
    const w = h.worker();
    await w.enqueue(t!.id);
    await w.syncNow();
    t!.scores.push({ name: 'rating', value: 1, reason: '', source: 'user', spanId: null });
    await w.scoresChanged(t!.id);
    assert.equal(await w.pendingCount(), 1);
    const r = await w.syncNow();
    assert.equal(r.scoresSent, 1);
    assert.equal(h.opik.traceScores.get(`${t!.id}|user_rating`)?.value, 1);
    t!.scores[0]!.value = 0;
    t!.scores.push({ name: 'overall', value: 0.7, reason: 'late judge', source: 'judge', spanId: null });
    await w.scoresChanged(t!.id);
    await w.syncNow();
    assert.equal(h.opik.traceScores.get(`${t!.id}|user_rating`)?.value, 0);
    assert.equal(h.opik.traceScores.get(`${t!.id}|judge_overall`)?.reason, 'late judge');
    assert.equal(h.opik.writes.traces.get(t!.id), 1, 'the trace itself is not re-sent');
    assert.equal(await w.pendingCount(), 0);
  });

  it('a score change while the trace is still pending waits for the trace and is then sent', async () => {
    const [t] = h.add(1);
    await h.opik.down();
    const w = h.worker();
    await w.enqueue(t!.id);
    await w.scoresChanged(t!.id);
    await w.syncNow();
    await h.opik.up();
    const r = await w.syncNow();
    assert.equal(r.sent, 1);
    assert.equal(r.pending, 0);
  });

  it('the SDK transport reports project lookups and HTTP errors precisely', async () => {
    const tr = await createSdkTransport({ apiKey: h.opik.apiKey, url: h.opik.url, workspace: h.opik.workspace, project: 'CODI' }, { timeoutMs: 2000 });
    assert.equal(await tr.retrieveProject('nope'), null);
    h.opik.fail({ kind: 'status', status: 429, retryAfter: '7' });
    await assert.rejects(tr.createTraces([traceToOpik(explainTrace(), { projectName: 'CODI', redactor: createRedactor() }).trace]), (e: unknown) => {
      const err = e as { status: number; retryAfterMs: number; operation: string };
      return err.status === 429 && err.retryAfterMs === 7000 && err.operation === 'createTraces';
    });
    await h.opik.down();
    await assert.rejects(tr.retrieveProject('CODI'), (e: unknown) => (e as { status: unknown }).status === null);
    assert.ok(uuidv7());
  });
});
