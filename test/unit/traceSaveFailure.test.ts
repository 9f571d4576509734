import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGeminiClient } from '../../src/core/gemini/client';
import { SHIPPED_PRICES } from '../../src/core/gemini/pricing';
import { explain } from '../../src/core/pipelines/explain';
import { TraceStore } from '../../src/core/store/traceStore';
import type { TraceSink } from '../../src/core/tracing/tracer';
import { Tracer } from '../../src/core/tracing/tracer';
import { tempDir, WASM } from '../support/fixtures';
import type { GeminiStandIn } from '../support/geminiStandIn';
import { startGeminiStandIn } from '../support/geminiStandIn';

/** What VS Code does when the store fails (src/host/session.ts): the run's result stands, the failure is reported. */
describe('a trace store that fails: the run still works and the failure is reported', () => {
  let gemini: GeminiStandIn;
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(async () => {
    gemini = await startGeminiStandIn();
    tmp = tempDir();
  });
  afterEach(async () => {
    await gemini.close();
    tmp.cleanup();
  });

  const run = (sink: TraceSink, failures: string[]) =>
    explain(
      { code: 'const x = 1;\n', language: 'typescript', file: 'x.ts', startLine: 1, endLine: 1 },
      {
        tracer: new Tracer(sink, undefined, (err) => failures.push(err instanceof Error ? err.message : String(err))),
        gemini: () => createGeminiClient({ apiKey: 'k', baseUrl: gemini.url, timeoutMs: 10_000 }),
        prices: SHIPPED_PRICES,
        model: 'gemini-2.5-flash',
        judgeModel: 'gemini-2.5-flash',
        judgeEnabled: true,
        maxInputChars: 1000,
      },
    );

  it('cannot be opened (its folder is under a regular file): TraceStore.open fails with the file-system error', async () => {
    const file = join(tmp.dir, 'not-a-folder');
    writeFileSync(file, 'x');
    await assert.rejects(TraceStore.open({ dir: join(file, 'traces'), wasmPath: WASM }), /ENOTDIR|not a directory/);
  });

  it('cannot be written (closed under the run): the answer and the verdict are returned, the failure reported once', async () => {
    const store = await TraceStore.open({ dir: tmp.dir, wasmPath: WASM });
    await store.close();
    const failures: string[] = [];
    const r = await run(store, failures);
    assert.equal(r.error, null);
    assert.ok(r.output.length > 0);
    assert.ok(r.judge, 'judged');
    assert.equal(failures.length, 1, `reported once: ${failures.join(' | ')}`);
  });

  it('without a handler the failure still fails the run (the CLI keeps its behaviour)', async () => {
    const store = await TraceStore.open({ dir: tmp.dir, wasmPath: WASM });
    await store.close();
    const r = await explain(
      { code: 'const x = 1;\n', language: 'typescript', file: 'x.ts', startLine: 1, endLine: 1 },
      { tracer: new Tracer(store), gemini: () => createGeminiClient({ apiKey: 'k', baseUrl: gemini.url, timeoutMs: 10_000 }), prices: SHIPPED_PRICES, model: 'gemini-2.5-flash', judgeModel: 'gemini-2.5-flash', judgeEnabled: false, maxInputChars: 1000 },
    );
    assert.ok(r.error, 'the save failure is the run\'s error');
  });
});
