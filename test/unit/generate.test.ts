import assert from 'node:assert/strict';
import { createGeminiClient } from '../../src/core/gemini/client';
import { SHIPPED_PRICES } from '../../src/core/gemini/pricing';
import type { GenerateInput, GenerateOptions, GenerateResult } from '../../src/core/pipelines/generate';
import { generate } from '../../src/core/pipelines/generate';
import { commentAt, windowAround } from '../../src/core/pipelines/generateContext';
import { GENERATE_CRITERIA } from '../../src/core/prompts/generate';
import { promptVersion } from '../../src/core/prompts/prompt';
import { PROMPTS } from '../../src/core/prompts/registry';
import { Tracer } from '../../src/core/tracing/tracer';
import type { GeneratedCode, JudgeVerdict, SpanRecord, TraceRecord } from '../../src/shared/types';
import { estimateTokens, startGeminiStandIn } from '../support/geminiStandIn';
import type { GeminiStandIn } from '../support/geminiStandIn';
import { wireVerdict } from '../support/verdicts';

const MODEL = 'gemini-2.5-flash';
const FILE = ['import { Item } from "./item";', '', 'export function total(items: Item[]): number {', '  return items.reduce((s, i) => s + i.price, 0);', '}', '', '// TODO: average price', ''].join('\n');
const CODE = 'export function average(items: Item[]): number {\n  return items.length ? total(items) / items.length : 0;\n}';
const ANSWER = `\`\`\`ts\n${CODE}\n\`\`\``;
const VERDICT: JudgeVerdict = {
  score: 0.85,
  reason: 'Correct and consistent.',
  criteria: [
    { name: 'correctness', score: 0.9, reason: 'Handles the empty list.' },
    { name: 'consistency', score: 0.9, reason: 'Reuses total.' },
    { name: 'readability', score: 0.8, reason: 'Clear.' },
  ],
};

const one = (t: TraceRecord, name: string): SpanRecord => {
  const list = t.spans.filter((s) => s.name === name);
  assert.equal(list.length, 1, `one span ${name} in [${t.spans.map((s) => s.name).join(', ')}]`);
  return list[0]!;
};
const promptText = (g: GeminiStandIn, i = 0) => g.requests.filter((r) => r.action !== 'countTokens')[i]?.body.contents?.[0]?.parts?.[0]?.text ?? '';

