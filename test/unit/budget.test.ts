import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BudgetCheck } from '../../src/core/budget';
import { checkBudget, createBudgetGuard, spentTodayIn } from '../../src/core/budget';
import { createGeminiClient } from '../../src/core/gemini/client';
import { SHIPPED_PRICES } from '../../src/core/gemini/pricing';
import { explain } from '../../src/core/pipelines/explain';
import { TraceStore } from '../../src/core/store/traceStore';
import { Tracer } from '../../src/core/tracing/tracer';
import { buildCli, startCli } from '../support/cliKit';
import { makeTrace, tempDir, WASM } from '../support/fixtures';
import type { GeminiStandIn } from '../support/geminiStandIn';
import { startGeminiStandIn } from '../support/geminiStandIn';

describe('daily budget: the decision', () => {
  it('ok below 80%, warn from 80%, over above 100%; 0 is no limit', () => {
    assert.equal(checkBudget(0.5, 0.1, 1).state, 'ok');
    assert.equal(checkBudget(0.75, 0.1, 1).state, 'warn');
    assert.equal(checkBudget(0.95, 0.1, 1).state, 'over');
    assert.equal(checkBudget(50, 10, 0).state, 'ok');
  });
});

describe('daily budget: before each model call (stand-in + real store)', () => {
  let gemini: GeminiStandIn;
  let tmp: ReturnType<typeof tempDir>;
  let store: TraceStore;

  beforeEach(async () => {
    gemini = await startGeminiStandIn();
    tmp = tempDir();
    store = await TraceStore.open({ dir: tmp.dir, wasmPath: WASM });
    // Earlier today: $0.90 spent.
    await store.saveTrace(makeTrace({ costUsd: 0.9 }));
  });
  afterEach(async () => {
    await store.close();
    await gemini.close();
    tmp.cleanup();
  });

  const run = (dailyUsd: number, hooks: { onWarn?: (c: BudgetCheck) => void; onExceed?: (c: BudgetCheck) => Promise<boolean> } = {}) =>
    explain(
      { code: 'function add(a, b) {\n  return a + b;\n}', language: 'javascript', file: 'add.js', startLine: 1, endLine: 3 },
      {
        tracer: new Tracer(store),
        gemini: () => createGeminiClient({ apiKey: 'k', baseUrl: gemini.url, timeoutMs: 10_000 }),
        prices: SHIPPED_PRICES,
        budget: createBudgetGuard({ dailyUsd, spentToday: async () => spentTodayIn(store), ...hooks }, SHIPPED_PRICES),
        model: 'gemini-2.5-flash',
        judgeModel: 'gemini-2.5-flash',
        judgeEnabled: true,
        maxInputChars: 10_000,
      },
    );

  it('reads today\'s spend from the store', () => {
    assert.ok(Math.abs(spentTodayIn(store) - 0.9) < 1e-9);
  });

  it('over the budget: no model call is made, the trace records a budget error naming the budget and today\'s spend', async () => {
    const r = await run(0.91);
    assert.equal(r.error?.kind, 'budget');
    assert.match(r.error!.message, /today's spend is \$0\.90 of \$0\.91/);
    assert.deepEqual(gemini.requests.map((q) => q.action), ['countTokens'], 'only the token count for the estimate');
    const saved = await store.get(r.trace.id);
    assert.equal(saved?.error?.kind, 'budget');
  });

  it('"Run anyway today": the call is made after the user agreed', async () => {
    const asked: BudgetCheck[] = [];
    const r = await run(0.91, { onExceed: async (c) => (asked.push(c), true) });
    assert.equal(r.error, null);
    assert.equal(asked.length, 1, 'asked once per run, not again for the judge');
    assert.ok(gemini.requests.some((q) => q.action === 'streamGenerateContent'));
  });

  it('at 80% it warns once and makes the call; the span records the figures', async () => {
    const warned: BudgetCheck[] = [];
    const r = await run(1.1, { onWarn: (c) => warned.push(c) });
    assert.equal(r.error, null);
    assert.equal(warned.length, 1);
    const call = r.trace.spans.find((s) => s.name === 'gemini.generate')!;
    assert.equal(call.attributes.budgetUsd, 1.1);
    assert.equal(call.attributes.budgetState, 'warn');
    assert.ok(Math.abs((call.attributes.spentTodayUsd as number) - 0.9) < 1e-9);
  });

  it('counts the run\'s own calls: the judge is refused when the answer used up the rest', async () => {
    // The answer's estimate fits, but its real cost (large usage) pushes the judge over.
    gemini.enqueue({ kind: 'count', totalTokens: 10 }, { kind: 'text', text: 'It adds.', usage: { promptTokenCount: 10, candidatesTokenCount: 40_000 } });
    const r = await run(1.0);
    assert.equal(r.error, null, 'the answer itself is kept');
    assert.equal(r.output, 'It adds.');
    assert.equal(r.judgeError?.kind, 'budget', `expected the judge call to be refused, got ${JSON.stringify(r.judgeError)}`);
    assert.equal(gemini.requests.filter((q) => q.action === 'generateContent').length, 0, 'no judge request was sent');
  });
});

describe('daily budget: the CLI (CODI_DAILY_BUDGET_USD, --max-cost)', function () {
  this.timeout(120_000);
  let bin: Awaited<ReturnType<typeof buildCli>>;
  let gemini: GeminiStandIn;
  let home: ReturnType<typeof tempDir>;
  before(async () => {
    bin = await buildCli('codi-budget-bin-');
  });
  after(() => bin.cleanup());
  beforeEach(async () => {
    gemini = await startGeminiStandIn();
    home = tempDir();
    writeFileSync(join(home.dir, 'a.js'), 'function add(a, b) {\n  return a + b;\n}\n');
    const store = await TraceStore.open({ dir: join(home.dir, 'store'), wasmPath: WASM });
    await store.saveTrace(makeTrace({ costUsd: 0.5 }));
    await store.close();
  });
  afterEach(async () => {
    await gemini.close();
    home.cleanup();
  });
  const env = (extra: Record<string, string> = {}) => ({ GEMINI_API_KEY: 'k', GOOGLE_GEMINI_BASE_URL: gemini.url, CODI_HOME: join(home.dir, 'store'), ...extra });

  it('exits 5 with a message that names the budget and today\'s spend; nothing is sent', async () => {
    const r = await startCli(bin.cli, ['explain', 'a.js'], home.dir, env({ CODI_DAILY_BUDGET_USD: '0.5' })).done;
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /Daily budget reached: today's spend is \$0\.50 of \$0\.50/);
    assert.ok(!gemini.requests.some((q) => q.action !== 'countTokens'));
  });

  it('--max-cost does the same for one command; a bad value is a usage error', async () => {
    const over = await startCli(bin.cli, ['explain', 'a.js', '--max-cost', '0.4'], home.dir, env()).done;
    assert.equal(over.code, 5, over.stderr);
    const ok = await startCli(bin.cli, ['explain', 'a.js', '--no-judge', '--max-cost=100'], home.dir, env()).done;
    assert.equal(ok.code, 0, ok.stderr);
    const bad = await startCli(bin.cli, ['explain', 'a.js', '--max-cost', 'lots'], home.dir, env()).done;
    assert.equal(bad.code, 2, bad.stderr);
  });
});
