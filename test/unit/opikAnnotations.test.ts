/**
 * Annotations reach Opik through the durable outbox kept in the trace store: labels as categorical
 * feedback scores, the note as the trace's one comment (real opik SDK REST client → the Opik stand-in).
 */
import assert from 'node:assert/strict';
import type { OpikExport } from '../../src/core/opik/exporter';
import { startOpikExport } from '../../src/core/opik/exporter';
import type { BackoffPolicy } from '../../src/core/opik/sender';
import { TraceStore } from '../../src/core/store/traceStore';
import { tempDir, WASM } from '../support/fixtures';
import { explainTrace } from '../support/opikFixtures';
import { OpikStandIn } from '../support/opikStandIn';

const FAST: BackoffPolicy = { baseMs: 40, maxMs: 400, factor: 2, jitter: 0.25 };

describe('Opik export of annotations (labels → categorical scores, note → comment)', () => {
  let t: ReturnType<typeof tempDir>;
  let opik: OpikStandIn;
  let store: TraceStore;
  let exp: OpikExport;

  beforeEach(async () => {
    t = tempDir('codi-opik-annot-');
    opik = await OpikStandIn.start();
    store = await TraceStore.open({ dir: t.dir, wasmPath: WASM });
    exp = startOpikExport({
      settings: { enabled: true, url: opik.url, workspace: opik.workspace, project: 'CODI' },
      apiKey: opik.apiKey,
      store: store.outbox(),
      loadTrace: (id) => store.get(id),
      clientVersion: '0.1.0',
      client: 'vscode',
      timeoutMs: 2000,
      tuning: { backoff: FAST, pollMs: 100 },
    });
  });
  afterEach(async () => {
    await exp.worker?.stop();
    await store.close();
    await opik.close();
    t.cleanup();
  });

  it('sends labels and the note with the trace, then updates them in place when they change', async () => {
    const w = exp.worker!;
    const tr = explainTrace();
    await store.saveTrace(tr);
    await store.annotations().update(tr.id, { labels: ['hallucination', 'too long'], note: 'Invents fs.readJson.' });
    await w.enqueue(tr.id);
    const r1 = await w.syncNow();
    assert.equal(r1.sent, 1);
    const label = opik.traceScores.get(`${tr.id}|label_too_long`);
    assert.deepEqual([label?.category_name, label?.value, label?.source], ['too long', 1, 'ui']);
    assert.ok(opik.traceScores.has(`${tr.id}|label_hallucination`));
    assert.deepEqual([...opik.comments.values()].map((c) => [c.traceId, c.text]), [[tr.id, 'Invents fs.readJson.']]);
    assert.deepEqual(opik.unknownFields, []);

    // A change after the trace was sent goes as a score update: the same comment is edited, not added.
    const a = await store.annotations().update(tr.id, { note: 'Invents fs.readJson (it is fs-extra).', addLabels: ['wrong language'] });
    await w.scoresChanged(tr.id);
    const r2 = await w.syncNow();
    assert.equal(r2.scoresSent, 1);
    assert.equal(opik.comments.size, 1);
    assert.equal(opik.comments.get(a.commentId!)?.text, 'Invents fs.readJson (it is fs-extra).');
    assert.ok(opik.traceScores.has(`${tr.id}|label_wrong_language`));
    assert.equal(opik.calls(`/v1/private/traces/${tr.id}/comments`).filter((c) => c.status === 204).length, 1, 'created once');

    // Taking a label off removes its score in Opik.
    await store.annotations().update(tr.id, { labels: ['hallucination', 'wrong language'] });
    await w.scoresChanged(tr.id);
    await w.syncNow();
    assert.equal(opik.traceScores.has(`${tr.id}|label_too_long`), false, 'the removed label is gone from Opik');
    assert.ok(opik.traceScores.has(`${tr.id}|label_hallucination`));

    // Clearing the note deletes the comment.
    await store.annotations().update(tr.id, { note: '' });
    await w.scoresChanged(tr.id);
    await w.syncNow();
    assert.equal(opik.comments.size, 0);
    assert.equal(await store.outbox().pendingCount(), 0);
  });

  it('keeps an annotation change queued while Opik fails, and delivers it on the next sync', async () => {
    const w = exp.worker!;
    const tr = explainTrace();
    await store.saveTrace(tr);
    await w.enqueue(tr.id);
    await w.syncNow();
    await store.annotations().update(tr.id, { note: 'Needs a second look.', labels: ['unclear'] });
    await w.scoresChanged(tr.id);
    opik.fail({ kind: 'status', status: 503, path: /comments/ });
    const r1 = await w.syncNow();
    assert.equal(r1.pending, 1, 'the update stays queued');
    assert.equal(opik.comments.size, 0);
    const r2 = await w.syncNow();
    assert.equal(r2.pending, 0);
    assert.equal([...opik.comments.values()][0]?.text, 'Needs a second look.');
    assert.ok(opik.traceScores.has(`${tr.id}|label_unclear`));
  });
});
