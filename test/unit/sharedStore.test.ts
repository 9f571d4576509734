/**
 * One store for the CLI and VS Code (issue 13 §1): where it lives (location.ts), the move of the
 * extension's old global-storage store into it (legacyMove.ts), and another process's writes being seen
 * by a store that is already open.
 */
import assert from 'node:assert/strict';
import { existsSync, promises as fs, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { moveLegacyStore } from '../../src/core/store/legacyMove';
import { resolveStoreDir } from '../../src/core/store/location';
import { TraceStore } from '../../src/core/store/traceStore';
import type { TraceRecord } from '../../src/shared/types';
import { buildCli, startCli } from '../support/cliKit';
import { makeTrace, tempDir, WASM } from '../support/fixtures';
import { startGeminiStandIn } from '../support/geminiStandIn';
import { startWriter } from '../support/storeKit';

describe('shared store: location', () => {
  const home = '/home/ada';
  it('CODI_HOME wins, then codi.storePath, then ~/.codi', () => {
    assert.deepEqual(resolveStoreDir({ env: { CODI_HOME: '/data/codi' }, setting: '/elsewhere', homedir: home }), { dir: '/data/codi', source: 'env' });
    assert.deepEqual(resolveStoreDir({ env: {}, setting: '/srv/traces', homedir: home }), { dir: '/srv/traces', source: 'setting' });
    assert.deepEqual(resolveStoreDir({ env: {}, setting: '', homedir: home }), { dir: '/home/ada/.codi', source: 'default' });
    assert.deepEqual(resolveStoreDir({ env: { CODI_HOME: '  ' }, setting: null, homedir: home }), { dir: '/home/ada/.codi', source: 'default' });
  });

  it('a leading ~ is the home folder, and a relative setting is anchored there (not at the window\'s folder)', () => {
    assert.equal(resolveStoreDir({ env: {}, setting: '~/traces', homedir: home }).dir, '/home/ada/traces');
    assert.equal(resolveStoreDir({ env: { CODI_HOME: '~' }, homedir: home }).dir, '/home/ada');
    assert.equal(resolveStoreDir({ env: {}, setting: 'codi-store', homedir: home }).dir, '/home/ada/codi-store');
  });
});

describe('shared store: another writer while the store is open', function () {
  this.timeout(60_000);
  it('a separate process appending to the journal is seen by an open store after refresh(), with a change event', async () => {
    const tmp = tempDir('codi-shared-');
    const store = await TraceStore.open({ dir: tmp.dir, wasmPath: WASM });
    try {
      await store.saveTrace(makeTrace({ name: 'own' }));
      let changes = 0;
      store.onDidChange(() => changes++);
      const w = startWriter(tmp.dir, 'cli-', 3);
      assert.equal((await w.exited).code, 0);
      assert.equal(await store.refresh(), 3);
      assert.ok(changes >= 1, 'listeners hear about the other process\'s traces');
      assert.deepEqual(store.list().map((t) => t.name).sort(), ['cli-0', 'cli-1', 'cli-2', 'own']);
      for (const id of w.acked) assert.equal((await store.get(id))?.id, id);
    } finally {
      await store.close();
      tmp.cleanup();
    }
  });
});

describe('shared store: the CLI and an open store (as the extension holds it)', function () {
  this.timeout(90_000);
  it('a `codi explain` with no CODI_HOME writes to ~/.codi, is seen by the store already open there, and records its folder', async () => {
    const bin = await buildCli('codi-shared-bin-');
    const home = tempDir('codi-shared-home-');
    const gemini = await startGeminiStandIn();
    const work = join(home.dir, 'project', 'src');
    await fs.mkdir(work, { recursive: true });
    await fs.writeFile(join(work, 'f.js'), 'function f(a) {\n  return a + 1;\n}\n');
    const store = await TraceStore.open({ dir: join(home.dir, '.codi'), wasmPath: WASM });
    try {
      gemini.enqueue({ kind: 'text', text: 'Adds one.' });
      const r = await startCli(bin.cli, ['explain', 'f.js', '--no-judge', '--json'], work, { HOME: home.dir, GEMINI_API_KEY: 'k', GOOGLE_GEMINI_BASE_URL: gemini.url }).done;
      assert.equal(r.code, 0, r.stderr);
      const id = (JSON.parse(r.stdout) as { traceId: string }).traceId;
      assert.equal(await store.refresh(), 1, 'the open store reads the CLI\'s append');
      assert.equal((await store.get(id))?.metadata.workspace, work);
      const project = join(home.dir, 'project');
      assert.deepEqual(store.query({ workspace: [project] }).items.map((t) => t.id), [id], 'a run in a subfolder belongs to the workspace');
      assert.deepEqual(store.query({ workspace: [`${project}/`] }).items.map((t) => t.id), [id], 'a trailing separator does not matter');
      assert.deepEqual(store.query({ workspace: [`${project}-other`] }).items, [], 'a sibling folder with the same prefix is another workspace');
      assert.deepEqual(store.query({ workspace: [] }).items, []);
      assert.equal(store.query({}).items.length, 1);
    } finally {
      await store.close();
      await gemini.close();
      home.cleanup();
      bin.cleanup();
    }
  });
});

describe('shared store: moving the old global-storage store', function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof tempDir>;
  let from: string;
  let to: TraceStore;
  const prompt = { name: 'explain', version: 'abc123', system: 'You explain code.', user: 'Explain {{code}}' };

  /** An old store with `n` traces (the first one rated later, with a prompt version), Opik entries and an experiment. */
  async function oldStore(n: number): Promise<TraceRecord[]> {
    const old = await TraceStore.open({ dir: from, wasmPath: WASM });
    const traces = Array.from({ length: n }, (_, i) => makeTrace({ name: `old ${i}`, startTime: 1_700_000_000_000 + i * 1000, ...(i === 0 ? { metadata: { model: 'm', prompts: { explain: 'abc123' } } } : {}) }));
    for (const t of traces) await old.saveTrace(t, t === traces[0] ? { prompts: [prompt] } : undefined);
    await old.addScores(traces[0]!.id, [{ name: 'user_rating', value: 1, reason: 'thumbs up', source: 'user', spanId: null }]);
    await old.outbox().enqueue(traces[0]!.id, 10);
    await old.outbox().markSent(traces[0]!.id, { projectId: 'p1', url: 'http://opik/trace/1', at: 11 });
    await old.outbox().enqueueScoreUpdate(traces[0]!.id, 12);
    await old.outbox().enqueue(traces[1]!.id, 13);
    await old.close();
    await fs.mkdir(join(from, 'experiments'));
    await fs.writeFile(join(from, 'experiments', 'run-1.json'), '{"runId":"run-1","cases":[]}');
    return traces;
  }

  beforeEach(async () => {
    tmp = tempDir('codi-move-');
    from = join(tmp.dir, 'globalStorage', 'traces');
    to = await TraceStore.open({ dir: join(tmp.dir, 'home', '.codi'), wasmPath: WASM });
    await to.saveTrace(makeTrace({ name: 'from the CLI' }));
  });
  afterEach(async () => {
    await to.close();
    tmp.cleanup();
  });

  const movedAside = () => readdirSync(join(tmp.dir, 'globalStorage')).filter((n) => n.startsWith('traces.migrated-'));

  it('moves every trace with its ratings, prompt versions, Opik state and experiments, then sets the old folder aside', async () => {
    const traces = await oldStore(5);
    const r = await moveLegacyStore({ from, to, wasmPath: WASM, now: () => Date.UTC(2026, 10, 28) });
    assert.ok(r);
    assert.equal(r.moved, 5);
    assert.equal(r.present, 0);
    assert.equal(r.outbox, 2);
    assert.equal(r.experiments, 1);
    assert.equal(to.count(), 6);
    const first = await to.get(traces[0]!.id);
    assert.deepEqual(first?.scores.map((s) => s.source).sort(), ['judge', 'user'], 'the later rating travels with the trace');
    assert.equal((await to.getPromptVersion('explain', 'abc123'))?.user, prompt.user);
    assert.deepEqual(await to.outbox().state(traces[0]!.id), { state: 'sent', url: 'http://opik/trace/1', lastError: null, attempts: 0, nextAttemptAt: null, sentAt: 11, projectId: 'p1' });
    assert.equal((await to.outbox().state(traces[1]!.id)).state, 'pending');
    assert.equal(await to.outbox().pendingCount(), 2, 'the pending delivery and the pending score update of the sent trace');
    assert.ok(existsSync(join(to.dir, 'experiments', 'run-1.json')));
    assert.equal(existsSync(from), false);
    const aside = movedAside();
    assert.equal(aside.length, 1, 'renamed, not deleted');
    assert.match(readFileSync(join(tmp.dir, 'globalStorage', aside[0]!, 'MIGRATED.txt'), 'utf8'), /5 trace\(s\) of this store were moved into .*\.codi/);
    assert.equal(await moveLegacyStore({ from, to, wasmPath: WASM }), null, 'nothing left to move next start');
  });

  it('a move that stops mid-way and runs again copies the rest, none twice, and keeps the old folder until then', async () => {
    const traces = await oldStore(6);
    const save = to.saveTrace.bind(to);
    let calls = 0;
    // The process "dies" after three durable copies.
    to.saveTrace = async (t, e) => {
      if (++calls > 3) throw new Error('killed');
      await save(t, e);
    };
    await assert.rejects(moveLegacyStore({ from, to, wasmPath: WASM }), /killed/);
    assert.equal(to.count(), 4);
    assert.ok(existsSync(from), 'the old folder stays until the move is verified');
    to.saveTrace = save;
    const r = await moveLegacyStore({ from, to, wasmPath: WASM });
    assert.equal(r?.moved, 3);
    assert.equal(r?.present, 3);
    assert.equal(to.count(), 7);
    assert.deepEqual(new Set(to.list().map((t) => t.id)), new Set([...traces.map((t) => t.id), to.list().find((t) => t.name === 'from the CLI')!.id]));
    assert.equal(movedAside().length, 1);
    // Re-running the outbox adoption adds nothing: the journal holds one delivery entry per trace.
    assert.equal(await to.outbox().adopt([{ traceId: traces[1]!.id, trace: { state: 'failed', enqueuedAt: 1, attempts: 9, nextAttemptAt: null, lastError: 'x', sentAt: null, projectId: null, url: null }, scores: null }], 20), 0);
    assert.equal((await to.outbox().state(traces[1]!.id)).state, 'pending');
  });

  it('a trace that cannot be read keeps the old folder where it is; the readable ones are moved', async () => {
    const traces = await oldStore(3);
    // Damage the second trace's record on disk (its bytes, not the index).
    const old = await TraceStore.open({ dir: from, wasmPath: WASM });
    const seg = readdirSync(join(from, 'journal')).find((n) => n.endsWith('.cdj'))!;
    await old.close();
    const path = join(from, 'journal', seg);
    const bytes = readFileSync(path);
    const at = bytes.indexOf(Buffer.from('old 1'));
    assert.ok(at > 0);
    bytes[at + 200] = bytes[at + 200]! ^ 0xff;
    await fs.writeFile(path, bytes);
    const r = await moveLegacyStore({ from, to, wasmPath: WASM });
    assert.ok(r);
    assert.equal(r.renamedTo, null);
    assert.ok(existsSync(from), 'kept for a person to look at');
    assert.equal(r.moved, 2);
    assert.equal(r.unreadable.length + r.problems.length > 0, true);
    assert.ok(await to.get(traces[0]!.id));
  });

  it('does nothing when there is no old store, or when the old store is the shared one', async () => {
    assert.equal(await moveLegacyStore({ from, to, wasmPath: WASM }), null);
    assert.equal(await moveLegacyStore({ from: to.dir, to, wasmPath: WASM }), null);
    assert.equal(to.count(), 1);
  });
});

