/**
 * One deliverer per outbox queue across processes (issue 13 leftovers): the delivery lease in the store
 * folder (store/deliveryLease.ts), taken by every delivery pass of the Opik worker and the OTLP push
 * (delivery/loop.ts). Checked at the wire: requests counted at the Opik and OTLP stand-ins, with two
 * TraceStore instances in this process and with the real CLI as the other process, including a holder
 * killed in the middle of a delivery.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describeHolder } from '../../src/core/delivery/lease';
import { otlpTraceId } from '../../src/core/export/otlp';
import { OtlpPusher } from '../../src/core/export/otlpPush';
import { startOpikExport } from '../../src/core/opik/exporter';
import { createRedactor } from '../../src/core/redact/redact';
import { FileDeliveryLease, LEASE_STALE_MS } from '../../src/core/store/deliveryLease';
import { TraceStore } from '../../src/core/store/traceStore';
import { useCliKit } from '../support/cliKit';
import { makeTrace, tempDir, WASM } from '../support/fixtures';
import { OpikStandIn } from '../support/opikStandIn';
import { OtlpStandIn } from '../support/otlpStandIn';

const open = (dir: string) => TraceStore.open({ dir, wasmPath: WASM });

function pusher(store: TraceStore, url: string, client: string, extra: Partial<ConstructorParameters<typeof OtlpPusher>[0]> = {}): OtlpPusher {
  return new OtlpPusher({ endpoint: url, store: store.outbox('otlp'), loadTrace: async (id) => (await store.get(id)) ?? (await store.refresh(), await store.get(id)), otlp: { redactor: createRedactor(), version: '1.0.0-test', client }, ...extra });
}

/** `n` finished traces saved in `store` and queued for the OTLP push (or Opik's queue). */
async function queued(store: TraceStore, n: number, queue: 'otlp' | 'trace' = 'otlp'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = makeTrace({ startTime: Date.now() - 60_000 + i, name: `t${i}` });
    await store.saveTrace(t);
    await store.outbox(queue).enqueue(t.id, Date.now() - 60_000 + i);
    ids.push(t.id);
  }
  return ids;
}

/** Every trace arrived, and no span twice (the receiver does not dedupe: a second POST would show). */
function assertEachOnce(receiver: OtlpStandIn, ids: readonly string[]): void {
  assert.equal(new Set(receiver.spans.map((s) => s.spanId)).size, receiver.spans.length, 'no span was received twice');
  for (const id of ids) assert.ok(receiver.trace(otlpTraceId(id)).length >= 2, `trace ${id} arrived`);
  assert.deepEqual(new Set(receiver.spans.map((s) => s.traceId)), new Set(ids.map(otlpTraceId)), 'nothing else arrived');
}

