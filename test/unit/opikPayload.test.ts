import assert from 'node:assert/strict';
import { normalizeOpikUrl, OpikConfigError, opikInputFromEnv, resolveOpikConfig } from '../../src/core/opik/config';
import { opikTraceUrl, opikUiBase } from '../../src/core/opik/link';
import type { JsonValue, OpikTraceBundle } from '../../src/core/opik/payload';
import { opikUsage, scoresToOpik, traceToOpik } from '../../src/core/opik/payload';
import { defaultRedactor } from '../../src/core/redact/redact';
import { explainTrace, FAKE } from '../support/opikFixtures';

const opts = { projectName: 'CODI', redactor: defaultRedactor, clientVersion: '0.1.0', client: 'vscode' };

function keysDeep(v: unknown, into: string[] = [], skip = new Set(['input', 'output', 'metadata', 'usage'])): string[] {
  if (Array.isArray(v)) v.forEach((x) => keysDeep(x, into, skip));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      into.push(k);
      if (!skip.has(k)) keysDeep(x, into, skip);
    }
  }
  return into;
}

describe('Opik payload: TraceRecord → REST bodies', () => {
  const t = explainTrace();
  const b: OpikTraceBundle = traceToOpik(t, opts);

  it('maps the trace to Trace_Write with snake_case fields, ISO times, object input/output', () => {
    assert.deepEqual(Object.keys(b.trace).sort(), ['end_time', 'id', 'input', 'metadata', 'name', 'output', 'project_name', 'start_time', 'tags', 'thread_id', 'ttft'].sort());
    assert.equal(b.trace.id, t.id);
    assert.equal(b.trace.project_name, 'CODI');
    assert.equal(b.trace.start_time, new Date(t.startTime).toISOString());
    assert.equal(b.trace.end_time, new Date(t.endTime!).toISOString());
    assert.equal(b.trace.thread_id, t.threadId);
    assert.deepEqual(b.trace.output, { output: 'It adds two numbers.' });
    assert.equal(b.trace.ttft, 312);
    assert.deepEqual(b.trace.tags, ['codi', 'explain', 'demo']);
    for (const k of keysDeep([b.trace, ...b.spans, ...b.traceScores, ...b.spanScores])) assert.match(k, /^[a-z0-9_]+$/, `field ${k} is snake_case`);
  });

  it('puts model, prompt name+version, client version, usage and cost in trace metadata', () => {
    const m = b.trace.metadata!;
    assert.equal(m.model, 'gemini-2.5-flash');
    assert.equal(m.prompt_name, 'explain');
    assert.equal(m.prompt_version, 'abc123');
    assert.equal(m.codi_version, '0.1.0');
    assert.equal(m.codi_client, 'vscode');
    assert.equal(m.trace_type, 'explain');
    assert.deepEqual(m.usage, { prompt_tokens: 320, completion_tokens: 95, total_tokens: 415, thinking_tokens: 25, visible_completion_tokens: 70 });
    assert.equal(m.total_estimated_cost, 0.00022);
  });

  it('maps spans: parent ids, types (judge → llm, named judge), provider, flat integer usage, cost, ttft', () => {
    const [root, llm, judge] = b.spans;
    assert.equal(root!.type, 'general');
    assert.equal(root!.parent_span_id, undefined);
    assert.equal(root!.provider, undefined);
    assert.equal(llm!.type, 'llm');
    assert.equal(llm!.parent_span_id, t.spans[0]!.id);
    assert.equal(llm!.trace_id, t.id);
    assert.equal(llm!.provider, 'google_ai');
    assert.equal(llm!.model, 'gemini-2.5-flash');
    assert.deepEqual(llm!.usage, { prompt_tokens: 120, completion_tokens: 65, total_tokens: 185, thinking_tokens: 25, visible_completion_tokens: 40 });
    for (const v of Object.values(llm!.usage!)) assert.ok(Number.isInteger(v));
    assert.equal(llm!.total_estimated_cost, 0.00012);
    assert.equal(llm!.ttft, 312);
    assert.equal(llm!.metadata!.promptVersion, 'abc123');
    assert.equal(llm!.metadata!.codi_span_type, 'llm');
    assert.deepEqual(llm!.output, { output: 'It adds two numbers.' });
    assert.equal(judge!.type, 'llm');
    assert.match(judge!.name, /judge/);
    assert.equal(judge!.metadata!.codi_span_type, 'judge');
    assert.equal(judge!.provider, 'google_ai');
  });

  it('maps scores: source-prefixed names, Opik sources, span scores apart', () => {
    assert.deepEqual(b.traceScores, [
      { id: t.id, project_name: 'CODI', name: 'judge_overall', value: 0.9, source: 'sdk', reason: 'Accurate.' },
      { id: t.id, project_name: 'CODI', name: 'judge_correctness', value: 1, source: 'sdk', reason: 'Right.' },
      { id: t.id, project_name: 'CODI', name: 'user_rating', value: 1, source: 'ui' },
    ]);
    assert.deepEqual(b.spanScores, [{ id: t.spans[1]!.id, project_name: 'CODI', name: 'heuristic_parses', value: 1, source: 'sdk', reason: 'ok' }]);
    assert.deepEqual(scoresToOpik({ ...t, scores: [{ name: 'x', value: Number.NaN, reason: '', source: 'judge' }] }, opts).traceScores, []);
  });

  it('maps errors to error_info and keeps an unfinished trace without end_time', () => {
    const e = traceToOpik(explainTrace({ endTime: null, output: null, error: { kind: 'quota', message: 'Rate limited', status: 429 } }), opts);
    assert.equal(e.trace.end_time, undefined);
    assert.equal(e.trace.output, undefined);
    assert.deepEqual(e.trace.error_info, { exception_type: 'quota', message: 'Rate limited', traceback: 'quota (HTTP 429): Rate limited' });
  });

  it('turns non-JSON values into JSON (NaN → null, Date → ISO, undefined dropped, cycles cut)', () => {
    const cyc: Record<string, unknown> = { a: 1 };
    cyc.self = cyc;
    const e = traceToOpik(explainTrace({ input: { n: Number.NaN, d: new Date(0), u: undefined, cyc } }), opts);
    assert.deepEqual(e.trace.input as JsonValue, { n: null, d: '1970-01-01T00:00:00.000Z', cyc: { a: 1, self: '[circular]' } });
  });

  it('redacts every string that leaves: input, output, span input, names, reasons', () => {
    const secret = FAKE.github;
    const tr = explainTrace({ name: `Explain ${secret}` }, secret);
    tr.scores[0]!.reason = `found ${secret}`;
    const text = JSON.stringify(traceToOpik(tr, opts));
    assert.ok(!text.includes(secret), 'the token never appears');
    assert.ok(text.includes('[REDACTED:github-token]'));
  });
});

