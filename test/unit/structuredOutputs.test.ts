/**
 * Every structured-output schema CODI sends admits only answers CODI can use. The schemas are taken from the
 * requests the real pipelines make (not from the source), degenerate but schema-valid answers are generated
 * from each (test/support/degenerate.ts), and the pipelines are run again against a stand-in that answers
 * every structured-output request with them: no answer may be refused (no repair call, no judge error).
 */
import assert from 'node:assert/strict';
import { createGeminiClient } from '../../src/core/gemini/client';
import { SHIPPED_PRICES } from '../../src/core/gemini/pricing';
import { parseVerdict, verdictSchema } from '../../src/core/judge/judge';
import { parseStepVerdicts, stepVerdictSchema } from '../../src/core/judge/stepJudge';
import { codSchema, codStepSchema, parseCodStep, parseCodSteps } from '../../src/core/pipelines/cod';
import { explain } from '../../src/core/pipelines/explain';
import { generate } from '../../src/core/pipelines/generate';
import { summarize } from '../../src/core/pipelines/summarize';
import { EXPLAIN_CRITERIA } from '../../src/core/prompts/templates';
import { SUMMARY_CRITERIA } from '../../src/core/prompts/summarize';
import { Tracer } from '../../src/core/tracing/tracer';
import type { TraceRecord } from '../../src/shared/types';
import { degenerate, validate, VARIANTS } from '../support/degenerate';
import type { Variant } from '../support/degenerate';
import { defaultReply, startGeminiStandIn } from '../support/geminiStandIn';
import type { GeminiStandIn, RecordedRequest } from '../support/geminiStandIn';

const MODEL = 'gemini-2.5-flash';
const CODE = 'export function total(items: { price: number; qty: number }[]): number {\n  return items.reduce((s, i) => s + i.price * i.qty, 0);\n}\n';
const schemaOf = (r: RecordedRequest): unknown => r.body.generationConfig?.responseJsonSchema;
const jsonRequests = (g: GeminiStandIn) => g.requests.filter((r) => schemaOf(r) !== undefined);

type Kind = 'explain' | 'generate' | 'summarize-single' | 'summarize-iterative';
const KINDS: Kind[] = ['explain', 'generate', 'summarize-single', 'summarize-iterative'];

