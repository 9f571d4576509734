import assert from 'node:assert/strict';
import type { AlertState } from '../../src/core/analysis/alerts';
import { ALERT_DEFAULTS, evaluateAlerts } from '../../src/core/analysis/alerts';
import { TraceStore } from '../../src/core/store/traceStore';
import { makeTrace, tempDir, WASM } from '../support/fixtures';

const OK: AlertState = { quality: false, errors: false };
const runs = (scores: number[], failed = scores.map(() => false)) => ({ scores, failed });

describe('alerts: rolling quality and error rate, one event per crossing', () => {
  it('raises once when the mean of the last 20 judged runs drops below 0.6, then stays quiet while low', () => {
    const low = evaluateAlerts(runs([...Array(20).fill(0.52), ...Array(30).fill(0.9)]), ALERT_DEFAULTS, OK);
    assert.equal(low.events.length, 1);
    assert.equal(low.events[0]!.message, 'Quality dropped to 0.52 over the last 20 runs (threshold 0.6).');
    assert.deepEqual(low.state, { quality: true, errors: false });
    const still = evaluateAlerts(runs(Array(20).fill(0.5)), ALERT_DEFAULTS, low.state);
    assert.deepEqual(still.events, []);
    assert.deepEqual(still.state, low.state);
    const back = evaluateAlerts(runs(Array(20).fill(0.7)), ALERT_DEFAULTS, still.state);
    assert.deepEqual(back.events.map((e) => [e.kind, e.change]), [['quality', 'cleared']]);
    assert.equal(back.state.quality, false);
  });

  it('needs a full window: fewer runs neither raise nor clear', () => {
    assert.deepEqual(evaluateAlerts(runs(Array(19).fill(0.1)), ALERT_DEFAULTS, OK).events, []);
    const kept = evaluateAlerts(runs(Array(5).fill(0.9)), ALERT_DEFAULTS, { quality: true, errors: false });
    assert.deepEqual([kept.events, kept.state.quality, kept.meanScore], [[], true, null]);
  });

  it('raises on an error rate above 0.2 over the last runs; 0 and 1 turn the alerts off', () => {
    const failed = [...Array(5).fill(true), ...Array(15).fill(false)];
    const r = evaluateAlerts({ scores: [], failed }, ALERT_DEFAULTS, OK);
    assert.deepEqual(r.events.map((e) => [e.kind, e.change, e.value]), [['errors', 'raised', 0.25]]);
    assert.equal(r.events[0]!.message, 'Errors rose to 25% of the last 20 runs (threshold 20%).');
    assert.deepEqual(evaluateAlerts({ scores: [], failed: [...Array(4).fill(true), ...Array(16).fill(false)] }, ALERT_DEFAULTS, OK).events, []); // exactly 0.2
    assert.deepEqual(evaluateAlerts({ scores: Array(20).fill(0), failed: Array(20).fill(true) }, { minScore: 0, window: 20, maxErrorRate: 1 }, OK).events, []);
  });

  it('reads the latest judged scores and failures from the store, newest first, cancellations left out', async () => {
    const t = tempDir();
    const s = await TraceStore.open({ dir: t.dir, wasmPath: WASM });
    try {
      const now = Date.now();
      const at = (i: number) => now - i * 1000;
      await s.saveTrace(makeTrace({ startTime: at(0) }, 0.3));
      await s.saveTrace(makeTrace({ startTime: at(1), error: { kind: 'cancelled', message: 'cancelled' } }, null));
      await s.saveTrace(makeTrace({ startTime: at(2), error: { kind: 'quota', message: '429' } }, null));
      await s.saveTrace(makeTrace({ startTime: at(3) }, 0.9));
      assert.deepEqual(s.analysis().recent(20), { scores: [0.3, 0.9], failed: [false, true, false] });
      assert.deepEqual(s.analysis().recent(1), { scores: [0.3], failed: [false] });
    } finally {
      await s.close();
      t.cleanup();
    }
  });
});
