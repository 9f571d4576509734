// Latency and model calls of Chain-of-Density single vs iterative mode against the Gemini stand-in,
// with a fixed delay on every reply (generation, judge and countTokens alike).
//   npx tsx scripts/codLatency.ts [--delay 300] [--steps 5] [--runs 3]
import { createGeminiClient } from '../src/core/gemini/client';
import { SHIPPED_PRICES } from '../src/core/gemini/pricing';
import type { SummarizeMode } from '../src/core/pipelines/summarize';
import { summarize } from '../src/core/pipelines/summarize';
import { Tracer } from '../src/core/tracing/tracer';
import { defaultReply, startGeminiStandIn } from '../test/support/geminiStandIn';
import type { RecordedRequest } from '../test/support/geminiStandIn';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const delayMs = arg('delay', 300);
const steps = arg('steps', 5);
const runs = arg('runs', 3);

const CODE = [
  'export function total(items: Item[]): number {',
  '  if (!items.length) throw new Error("empty cart");',
  '  return items.reduce((sum, i) => sum + i.price * i.qty, 0);',
  '}',
].join('\n');

const isJudge = (r: RecordedRequest) => /strict reviewer/i.test(r.body.systemInstruction?.parts?.[0]?.text ?? '');

async function main(): Promise<void> {
  const gemini = await startGeminiStandIn({ defaultHandler: (req) => ({ ...defaultReply(req), delayMs }) });
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`stand-in delay ${delayMs} ms on every reply · ${steps} steps · median of ${runs} runs`);
  console.log('mode        latency   generate  judge  countTokens  total calls');
  for (const mode of ['single', 'iterative'] as SummarizeMode[]) {
    const times: number[] = [];
    let kinds = { generate: 0, judge: 0, countTokens: 0 };
    for (let i = 0; i < runs; i++) {
      gemini.requests.length = 0;
      const t0 = performance.now();
      const r = await summarize(
        { code: CODE, language: 'typescript', file: 'cart.ts', startLine: 1, endLine: 4 },
        {
          tracer: new Tracer({ saveTrace: async () => undefined }),
          gemini: () => createGeminiClient({ apiKey: 'test-key', baseUrl: gemini.url, timeoutMs: 30_000 }),
          prices: SHIPPED_PRICES,
          model: 'gemini-2.5-flash',
          judgeModel: 'gemini-2.5-flash',
          judgeEnabled: true,
          mode,
          steps,
        },
      );
      times.push(performance.now() - t0);
      if (r.error || r.summary.steps.length !== steps) throw new Error(`${mode}: ${r.error?.message ?? 'wrong step count'}`);
      const reqs = gemini.requests;
      kinds = {
        generate: reqs.filter((q) => q.action !== 'countTokens' && !isJudge(q)).length,
        judge: reqs.filter((q) => q.action !== 'countTokens' && isJudge(q)).length,
        countTokens: reqs.filter((q) => q.action === 'countTokens').length,
      };
    }
    const total = kinds.generate + kinds.judge + kinds.countTokens;
    console.log(`${mode.padEnd(10)} ${`${Math.round(median(times))} ms`.padStart(8)}   ${String(kinds.generate).padStart(8)}  ${String(kinds.judge).padStart(5)}  ${String(kinds.countTokens).padStart(11)}  ${String(total).padStart(11)}`);
  }
  await gemini.close();
}

void main();