describe('structured outputs: every schema CODI sends admits only answers CODI can use', () => {
  let gemini: GeminiStandIn;
  let saved: TraceRecord[];
  beforeEach(async () => {
    gemini = await startGeminiStandIn();
    saved = [];
  });
  afterEach(() => gemini.close());

  function run(kind: Kind, steps = 3) {
    const base = {
      tracer: new Tracer({ saveTrace: async (t) => void saved.push(structuredClone(t)) }),
      gemini: () => createGeminiClient({ apiKey: 'test-key', baseUrl: gemini.url, timeoutMs: 10_000, retry: { maxAttempts: 1 } }),
      prices: SHIPPED_PRICES, model: MODEL, judgeModel: MODEL, judgeEnabled: true,
    };
    switch (kind) {
      case 'explain':
        return explain({ code: CODE, language: 'typescript', file: 'src/cart.ts', startLine: 1, endLine: 3 }, { ...base, maxInputChars: 10_000 });
      case 'generate':
        return generate({ prompt: 'Write `average` next to `total`.', language: 'typescript', file: 'src/cart.ts', fileText: CODE, cursorLine: 3 }, base);
      default:
        return summarize({ code: CODE, language: 'typescript', file: 'src/cart.ts', startLine: 1, endLine: 3 }, { ...base, steps, mode: kind === 'summarize-single' ? 'single' : 'iterative' });
    }
  }

  it('the judge answers with one entry per criterion, keyed by name, every criterion required', () => {
    const s = verdictSchema(EXPLAIN_CRITERIA) as { properties: { criteria: { type: string; required: string[]; properties: Record<string, unknown> } } };
    assert.equal(s.properties.criteria.type, 'object');
    assert.deepEqual(s.properties.criteria.required, [...EXPLAIN_CRITERIA]);
    assert.deepEqual(Object.keys(s.properties.criteria.properties), [...EXPLAIN_CRITERIA]);
    // The old array form let a model name one criterion four times; the keyed form cannot express that.
    const repeated = { score: 0.5, reason: '', criteria: Object.fromEntries(EXPLAIN_CRITERIA.map(() => ['faithfulness', { score: 1, reason: '' }])) };
    assert.ok(validate(s, repeated).length > 0, 'a verdict naming one criterion for all is not schema-valid');
    assert.equal(parseVerdict(repeated, EXPLAIN_CRITERIA), null);
  });

  it('the parsers accept every degenerate answer of the schemas, for every step count', () => {
    const cases: Array<[string, unknown, (json: unknown) => unknown]> = [
      ['judge (explain)', verdictSchema(EXPLAIN_CRITERIA), (j) => parseVerdict(j, EXPLAIN_CRITERIA)],
      ['CoD step', codStepSchema(), parseCodStep],
    ];
    for (let k = 1; k <= 8; k++) {
      cases.push([`CoD ${k} steps`, codSchema(k), (j) => parseCodSteps(j, k)]);
      cases.push([`step judge ${k}`, stepVerdictSchema(SUMMARY_CRITERIA, k), (j) => parseStepVerdicts(j, SUMMARY_CRITERIA, k)]);
    }
    for (const [name, schema, parse] of cases) {
      for (const v of VARIANTS) {
        const value = degenerate(schema, v);
        assert.deepEqual(validate(schema, value), [], `${name}/${v} is schema-valid`);
        assert.notEqual(parse(value), null, `${name}/${v}: ${JSON.stringify(value).slice(0, 200)}`);
      }
    }
  });

  for (const kind of KINDS) {
    it(`${kind}: every schema it sends, answered degenerately, is accepted (no repair, a judge score)`, async () => {
      // First a normal run, to learn the schemas this pipeline really sends.
      const first = await run(kind);
      assert.equal(first.error, null, `normal ${kind} run: ${first.error?.message}`);
      const sent = jsonRequests(gemini).map(schemaOf);
      assert.ok(sent.length >= 1, `${kind} sends at least one structured-output request`);

      for (const variant of VARIANTS) {
        gemini.requests.length = 0;
        saved = [];
        gemini.defaultHandler = (req) => {
          const schema = schemaOf(req);
          if (schema === undefined) return defaultReply(req);
          const value = degenerate(schema, variant);
          assert.deepEqual(validate(schema, value), [], 'the stand-in answers within the schema');
          return { kind: 'json', value };
        };
        const r = await run(kind);
        const trace = saved.at(-1)!;
        const names = trace.spans.map((s) => s.name);
        assert.ok(!names.some((n) => n.endsWith('.repair')), `${kind}/${variant}: no repair call (spans ${names.join(', ')})`);
        assert.equal(r.judgeError, null, `${kind}/${variant}: judge error ${r.judgeError?.message}`);
        assertOutcome(kind, variant, r, trace);
      }
    });
  }
});

function assertOutcome(kind: Kind, variant: Variant, r: { error: { message: string } | null; judge: unknown }, trace: TraceRecord): void {
  const overall = trace.scores.find((s) => s.name === 'overall' && s.source === 'judge');
  if (kind.startsWith('summarize') && variant !== 'max') {
    // Gemini does not enforce string lengths, so every summary may come back empty or blank: the steps are
    // accepted and shown, none is recommended, and the run says what happened (no repair, no crash).
    assert.match(r.error?.message ?? '', /empty summar/i, `${kind}/${variant}`);
    assert.equal(overall, undefined);
    return;
  }
  assert.equal(r.error, null, `${kind}/${variant}: ${r.error?.message}`);
  assert.ok(overall && overall.value >= 0 && overall.value <= 1, `${kind}/${variant}: an overall judge score`);
  assert.ok(r.judge, `${kind}/${variant}: a verdict`);
}