describe('delivery lease: one holder per queue', () => {
  let d: ReturnType<typeof tempDir>;
  beforeEach(() => (d = tempDir('codi-lease-')));
  afterEach(() => d.cleanup());

  it('one holder at a time, re-entrant, free again once released; holder() says who', async () => {
    const path = join(d.dir, 'q.lease');
    const a = new FileDeliveryLease(path, 'vscode');
    const b = new FileDeliveryLease(path, 'cli');
    assert.equal(await a.tryAcquire(), true);
    assert.equal(await b.tryAcquire(), false);
    assert.equal(await a.tryAcquire(), true, 're-entrant');
    const h = await b.holder();
    assert.equal(h?.client, 'vscode');
    assert.equal(h?.pid, process.pid);
    assert.match(describeHolder(h), /^CODI in VS Code \(pid \d+, since \d{4}-\d\d-\d\dT/);
    await a.release();
    assert.equal(await b.tryAcquire(), false, 'still held once');
    await a.release();
    assert.equal(existsSync(path), false, 'released: the file is gone');
    assert.equal(await b.holder(), null);
    assert.equal(await b.tryAcquire(), true);
    assert.equal(await a.renew(), false, 'a released lease is not renewed');
    await b.release();
  });

  it('a lease nobody renewed for longer than the stale time is taken over; the old holder learns it on renew', async () => {
    const path = join(d.dir, 'q.lease');
    const a = new FileDeliveryLease(path, 'vscode');
    const b = new FileDeliveryLease(path, 'cli');
    assert.equal(await a.tryAcquire(), true);
    const old = new Date(Date.now() - LEASE_STALE_MS - 5_000);
    await fs.utimes(path, old, old); // a holder that hung
    assert.equal(await b.holder(), null, 'a stale lease has no live holder');
    assert.equal(await b.tryAcquire(), true);
    assert.equal(await a.renew(), false, 'the hung holder stops before its next request');
    assert.equal(await b.renew(), true);
    await a.release();
    assert.equal((await b.holder())?.client, 'cli', "the old holder's release leaves the new lease alone");
    await b.release();
  });

  it('a lease whose process is gone is taken over at once; one of a live process is not', async () => {
    const path = join(d.dir, 'q.lease');
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    const write = (pid: number) => fs.writeFile(path, JSON.stringify({ pid, host: hostname(), client: 'cli', since: Date.now(), token: `t${pid}` }));
    await write(process.ppid);
    const b = new FileDeliveryLease(path, 'vscode');
    assert.equal(await b.tryAcquire(), false, 'a live holder keeps it');
    assert.equal((await b.holder())?.pid, process.ppid);
    await write(gone);
    assert.equal(await b.tryAcquire(), true, 'a dead holder loses it');
    assert.equal((await b.holder())?.client, 'vscode');
    await b.release();
  });
});

describe('delivery lease: two deliverers on one store folder (OTLP stand-in)', function () {
  this.timeout(60_000);
  let receiver: OtlpStandIn;
  let d: ReturnType<typeof tempDir>;
  beforeEach(async () => {
    receiver = await new OtlpStandIn().start();
    d = tempDir('codi-lease-otlp-');
  });
  afterEach(async () => {
    await receiver.close();
    d.cleanup();
  });

  it('while one delivers, the other leaves the queue alone and says who delivers; each trace is POSTed once', async () => {
    const [a, b] = [await open(d.dir), await open(d.dir)];
    try {
      const ids = await queued(a, 5);
      const held = receiver.hold();
      const pa = pusher(a, receiver.url, 'vscode');
      const pb = pusher(b, receiver.url, 'cli');
      const first = pa.syncNow(0);
      await held.arrived;
      const rb = await pb.syncNow(0);
      assert.equal(rb.sent, 0);
      assert.equal(rb.pending, 5);
      assert.equal(rb.deliveredBy?.client, 'vscode');
      assert.match(rb.lastError ?? '', /^The OTLP outbox is being delivered by CODI in VS Code \(pid \d+, since .*\); it sends what is queued, nothing is lost/);
      assert.equal(receiver.requests.length, 0, 'the second deliverer sent nothing');
      await held.release();
      assert.deepEqual(await first, { sent: 5, pending: 0, failed: 0, lastError: null });
      assert.deepEqual(await pb.syncNow(0), { sent: 0, pending: 0, failed: 0, lastError: null }, 'the other sees them sent');
      assertEachOnce(receiver, ids);
      assert.deepEqual(receiver.requests.map((r) => r.status), [200]);
      assert.equal(existsSync(join(d.dir, 'otlp-delivery.lease')), false, 'given back after the pass');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a started deliverer that finds the lease taken tries again later and delivers once it is free', async () => {
    const store = await open(d.dir);
    const other = new FileDeliveryLease(join(d.dir, 'otlp-delivery.lease'), 'cli');
    assert.equal(await other.tryAcquire(), true);
    let busy = (): void => undefined;
    const triedWhileBusy = new Promise<void>((r) => (busy = r));
    let done = (): void => undefined;
    const drained = new Promise<void>((r) => (done = r));
    const p = pusher(store, receiver.url, 'vscode', {
      leaseRetryMs: 20,
      log: (_l, m) => /being delivered by a `codi` command/.test(m) && busy(),
      onDidChange: (s) => s.pending === 0 && done(),
    });
    try {
      const ids = await queued(store, 3);
      p.start();
      await triedWhileBusy;
      assert.equal(receiver.requests.length, 0, 'nothing sent while another process holds the lease');
      await other.release();
      await drained;
      assertEachOnce(receiver, ids);
      assert.equal(await store.outbox('otlp').pendingCount(), 0);
    } finally {
      await p.stop();
      await store.close();
    }
  });
});

describe('delivery lease: VS Code (this process) and the real CLI on one store', function () {
  this.timeout(180_000);
  const kit = useCliKit('lease', { files: { 'f.js': 'function f(a) {\n  return a + 1;\n}\n' } });

  it('OTLP: a `codi explain` while this process delivers leaves its trace to it; every trace POSTed once', async () => {
    const receiver = await new OtlpStandIn().start();
    const store = await open(kit.home);
    try {
      const ids = await queued(store, 3);
      const held = receiver.hold();
      // A long request time limit: the CLI waits for the lease a few seconds while this request is held.
      const first = pusher(store, receiver.url, 'vscode', { timeoutMs: 120_000 }).syncNow(0);
      await held.arrived;
      kit.gemini.enqueue({ kind: 'text', text: 'It adds one.' });
      const run = await kit.codi(['explain', 'f.js', '--json', '--no-judge'], { CODI_OTLP_ENDPOINT: receiver.url });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /OTLP: queued; CODI in VS Code \(pid \d+, since .*\) is delivering the OTLP outbox and sends it\./);
      await held.release();
      const cliTrace = (JSON.parse(run.stdout) as { traceId: string }).traceId;
      // The pass in progress reads the outbox afresh after each batch: it picks up the CLI's trace too.
      assert.deepEqual(await first, { sent: 4, pending: 0, failed: 0, lastError: null });
      assertEachOnce(receiver, [...ids, cliTrace]);
      assert.deepEqual(receiver.requests.map((r) => r.status), [200, 200]);
    } finally {
      await store.close();
      await receiver.close();
    }
  });

  it('OTLP: the CLI killed in the middle of a delivery: its lease is taken over, the rest delivered, nothing twice', async () => {
    const receiver = await new OtlpStandIn().start();
    const store = await open(kit.home);
    try {
      const ids = await queued(store, 25); // the CLI sends 20 per request: the second request is cut off
      const held = receiver.hold(1);
      kit.gemini.enqueue({ kind: 'text', text: 'It adds one.' });
      const cli = kit.start(['explain', 'f.js', '--json', '--no-judge'], { CODI_OTLP_ENDPOINT: receiver.url });
      await held.arrived;
      cli.child.kill('SIGKILL');
      assert.equal((await cli.done).signal, 'SIGKILL');
      assert.equal(await store.outbox('otlp').lease('vscode').holder(), null, 'a dead holder does not count');
      const r = await pusher(store, receiver.url, 'vscode').syncNow(0);
      assert.deepEqual(r, { sent: 6, pending: 0, failed: 0, lastError: null }, 'the 5 queued + the CLI trace of the cut-off request');
      await held.release();
      const cliTrace = (await store.refresh(), store.list().find((t) => !ids.includes(t.id)))!.id;
      assertEachOnce(receiver, [...ids, cliTrace]);
      assert.deepEqual(receiver.requests.map((q) => q.status).sort(), [-1, 200, 200], 'the cut-off request was never answered');
    } finally {
      await store.close();
      await receiver.close();
    }
  });

  it('Opik: `codi opik sync` killed mid-run: this process takes over; every trace written once at the stand-in', async () => {
    const opik = await OpikStandIn.start();
    const store = await open(kit.home);
    const env = { OPIK_URL_OVERRIDE: opik.url, OPIK_API_KEY: opik.apiKey, OPIK_WORKSPACE: opik.workspace };
    try {
      const ids = await queued(store, 25, 'trace');
      const held = opik.hold(/\/traces\/batch$/, 1);
      const cli = kit.start(['opik', 'sync'], env);
      await held.arrived;
      cli.child.kill('SIGKILL');
      await cli.done;
      const exp = startOpikExport({ settings: { enabled: true, url: opik.url, workspace: opik.workspace }, apiKey: opik.apiKey, store: store.outbox(), loadTrace: (id) => store.get(id), client: 'vscode' });
      const r = await exp.worker!.syncNow(0);
      assert.equal(r.sent, 5);
      assert.equal(r.pending, 0);
      await held.release();
      assert.equal(opik.traces.size, 25);
      for (const id of ids) assert.ok(opik.traces.has(id), `trace ${id} in Opik`);
      assert.deepEqual(opik.duplicates(), { traces: [], spans: [] }, 'nothing written twice');
      assert.equal(opik.calls('/v1/private/traces/batch').filter((q) => q.status === -1).length, 1, 'the cut-off request changed nothing');
    } finally {
      await store.close();
      await opik.close();
    }
  });

  it('Opik: `codi opik sync` while VS Code delivers waits up to --wait, then says who delivers and what to do', async () => {
    const store = await open(kit.home);
    const vscode = store.outbox().lease('vscode');
    try {
      await queued(store, 1, 'trace');
      assert.equal(await vscode.tryAcquire(), true);
      const env = { OPIK_URL_OVERRIDE: 'http://127.0.0.1:9/api', OPIK_API_KEY: 'k', OPIK_WORKSPACE: 'w' };
      const status = await kit.codi(['opik', 'status'], env);
      assert.match(status.stdout, /Being delivered now by CODI in VS Code \(pid \d+, since /);
      const run = await kit.codi(['opik', 'sync', '--wait', '1'], env);
      assert.equal(run.code, 4, run.stderr);
      assert.match(run.stderr, /the Opik outbox is being delivered by CODI in VS Code \(pid \d+, since .*\), which sends the queued traces itself; nothing is lost\. Waited 1 s .*`codi opik status` shows what is left; run `codi opik sync` again once it has finished/);
      assert.equal(await store.outbox().pendingCount(), 1, 'left queued');
    } finally {
      await vscode.release();
      await store.close();
    }
  });
});
