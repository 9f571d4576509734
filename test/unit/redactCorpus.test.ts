import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createGeminiClient } from '../../src/core/gemini/client';
import { SHIPPED_PRICES } from '../../src/core/gemini/pricing';
import { traceToOpik } from '../../src/core/opik/payload';
import { explain } from '../../src/core/pipelines/explain';
import { generate } from '../../src/core/pipelines/generate';
import type { ModelContext } from '../../src/core/pipelines/llmSpan';
import { summarize } from '../../src/core/pipelines/summarize';
import { createRedactor, defaultRedactor } from '../../src/core/redact/redact';
import type { Redactor } from '../../src/core/redact/redact';
import { TraceStore } from '../../src/core/store/traceStore';
import { Tracer } from '../../src/core/tracing/tracer';
import type { TraceRecord } from '../../src/shared/types';
import { tempDir, WASM } from '../support/fixtures';
import type { GeminiStandIn } from '../support/geminiStandIn';
import { startGeminiStandIn } from '../support/geminiStandIn';
import { ALL_SECRETS, SECRET_CORPUS } from '../support/secretCorpus';

/** Every file under `dir`, as text (binary bytes read as latin1 still show an ASCII secret). */
function filesText(dir: string): string {
  let out = '';
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    out += statSync(p).isDirectory() ? filesText(p) : readFileSync(p, 'latin1');
  }
  return out;
}

/** An exporter that redacts nothing: what any later exporter would send from the store. */
const noRedaction: Redactor = { text: (s) => s, redact: (s) => ({ text: s, count: 0, kinds: {} }), value: (v) => v, problems: [] };