describe('shared store: the journal outbox as the CLI uses it', () => {
  it('lists refused traces, says when the next attempt is due, gives refused traces up (state off) and queues one again', async () => {
    const tmp = tempDir('codi-outbox-cli-');
    let store = await TraceStore.open({ dir: tmp.dir, wasmPath: WASM });
    try {
      const o = store.outbox();
      for (const [id, at] of [['a', 1], ['b', 2], ['c', 3]] as const) await o.enqueue(id, at);
      await o.markFailed('a', { error: 'HTTP 422: bad trace', nextAttemptAt: null, permanent: true, at: 4 });
      await o.enqueueScoreUpdate('a', 5);
      await o.markFailed('b', { error: 'HTTP 503', nextAttemptAt: 900, permanent: false, at: 6 });
      assert.equal(await o.nextAttemptAt(), null, 'c is due now');
      await o.markFailed('c', { error: 'HTTP 503', nextAttemptAt: 700, permanent: false, at: 7 });
      assert.equal(await o.nextAttemptAt(), 700, 'the earliest retry');
      assert.deepEqual(await o.failedEntries(), [{ traceId: 'a', lastError: 'HTTP 422: bad trace', attempts: 1, enqueuedAt: 1 }]);
      assert.deepEqual(await o.dropFailed(8), ['a']);
      assert.equal((await o.state('a')).state, 'off');
      assert.deepEqual(await o.failedEntries(), []);
      assert.equal(await o.pendingCount(), 2);
      // Given up survives reopening (a null entry in the journal, not a forgotten one)…
      await store.close();
      store = await TraceStore.open({ dir: tmp.dir, wasmPath: WASM });
      assert.equal((await store.outbox().state('a')).state, 'off');
      // …and `codi opik sync a` queues it again.
      await store.outbox().enqueue('a', 9);
      assert.equal((await store.outbox().state('a')).state, 'pending');
      assert.deepEqual((await store.outbox().due(10, 10)).map((d) => d.traceId), ['a']);
    } finally {
      await store.close();
      tmp.cleanup();
    }
  });
});
