// `npm run bench:eval`: the experiment runner against the Gemini stand-in (prints figures; not a test).
//  1. 100 explain cases, judge on, every reply after 300 ms: wall time at concurrency 1, 4 and 8
//     (goal at 8: ≤ 12 s, near 200 calls × 0.3 s / 8).
//  2. The stand-in answers 429 + RetryInfo 2 s to a burst of calls: requests made vs calls needed (goal ≤ 1.1×).
//   npx tsx scripts/benchEval.ts [--cases 100] [--delay 300] [--burst 8]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset } from '../src/core/eval/dataset';
import { runExperiment } from '../src/core/eval/experiment';
import { createGeminiClient } from '../src/core/gemini/client';
import { RateGate } from '../src/core/gemini/gate';
import { SHIPPED_PRICES } from '../src/core/gemini/pricing';
import { runConfig } from '../src/core/run/config';
import { Tracer } from '../src/core/tracing/tracer';
import { defaultReply, startGeminiStandIn } from '../test/support/geminiStandIn';
import type { Reply } from '../test/support/geminiStandIn';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const CASES = arg('cases', 100);
const DELAY = arg('delay', 300);
const BURST = arg('burst', 8);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'codi-bench-eval-'));
  const rows = Array.from({ length: CASES }, (_, i) => JSON.stringify({ id: `c${i}`, pipeline: 'explain', language: 'typescript', code: `export function f${i}(a: number, b: number): number {\n  return a * ${i} + b;\n}` }));
  writeFileSync(join(dir, 'bench.jsonl'), rows.join('\n'));
  const dataset = loadDataset(join(dir, 'bench.jsonl'));
  let limited = 0;
  const gemini = await startGeminiStandIn({
    defaultHandler: (req): Reply => {
      if (req.action !== 'countTokens' && limited > 0) {
        limited--;
        return { kind: 'error', status: 429, retryDelay: '2s' };
      }
      return { ...defaultReply(req), delayMs: DELAY };
    },
  });
  const saved: string[] = [];
  const config = runConfig({ judgeEnabled: true });
  const run = async (concurrency: number) => {
    const gate = new RateGate();
    const client = createGeminiClient({ apiKey: 'bench', baseUrl: gemini.url, gate, retry: { maxAttempts: 4 } });
    const t0 = performance.now();
    const e = await runExperiment(dataset, config, {
      concurrency, codiVersion: 'bench',
      context: () => ({ tracer: new Tracer({ saveTrace: async (t) => void saved.push(t.id) }), gemini: () => client, prices: SHIPPED_PRICES }),
    });
    return { seconds: (performance.now() - t0) / 1000, e };
  };
  console.log(`codi eval benchmark: ${CASES} explain cases, judge on (${CASES * 2} calls), stand-in delay ${DELAY} ms per call`);
  for (const c of [1, 4, 8]) {
    gemini.requests.length = 0;
    const { seconds, e } = await run(c);
    console.log(`  concurrency ${c}: ${seconds.toFixed(1)} s wall, ${e.passed}/${e.cases.length} passed, ${gemini.requests.filter((r) => r.action !== 'countTokens').length} requests${c === 8 ? `  (goal ≤ 12 s; ideal ${(CASES * 2 * DELAY / 1000 / 8).toFixed(1)} s)` : ''}`);
  }
  gemini.requests.length = 0;
  limited = BURST;
  const { seconds, e } = await run(8);
  const made = gemini.requests.filter((r) => r.action !== 'countTokens').length;
  const needed = CASES * 2;
  console.log(`  429 burst (${BURST} calls answered 429 + RetryInfo 2 s), concurrency 8: ${made} requests for ${needed} calls = ${(made / needed).toFixed(3)}× (goal ≤ 1.1×), ${seconds.toFixed(1)} s, ${e.passed}/${e.cases.length} ran`);
  await gemini.close();
  rmSync(dir, { recursive: true, force: true });
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