describe('redaction before the model: the secret corpus never leaves the machine', () => {
  let gemini: GeminiStandIn;
  let tmp: ReturnType<typeof tempDir>;
  let store: TraceStore;
  let logs: string[];

  beforeEach(async () => {
    gemini = await startGeminiStandIn();
    tmp = tempDir();
    logs = [];
    const logger = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m) };
    store = await TraceStore.open({ dir: tmp.dir, wasmPath: WASM, logger });
  });
  afterEach(async () => {
    await store.close().catch(() => undefined);
    await gemini.close();
    tmp.cleanup();
  });

  const ctx = (over: Partial<ModelContext> = {}): ModelContext & { tracer: Tracer } => ({
    tracer: new Tracer(store),
    gemini: () => createGeminiClient({ apiKey: 'test-key', baseUrl: gemini.url, timeoutMs: 10_000, logger: { info: (m) => logs.push(m), warn: (m) => logs.push(m) } }),
    prices: SHIPPED_PRICES,
    ...over,
  });

  /** Where a secret could have gone: the model's requests, the store's files, the logs, an Opik payload. */
  async function leaks(traces: TraceRecord[]): Promise<Map<string, string[]>> {
    await store.close();
    const places: Record<string, string> = {
      gemini: gemini.requests.map((r) => r.rawBody).join('\n'),
      store: filesText(tmp.dir),
      logs: logs.join('\n'),
      opik: JSON.stringify(traces.map((t) => traceToOpik(t, { projectName: 'CODI', redactor: createRedactor() }))),
      'unredacted exporter': JSON.stringify(traces.map((t) => traceToOpik(t, { projectName: 'CODI', redactor: noRedaction }))),
    };
    const found = new Map<string, string[]>();
    for (const s of ALL_SECRETS) {
      const where = Object.entries(places).filter(([, text]) => text.includes(s)).map(([k]) => k);
      if (where.length) found.set(s, where);
    }
    return found;
  }

  it(`explains every file of the corpus (${SECRET_CORPUS.length} files, ${ALL_SECRETS.length} secrets): none reaches Gemini, the store, logs or Opik`, async () => {
    const traces: TraceRecord[] = [];
    let redacted = 0;
    for (const c of SECRET_CORPUS) {
      const r = await explain(
        { code: c.text, language: c.language, file: c.name, startLine: 1, endLine: c.text.split('\n').length },
        { ...ctx(), model: 'gemini-2.5-flash', judgeModel: 'gemini-2.5-flash', judgeEnabled: true, maxInputChars: 100_000 },
      );
      assert.equal(r.error, null, `${c.name}: ${r.error?.message}`);
      assert.ok((r.trace.metadata.redactions as number) >= c.secrets.length, `${c.name}: redactions ${String(r.trace.metadata.redactions)}`);
      assert.match(JSON.stringify(r.trace.input), /\[REDACTED:[a-z-]+\]/);
      redacted += r.trace.metadata.redactions as number;
      traces.push(r.trace);
    }
    assert.ok(gemini.requests.length >= SECRET_CORPUS.length * 2, 'every file was explained and judged');
    const found = await leaks(traces);
    console.log(`      secret corpus: ${ALL_SECRETS.length} secrets in ${SECRET_CORPUS.length} files tried, ${redacted} redactions, ${found.size} leaked`);
    assert.deepEqual([...found].map(([s, where]) => `${s.slice(0, 12)}… → ${where.join(', ')}`), []);
  });

  it('generate (request and surrounding file) and summarize redact too', async () => {
    const env = SECRET_CORPUS[0]!;
    const cfg = SECRET_CORPUS.find((c) => c.name === 'config.ts')!;
    const g = await generate(
      { prompt: `read the key like ${cfg.secrets[0]} from the environment`, language: 'typescript', file: 'config.ts', fileText: cfg.text, cursorLine: 2 },
      { ...ctx(), model: 'gemini-2.5-flash', judgeModel: 'gemini-2.5-flash', judgeEnabled: false },
    );
    assert.equal(g.error, null, g.error?.message);
    const s = await summarize(
      { code: env.text, language: 'dotenv', file: '.env', startLine: 1, endLine: 9 },
      { ...ctx(), model: 'gemini-2.5-flash', judgeModel: 'gemini-2.5-flash', judgeEnabled: false, steps: 2 },
    );
    assert.equal(s.error, null, s.error?.message);
    assert.ok((g.trace.metadata.redactions as number) >= 4 && (s.trace.metadata.redactions as number) >= 5);
    const found = await leaks([g.trace, s.trace]);
    assert.deepEqual([...found.keys()].map((k) => k.slice(0, 12)), []);
  });

  it('with codi.redact.beforeModel off the code goes as it is (so the test above can fail), and the trace says so', async () => {
    const c = SECRET_CORPUS.find((x) => x.name === 'aws credentials')!;
    const r = await explain(
      { code: c.text, language: c.language, file: c.name, startLine: 1, endLine: 4 },
      { ...ctx({ redact: { enabled: false } }), model: 'gemini-2.5-flash', judgeModel: 'gemini-2.5-flash', judgeEnabled: false, maxInputChars: 100_000 },
    );
    assert.equal(r.error, null);
    assert.equal(r.trace.metadata.redaction, 'off');
    assert.ok(gemini.requests[0]!.rawBody.includes(c.secrets[0]!));
  });

  it('applies the user patterns (codi.redact.patterns) before the model', async () => {
    const r = await explain(
      { code: 'const ticket = "ACME-123456";\n', language: 'typescript', file: 'a.ts', startLine: 1, endLine: 1 },
      { ...ctx({ redact: { enabled: true, patterns: ['ACME-[0-9]{6}'] } }), model: 'gemini-2.5-flash', judgeModel: 'gemini-2.5-flash', judgeEnabled: false, maxInputChars: 1000 },
    );
    assert.equal(r.trace.metadata.redactions, 1);
    assert.ok(!gemini.requests[0]!.rawBody.includes('ACME-123456'));
    assert.ok(gemini.requests[0]!.rawBody.includes('[REDACTED:custom]'));
  });
});

describe('redaction: the ordinary corpus has no false redactions', () => {
  it('TypeScript lib/*.d.ts and the sample workspace: zero redactions', () => {
    const tsLib = join(require.resolve('typescript/package.json'), '..', 'lib');
    const files = readdirSync(tsLib).filter((f) => f.endsWith('.d.ts')).map((f) => join(tsLib, f));
    const samples = join(__dirname, '../../samples/workspace/src');
    files.push(...readdirSync(samples).map((f) => join(samples, f)).filter((f) => statSync(f).isFile()));
    let chars = 0;
    const hits: string[] = [];
    const t0 = performance.now();
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      chars += text.length;
      const r = defaultRedactor.redact(text);
      if (r.count) hits.push(`${f}: ${JSON.stringify(r.kinds)}`);
    }
    console.log(`      ordinary corpus: ${files.length} files, ${(chars / 1e6).toFixed(1)} M chars, ${hits.length} files with redactions, ${(performance.now() - t0).toFixed(0)} ms`);
    assert.ok(files.length > 100 && chars > 4_000_000, 'the corpus is there');
    assert.deepEqual(hits, []);
  });
});
