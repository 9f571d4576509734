import assert from 'node:assert/strict';
import { frustrationScore } from '../../src/core/analysis/frustration';
import { autoTags } from '../../src/core/tracing/autoTags';
import { TraceStore } from '../../src/core/store/traceStore';
import { makeTrace, tempDir, WASM } from '../support/fixtures';

const MIN = 60_000;
const run = (id: string, minutesAgo: number, userScore: number | null = null) => ({ id, startTime: 100 * MIN - minutesAgo * MIN, userScore });

describe('threads: the frustration heuristic and automatic tags', () => {
  it('flags three asks on the same code within ten minutes, not three spread wider', () => {
    const s = frustrationScore([run('c', 0), run('b', 4), run('a', 9)]);
    assert.deepEqual(s && [s.name, s.value, s.source, s.reason], ['frustration', 1, 'heuristic', 'Asked 3 times about the same code within 10 minutes.']);
    assert.equal(frustrationScore([run('c', 0), run('b', 4), run('a', 11)]), null);
    assert.equal(frustrationScore([run('b', 0), run('a', 1)]), null);
    assert.equal(frustrationScore([run('a', 0)]), null);
  });

  it('flags a re-ask after a thumbs-down (or 1–2 stars), at any distance, but not after approval', () => {
    assert.equal(frustrationScore([run('b', 0), run('a', 60, 0)])?.reason, 'Asked again after rating the previous answer down.');
    assert.notEqual(frustrationScore([run('b', 0), run('a', 60, 0.25)]), null);
    assert.equal(frustrationScore([run('b', 0), run('a', 60, 0.5)]), null);
    assert.equal(frustrationScore([run('b', 0), run('a', 60, 1)]), null);
  });

  it('reads a thread newest first with its ratings from the store', async () => {
    const t = tempDir();
    const s = await TraceStore.open({ dir: t.dir, wasmPath: WASM });
    try {
      const now = Date.now();
      const a = makeTrace({ startTime: now - 5 * MIN, threadId: 'explain:a.ts:1' });
      const b = makeTrace({ startTime: now - 2 * MIN, threadId: 'explain:a.ts:1' });
      await s.saveTrace(a);
      await s.saveTrace(b);
      await s.saveTrace(makeTrace({ startTime: now, threadId: 'other' }));
      await s.addScores(b.id, [{ name: 'rating', value: 0, reason: 'thumbs', source: 'user', spanId: null }]);
      assert.deepEqual(s.analysis().thread('explain:a.ts:1'), [
        { id: b.id, startTime: b.startTime, userScore: 0 },
        { id: a.id, startTime: a.startTime, userScore: null },
      ]);
    } finally {
      await s.close();
      t.cleanup();
    }
  });

  it('tags a trace with its pipeline, language, answering model, fallback, cut-off and experiment', () => {
    const tr = makeTrace({ metadata: { model: 'gemini-2.5-pro', language: 'typescript', experiment: 'nightly' } });
    tr.spans[0]!.model = 'gemini-2.5-flash-lite';
    tr.spans[0]!.attributes = { fallbackFrom: 'gemini-2.5-pro', finishReason: 'MAX_TOKENS' };
    assert.deepEqual(autoTags(tr), ['explain', 'typescript', 'gemini-2.5-flash-lite', 'fallback', 'cut-off', 'experiment:nightly']);
    assert.deepEqual(autoTags(makeTrace({ metadata: { language: 'plaintext' } })), ['explain', 'gemini-2.5-flash']);
  });
});
