import assert from 'node:assert/strict';
import { percentileSorted } from '../../src/core/analysis/stats';
import type { Histogram } from '../../src/core/store/latencyBins';
import { addToHistogram, binValue, histogramPercentiles, latencyBin, newHistogram, TTFT_BASE } from '../../src/core/store/latencyBins';

/** A small deterministic generator (xorshift), so the test sees the same spread every run. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

describe('Latency histograms of the rollups', () => {
  it('keep latencies below 128 ms exact and bins above monotonic and 1% wide', () => {
    for (const v of [0, 1, 50, 127]) assert.equal(binValue(latencyBin(v)), v);
    assert.equal(latencyBin(-5), 0);
    let prev = latencyBin(128);
    for (let v = 129; v < 200_000; v = Math.ceil(v * 1.003)) {
      const b = latencyBin(v);
      assert.ok(b >= prev, `bin of ${v} went down`);
      prev = b;
      assert.ok(Math.abs(binValue(b) - v) <= v * 0.005 + 0.5, `${v} ms stands as ${binValue(b)} ms`);
    }
  });

  it('give nearest-rank percentiles within half a bin of the exact ones, latency and ttft apart', () => {
    const r = rng(7);
    const lat: number[] = [];
    const ttft: number[] = [];
    const h: Histogram = newHistogram();
    for (let i = 0; i < 5000; i++) {
      const v = Math.round(200 + Math.exp(r() * 9)); // 200 ms … 8 s, skewed
      const t = Math.round(20 + r() * 600);
      lat.push(v);
      ttft.push(t);
      addToHistogram(h, latencyBin(v), 1);
      addToHistogram(h, TTFT_BASE + latencyBin(t), 1);
    }
    const sorted = (xs: number[]) => Float64Array.from(xs).sort();
    for (const p of [1, 50, 90, 95, 99, 100]) {
      const exact = percentileSorted(sorted(lat), p)!;
      const [got] = histogramPercentiles(h, 'latency', p);
      assert.ok(Math.abs(got! - exact) <= exact * 0.005 + 0.5, `p${p}: ${got} vs ${exact}`);
      const exactT = percentileSorted(sorted(ttft), p)!;
      const [gotT] = histogramPercentiles(h, 'ttft', p);
      assert.ok(Math.abs(gotT! - exactT) <= exactT * 0.005 + 0.5, `ttft p${p}: ${gotT} vs ${exactT}`);
    }
  });

  it('say null for a metric with no values, and merge counts', () => {
    const h: Histogram = newHistogram();
    assert.deepEqual(histogramPercentiles(h, 'latency', 50, 95), [null, null]);
    addToHistogram(h, latencyBin(100), 3);
    addToHistogram(h, latencyBin(100), 1);
    addToHistogram(h, latencyBin(90), 1);
    assert.deepEqual(histogramPercentiles(h, 'latency', 20, 21, 100), [90, 100, 100]);
    assert.deepEqual(histogramPercentiles(h, 'ttft', 50), [null]);
  });
});