describe('generate pipeline (stand-in)', () => {
  let gemini: GeminiStandIn;
  let saved: TraceRecord[];
  beforeEach(async () => {
    gemini = await startGeminiStandIn();
    saved = [];
  });
  afterEach(() => gemini.close());

  function run(inp: Partial<GenerateInput> = {}, over: Partial<GenerateOptions> = {}): Promise<GenerateResult> {
    return generate(
      { prompt: 'Write `average` next to `total`.', language: 'typescript', file: 'src/cart.ts', fileText: FILE, cursorLine: 7, ...inp },
      {
        tracer: new Tracer({ saveTrace: async (t) => void saved.push(structuredClone(t)) }),
        gemini: () => createGeminiClient({ apiKey: 'test-key', baseUrl: gemini.url, timeoutMs: 10_000 }),
        prices: SHIPPED_PRICES,
        model: MODEL,
        judgeModel: MODEL,
        judgeEnabled: true,
        ...over,
      },
    );
  }
  const scoresOf = (t: TraceRecord) => t.scores.map((s) => [s.name, s.value, s.source]);

  it('streams the answer, runs the checks as tool spans with heuristic scores, judges, and saves one trace', async () => {
    gemini.enqueue({ kind: 'text', text: ANSWER, chunks: 3 }, { kind: 'json', value: wireVerdict(VERDICT) });
    const deltas: string[] = [];
    const order: string[] = [];
    let checked: GeneratedCode | null = null;
    const r = await run({}, { onText: (d) => deltas.push(d), onChecks: (g) => ((checked = g), order.push('checks')), onJudging: () => order.push('judging') });
    assert.equal(r.error, null);
    assert.equal(r.warning, null);
    assert.equal(r.output, ANSWER);
    assert.equal(deltas.join(''), ANSWER);
    assert.deepEqual(order, ['checks', 'judging']);
    assert.deepEqual(r.generated, {
      code: CODE,
      language: 'typescript',
      parses: true,
      checks: [
        { name: 'parses', passed: true, detail: 'Parses as typescript.' },
        { name: 'single-code-block', passed: true, detail: 'Exactly one code block.' },
      ],
    });
    assert.deepEqual(checked, r.generated);
    assert.deepEqual(r.judge, VERDICT);
    const t = saved[0]!;
    assert.deepEqual(t, r.trace);
    assert.equal(t.type, 'generate');
    assert.equal(t.output, ANSWER);
    assert.deepEqual(scoresOf(t), [
      ['single-code-block', 1, 'heuristic'],
      ['parses', 1, 'heuristic'],
      ['overall', 0.85, 'judge'],
      ...GENERATE_CRITERIA.map((c, i) => [c, VERDICT.criteria[i]!.score, 'judge']),
    ]);
    const root = one(t, 'generate');
    for (const name of ['context', 'gemini.generate', 'check.single-code-block', 'check.parses', 'judge']) assert.equal(one(t, name).parentSpanId, root.id, name);
    assert.deepEqual(['context', 'check.single-code-block', 'check.parses'].map((n) => one(t, n).type), ['tool', 'tool', 'tool']);
    assert.equal(one(t, 'gemini.generate').attributes.promptName, 'generate');
    assert.equal(one(t, 'gemini.generate').attributes.promptVersion, promptVersion(PROMPTS.generate));
    assert.equal(one(t, 'judge.call').attributes.promptName, 'judge.generate');
    assert.deepEqual(t.metadata.prompts, { generate: promptVersion(PROMPTS.generate), 'judge.generate': promptVersion(PROMPTS['judge.generate']) });
    assert.deepEqual(root.output, r.generated);

    // The whole small file went as context, split at the cursor, measured by the byte bound (no count call).
    assert.equal(gemini.requests.filter((q) => q.action === 'countTokens').length, 0);
    assert.deepEqual([r.context?.startLine, r.context?.endLine, r.context?.cursorLine, r.context?.trimmed, r.context?.tokenSource], [1, 8, 7, false, 'bound']);
    const prompt = promptText(gemini);
    assert.match(prompt, /Write `average` next to `total`\./);
    assert.match(prompt, /Before the insertion point:\n```ts\nimport \{ Item \}[\s\S]*\/\/ TODO: average price\n```/);
    assert.match(prompt, /The code goes after line 7\./);
    assert.equal(gemini.requests[0]!.body.systemInstruction?.parts?.[0]?.text?.includes('tagged `ts`'), true);
    const judgePrompt = promptText(gemini, 1);
    assert.ok(judgePrompt.includes(ANSWER) && judgePrompt.includes('export function total'), 'the judge sees the answer and the context');
  });

  it('trims a large file to the token budget around the cursor, measured with countTokens', async () => {
    const lines = Array.from({ length: 400 }, (_, i) => `const line${i + 1} = ${i + 1}; // filler text for the context budget`);
    const budget = 300;
    const r = await run({ fileText: lines.join('\n'), cursorLine: 200 }, { maxContextTokens: budget, judgeEnabled: false });
    assert.equal(r.error, null);
    const w = r.context!;
    assert.equal(w.trimmed, true);
    assert.equal(w.cursorLine, 200);
    assert.ok(w.startLine < 200 && w.endLine > 200, `window ${w.startLine}-${w.endLine} surrounds the cursor`);
    assert.ok(200 - w.startLine > w.endLine - 200, 'more room above the cursor than below');
    const sent = lines.slice(w.startLine - 1, w.endLine).join('\n');
    assert.ok(estimateTokens(sent) <= budget, `${estimateTokens(sent)} tokens sent`);
    assert.equal(w.tokens, estimateTokens(sent));
    assert.equal(w.tokenSource, 'countTokens');
    const prompt = promptText(gemini);
    assert.ok(prompt.includes('const line200 ') && prompt.includes('const line201 '));
    assert.ok(!prompt.includes('const line1 ') && !prompt.includes('const line400 '));
    assert.match(prompt, new RegExp(`lines ${w.startLine}-${w.endLine} of 400 shown`));
    const counts = r.trace.spans.filter((s) => s.name === 'countTokens');
    assert.ok(counts.length >= 2 && counts.every((s) => s.type === 'tool' && s.parentSpanId === one(r.trace, 'context').id));
    assert.equal(gemini.requests.filter((q) => q.action === 'countTokens').length, counts.length);
  });

  it('a TypeScript syntax error fails parses (score 0)', async () => {
    gemini.enqueue({ kind: 'text', text: '```ts\nexport function broken( {\n```' });
    const r = await run({}, { judgeEnabled: false });
    assert.equal(r.generated?.parses, false);
    assert.match(r.generated!.checks[0]!.detail, /^Syntax error at 1:/);
    assert.deepEqual(scoresOf(r.trace), [['single-code-block', 1, 'heuristic'], ['parses', 0, 'heuristic']]);
    assert.equal(one(r.trace, 'check.parses').attributes.passed, false);
  });

  it('JSON is checked with JSON.parse', async () => {
    gemini.enqueue({ kind: 'text', text: '```json\n{"name": "codi", "version": 1}\n```' });
    const r = await run({ language: 'json', fileText: undefined, file: undefined }, { judgeEnabled: false });
    assert.deepEqual([r.generated?.language, r.generated?.parses], ['json', true]);
    assert.equal(r.context, null);
    assert.match(promptText(gemini), /No surrounding file/);
  });

  it('an unknown language is not checked: parses null and no parses score', async () => {
    gemini.enqueue({ kind: 'text', text: '```python\ndef average(xs):\n    return sum(xs) / len(xs)\n```' });
    const r = await run({ language: 'python' }, { judgeEnabled: false });
    assert.equal(r.generated?.parses, null);
    assert.match(r.generated!.checks[0]!.detail, /Not checked/);
    assert.deepEqual(scoresOf(r.trace), [['single-code-block', 1, 'heuristic']]);
  });

  it('two code blocks fail single-code-block; the first is the code', async () => {
    gemini.enqueue({ kind: 'text', text: '```ts\nconst a = 1;\n```\n\nOr:\n\n```ts\nconst b = 2;\n```' });
    const r = await run({}, { judgeEnabled: false });
    assert.equal(r.generated?.code, 'const a = 1;');
    assert.deepEqual(scoresOf(r.trace), [['single-code-block', 0, 'heuristic'], ['parses', 1, 'heuristic']]);
  });

  it('a MAX_TOKENS cut-off keeps the partial code with a warning; the open block fails single-code-block', async () => {
    gemini.enqueue({ kind: 'text', text: '```ts\nexport function average(items: Item[]) {\n  return', finishReason: 'MAX_TOKENS' }, { kind: 'json', value: wireVerdict(VERDICT) });
    const r = await run();
    assert.equal(r.error, null);
    assert.match(r.warning ?? '', /MAX_TOKENS/);
    assert.equal(r.trace.metadata.truncated, true);
    assert.equal(r.generated?.checks[1]?.passed, false);
    assert.match(r.generated!.checks[1]!.detail, /not closed/);
  });

  it('a SAFETY finish is a blocked error; no checks, no judge', async () => {
    gemini.enqueue({ kind: 'text', text: 'I cannot', finishReason: 'SAFETY' });
    const r = await run();
    assert.equal(r.error?.kind, 'blocked');
    assert.equal(r.generated, null);
    assert.equal(gemini.requests.length, 1);
    assert.equal(saved[0]!.error?.kind, 'blocked');
  });

  it('a judge that answers malformed JSON twice leaves a judge error, never a crash', async () => {
    gemini.enqueue({ kind: 'text', text: ANSWER }, { kind: 'text', text: '{"score":' }, { kind: 'text', text: 'nope' });
    const r = await run();
    assert.equal(r.error, null);
    assert.equal(r.judgeError?.kind, 'model-output');
    assert.equal(r.generated?.parses, true);
    assert.deepEqual(scoresOf(r.trace).map((s) => s[0]), ['single-code-block', 'parses']);
  });

  it('rejects an empty request without a call', async () => {
    const r = await run({ prompt: '   ' });
    assert.equal(r.error?.kind, 'bad-input');
    assert.equal(gemini.requests.length, 0);
    assert.equal(saved.length, 1);
  });
});

describe('generate context helpers', () => {
  it('windowAround gives two thirds of the room to the code above the cursor', () => {
    const lines = Array.from({ length: 100 }, () => 'x'.repeat(9)); // 10 chars with the newline
    assert.deepEqual(windowAround(lines, 50, 300), { start: 31, end: 60 }, 'lines 31-50 above (cursor included), 51-60 below');
    assert.deepEqual(windowAround(lines, 2, 300), { start: 1, end: 30 }, 'room unused above goes below');
    assert.deepEqual(windowAround(lines, 100, 300), { start: 71, end: 100 });
  });

  it('commentAt finds the comment at or just above the cursor', () => {
    const text = ['const a = 1;', '// Write a function that', '// averages the prices.', '', 'let b;', '/*', ' * Parse the header', ' */', '# python style'].join('\n');
    assert.equal(commentAt(text, 3), 'Write a function that\naverages the prices.');
    assert.equal(commentAt(text, 4), 'Write a function that\naverages the prices.', 'a blank cursor line uses the comment above');
    assert.equal(commentAt(text, 1), null);
    assert.equal(commentAt(text, 5), null);
    assert.equal(commentAt(text, 7), 'Parse the header');
    assert.equal(commentAt(text, 9), 'python style');
  });
});