describe('Opik config and links', () => {
  it('builds the trace link from the API URL without /api', () => {
    assert.equal(opikUiBase('https://www.comet.com/opik/api/'), 'https://www.comet.com/opik');
    assert.equal(opikUiBase('http://localhost:5173/api'), 'http://localhost:5173');
    assert.equal(
      opikTraceUrl({ apiUrl: 'https://www.comet.com/opik/api', workspace: 'my team', projectId: 'p-1', traceId: 't-1' }),
      'https://www.comet.com/opik/my%20team/projects/p-1/traces?tab=logs&logsType=traces&trace=t-1',
    );
  });

  it('resolves defaults, requires key and workspace for Opik cloud, and reads OPIK_* for the CLI', () => {
    assert.deepEqual(resolveOpikConfig({ url: 'http://localhost:5173/api/' }), { apiKey: '', url: 'http://localhost:5173/api', workspace: 'default', project: 'CODI' });
    assert.throws(() => resolveOpikConfig({ workspace: 'w' }), OpikConfigError);
    assert.throws(() => resolveOpikConfig({ apiKey: 'k' }), /workspace/);
    assert.equal(resolveOpikConfig({ apiKey: 'k', workspace: 'w' }).url, 'https://www.comet.com/opik/api');
    assert.equal(normalizeOpikUrl('https://www.comet.com/opik'), 'https://www.comet.com/opik/api');
    assert.throws(() => normalizeOpikUrl('ftp://x'), /http/);
    assert.throws(() => normalizeOpikUrl('http://u:p@host/api'), /credentials/);
    assert.deepEqual(opikInputFromEnv({ OPIK_API_KEY: 'k', OPIK_URL_OVERRIDE: 'u', OPIK_WORKSPACE: 'w', OPIK_PROJECT_NAME: 'p' }), { apiKey: 'k', url: 'u', workspace: 'w', project: 'p' });
  });

  it('keeps integer usage even for fractional inputs', () => {
    assert.deepEqual(opikUsage({ promptTokens: 1.6, outputTokens: 2, thinkingTokens: 0, totalTokens: 0 }), { prompt_tokens: 2, completion_tokens: 2, total_tokens: 4, thinking_tokens: 0, visible_completion_tokens: 2 });
  });
});
