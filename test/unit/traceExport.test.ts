import assert from 'node:assert/strict';
import { promptVersion } from '../../src/core/prompts/prompt';
import { EXPLAIN_PROMPT, JUDGE_PROMPT } from '../../src/core/prompts/templates';
import { describeImport, exportTraces, importTraces, jsonlText } from '../../src/core/export/jsonl';
import { GEMINI_PROVIDER, otlpJson, otlpSpanId, otlpTraceId } from '../../src/core/export/otlp';
import { createRedactor } from '../../src/core/redact/redact';
import { TraceStore } from '../../src/core/store/traceStore';
import type { TraceRecord } from '../../src/shared/types';
import { makeTrace, tempDir, WASM } from '../support/fixtures';
import { decodeOtlpJson } from '../support/otlpStandIn';

const open = (dir: string) => TraceStore.open({ dir, wasmPath: WASM });
const EXPLAIN = { name: EXPLAIN_PROMPT.name, version: promptVersion(EXPLAIN_PROMPT), system: EXPLAIN_PROMPT.system, user: EXPLAIN_PROMPT.user };
const JUDGE = { name: JUDGE_PROMPT.name, version: promptVersion(JUDGE_PROMPT), system: JUDGE_PROMPT.system, user: JUDGE_PROMPT.user };

/** A trace with an LLM span, a nested judge span that failed, a tool span, tags, thread, judge + user scores. */
function richTrace(at: number, over: Partial<TraceRecord> = {}): TraceRecord {
  const base = makeTrace({ startTime: at, tags: ['auto:ts', 'mine'], threadId: 'thread-1', metadata: { model: 'gemini-2.5-flash', requestedModel: 'gemini-2.5-pro', prompts: { [EXPLAIN.name]: EXPLAIN.version, [JUDGE.name]: JUDGE.version } }, ...over });
  const llm = { ...base.spans[0]!, id: `${base.id.slice(0, 24)}aaaaaaaaaaaa`, attributes: { promptName: EXPLAIN.name, promptVersion: EXPLAIN.version, finishReason: 'STOP', fallbackFrom: 'gemini-2.5-pro', ttftMs: 120 } };
  const judge = { ...llm, id: `${base.id.slice(0, 24)}bbbbbbbbbbbb`, parentSpanId: llm.id, name: 'judge', type: 'judge' as const, error: { kind: 'model-output' as const, message: 'The judge answered no JSON.' }, attributes: {} };
  const tool = { ...llm, id: `${base.id.slice(0, 24)}cccccccccccc`, name: 'chunk', type: 'tool' as const, model: null, provider: null, usage: null, attributes: { chunks: 3 } };
  return {
    ...base,
    spans: [llm, judge, tool],
    scores: [
      { name: 'overall', value: 0.9, reason: 'clear', source: 'judge', spanId: null },
      { name: 'accuracy', value: 0.7, reason: 'one slip', source: 'judge', spanId: judge.id },
      { name: 'user', value: 1, reason: '', source: 'user', spanId: null },
    ],
  };
}

describe('trace export: JSONL', () => {
  it('round trip: export then import into an empty store gives deep-equal traces, with their prompt versions', async () => {
    const a = tempDir();
    const b = tempDir();
    const src = await open(a.dir);
    const dst = await open(b.dir);
    try {
      const t0 = Date.now() - 60_000;
      const traces = [richTrace(t0), richTrace(t0 + 1000, { type: 'summarize', name: 'Summarize x.ts', error: { kind: 'quota', message: 'Quota exceeded', status: 429 } }), makeTrace({ startTime: t0 + 2000 })];
      for (const t of traces) await src.saveTrace(t, { prompts: [EXPLAIN, JUDGE] });
      await src.addScores(traces[2]!.id, [{ name: 'user', value: 0, reason: 'wrong', source: 'user', spanId: null }]);
      const lines: string[] = [];
      for await (const l of exportTraces(src, {})) lines.push(jsonlText(l));
      assert.equal(lines.length, 3);
      assert.ok(lines.every((l) => !l.includes('\n')), 'one trace per line');

      const r = await importTraces(dst, lines);
      assert.deepEqual(r, { imported: 3, skipped: 0, bad: [] });
      for (const t of traces) assert.deepEqual(await dst.get(t.id), await src.get(t.id));
      assert.equal((await dst.get(traces[2]!.id))!.scores.at(-1)!.reason, 'wrong', 'appended user ratings are carried');
      assert.deepEqual(dst.listPromptVersions().map((p) => `${p.name}@${p.version}`).sort(), [`${EXPLAIN.name}@${EXPLAIN.version}`, `${JUDGE.name}@${JUDGE.version}`].sort());
      const pv = await dst.getPromptVersion(EXPLAIN.name, EXPLAIN.version);
      assert.equal(pv?.user, EXPLAIN.user);

      // Idempotent by trace id: a second import writes nothing.
      const again = await importTraces(dst, lines);
      assert.deepEqual(again, { imported: 0, skipped: 3, bad: [] });
      assert.equal(dst.count(), 3);
    } finally {
      await src.close();
      await dst.close();
      a.cleanup();
      b.cleanup();
    }
  });

  it('export honours the filter (the same filters as `codi traces list`)', async () => {
    const a = tempDir();
    const s = await open(a.dir);
    try {
      const t0 = Date.now() - 60_000;
      await s.saveTrace(richTrace(t0));
      await s.saveTrace(makeTrace({ startTime: t0 + 1, type: 'generate', name: 'Generate' }));
      const got: string[] = [];
      for await (const l of exportTraces(s, { type: 'generate' })) got.push(l.trace.name);
      assert.deepEqual(got, ['Generate']);
    } finally {
      await s.close();
      a.cleanup();
    }
  });

  it('reports bad lines with their numbers and imports the good ones whole', async () => {
    const a = tempDir();
    const s = await open(a.dir);
    try {
      const good = richTrace(Date.now() - 5000);
      const ok = JSON.stringify({ format: 'codi.trace/1', trace: good, prompts: [EXPLAIN] });
      const wrongText = JSON.stringify({ format: 'codi.trace/1', trace: richTrace(Date.now() - 4000), prompts: [{ ...EXPLAIN, user: 'tampered' }] });
      const badSpan = JSON.stringify({ format: 'codi.trace/1', trace: { ...good, id: good.id.replace(/.$/, '0') === good.id ? good.id.replace(/.$/, '1') : good.id.replace(/.$/, '0'), spans: [{ ...good.spans[0], type: 'weird' }] }, prompts: [] });
      const r = await importTraces(s, ['{not json', '', ok, JSON.stringify({ trace: good }), wrongText, badSpan]);
      assert.equal(r.imported, 1);
      assert.deepEqual(r.bad.map((b) => b.line), [1, 4, 5, 6]);
      assert.match(r.bad[1]!.message, /format/);
      assert.match(r.bad[2]!.message, /does not match version/);
      assert.match(r.bad[3]!.message, /spans\[0\]\.traceId|spans\[0\]\.type/);
      assert.equal(s.count(), 1, 'no bad line left anything behind');
      assert.deepEqual(s.listPromptVersions().map((p) => p.name), [EXPLAIN.name], 'the tampered prompt was not written');
      assert.match(describeImport(r), /1 imported, 0 already in the store, 4 bad lines not imported \(line 1: not JSON/);
    } finally {
      await s.close();
      a.cleanup();
    }
  });
});

describe('trace export: OTLP JSON (GenAI semantic conventions)', () => {
  const opts = { redactor: createRedactor(), version: '9.9.9', client: 'cli' };

  it('decodes to one root span per trace with the GenAI attributes, parents, kinds, status and score events', () => {
    const t = richTrace(Date.now());
    const spans = decodeOtlpJson(Buffer.from(otlpJson([t], opts)).toString('utf8'));
    assert.equal(spans.length, 4);
    const tid = t.id.replace(/-/g, '');
    assert.ok(spans.every((s) => s.traceId === tid && s.traceId === otlpTraceId(t.id)));
    assert.deepEqual(spans[0]!.resource, { 'service.name': 'codi', 'service.version': '9.9.9', 'codi.client': 'cli' });
    assert.deepEqual(spans[0]!.scope, { name: 'codi', version: '9.9.9' });

    const [root, llm, judge, tool] = spans as [(typeof spans)[0], (typeof spans)[0], (typeof spans)[0], (typeof spans)[0]];
    assert.equal(root.parentSpanId, null);
    assert.equal(root.name, t.name);
    assert.equal(root.kind, 1, 'INTERNAL');
    assert.equal(root.attributes['gen_ai.conversation.id'], 'thread-1');
    assert.deepEqual(root.attributes['codi.tags'], ['auto:ts', 'mine']);
    assert.equal(root.attributes['codi.trace.id'], t.id);
    assert.deepEqual(root.events.map((e) => [e.name, e.attributes['gen_ai.evaluation.name'], e.attributes['gen_ai.evaluation.score.value'], e.attributes['codi.score.source']]), [
      ['gen_ai.evaluation.result', 'overall', 0.9, 'judge'],
      ['gen_ai.evaluation.result', 'user', 1, 'user'],
    ]);

    assert.equal(llm.parentSpanId, root.spanId);
    assert.equal(llm.spanId, otlpSpanId(t.spans[0]!.id));
    assert.equal(llm.kind, 3, 'CLIENT');
    assert.equal(llm.name, 'generate_content gemini-2.5-flash');
    assert.equal(llm.attributes['gen_ai.operation.name'], 'generate_content');
    assert.equal(llm.attributes['gen_ai.provider.name'], GEMINI_PROVIDER);
    assert.equal(llm.attributes['gen_ai.request.model'], 'gemini-2.5-pro', 'the requested model, before the fallback');
    assert.equal(llm.attributes['gen_ai.response.model'], 'gemini-2.5-flash');
    assert.equal(llm.attributes['gen_ai.usage.input_tokens'], 10);
    assert.equal(llm.attributes['gen_ai.usage.output_tokens'], 25, 'thinking tokens are output tokens');
    assert.equal(llm.attributes['gen_ai.usage.reasoning.output_tokens'], 5);
    assert.deepEqual(llm.attributes['gen_ai.response.finish_reasons'], ['STOP']);
    assert.equal(llm.attributes['gen_ai.prompt.name'], EXPLAIN.name);
    assert.equal(llm.status.code, 0);
    assert.equal(llm.endNs - llm.startNs, 100_000_000n);

    assert.equal(judge.parentSpanId, llm.spanId, 'nested spans keep their parent');
    assert.deepEqual(judge.status, { code: 2, message: 'The judge answered no JSON.' });
    assert.equal(judge.attributes['error.type'], 'model-output');
    assert.deepEqual(judge.events.map((e) => e.attributes['gen_ai.evaluation.name']), ['accuracy']);

    assert.equal(tool.kind, 1);
    assert.equal(tool.attributes['gen_ai.operation.name'], 'execute_tool');
    assert.equal(tool.attributes['codi.attr.chunks'], 3);
  });

  it('redacts secrets before they leave the machine, and marks a failed trace as an error', () => {
    const key = 'AKIAIOSFODNN7EXAMPLE';
    const t = richTrace(Date.now(), { input: { code: `const k = "${key}";` }, error: { kind: 'quota', message: 'Quota exceeded', status: 429 } });
    const json = Buffer.from(otlpJson([t], opts)).toString('utf8');
    assert.ok(!json.includes(key));
    assert.match(json, /REDACTED/);
    const root = decodeOtlpJson(json)[0]!;
    assert.deepEqual(root.status, { code: 2, message: 'Quota exceeded' });
    assert.equal(root.attributes['error.type'], 'quota');
  });
});
