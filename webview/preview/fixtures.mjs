// Realistic panel states for the preview, shaped like what src/core records for one "explain" run.

export const traceId = '0193a6f2-7c1e-7b3a-9d4e-2f1a6c8b5e01';
// Three minutes ago, on a whole second, so the header reads like a trace just opened from the sidebar.
const t0 = Math.floor((Date.now() - 3 * 60_000) / 1000) * 1000;

export const explanation = `\`debounce\` returns a wrapper that postpones calling \`fn\` until \`waitMs\` milliseconds have passed without another call, so a burst of calls runs \`fn\` only once, with the last arguments.

## How it works

- Each call clears the pending timer with \`clearTimeout(timer)\` and starts a new one, so only the **last** call in a burst survives.
- The wrapper captures \`this\` and the arguments at call time and replays them when the timer fires.
- \`cancel()\` drops a pending call; \`flush()\` runs it immediately and returns its result.

\`\`\`ts
const save = debounce(() => api.save(doc), 300);
input.addEventListener('input', save);
\`\`\`

## Worth knowing

1. The first call is always delayed: there is no *leading edge* option.
2. \`fn\`'s return value is lost unless you use \`flush()\`.
3. Timers keep a reference to the last arguments until they fire, which can retain large objects.

See [MDN: setTimeout](https://developer.mozilla.org/docs/Web/API/setTimeout) for timer clamping in background tabs.
`;

export const usage = { promptTokens: 412, outputTokens: 286, thinkingTokens: 734, totalTokens: 1432 };

export const verdict = {
  score: 0.86,
  reason: 'Accurate and well organised; it misses that `flush()` is a no-op when nothing is pending.',
  criteria: [
    { name: 'faithfulness', score: 0.95, reason: 'Every claim matches the code, including the argument replay.' },
    { name: 'clarity', score: 0.9, reason: 'Short sections and a concrete example make the behaviour easy to follow.' },
    { name: 'completeness', score: 0.72, reason: 'Covers cancel and flush but not the no-op flush case.' },
    { name: 'concision', score: 0.55, reason: 'The memory note repeats the argument-capture point.' },
  ],
};

const base = {
  traceId,
  title: 'Explain · src/util/debounce.ts:12–38',
  markdown: '',
  model: 'gemini-2.5-flash',
  usage: null,
  costUsd: null,
  latencyMs: null,
  judge: null,
  judgeStatus: 'pending',
  judgeError: null,
  error: null,
};

export const resultRunning = { ...base, status: 'running' };

/** The explanation split into stream deltas of a few words, as Gemini sends them. */
export const streamChunks = explanation.match(/[\s\S]{1,48}/g);

export const resultDone = {
  ...base,
  status: 'done',
  markdown: explanation,
  usage,
  costUsd: 0.00196,
  latencyMs: 4380,
  judge: verdict,
  judgeStatus: 'done',
};

export const resultJudgeFailed = {
  ...resultDone,
  judge: null,
  judgeStatus: 'error',
  judgeError: 'The judge did not return a valid verdict after one repair attempt.',
};

export const resultError = {
  ...base,
  status: 'error',
  judgeStatus: 'off',
  error: {
    kind: 'no-key',
    message: 'No Gemini API key is set. Run "CODI: Set Gemini API Key" or set GEMINI_API_KEY.',
    actions: ['setApiKey', 'openSettings', 'showLog'],
  },
};

/** Model output that tries everything a hostile answer could; the preview checks none of it survives. */
export const hostileMarkdown = [
  '<script>window.__pwned = 1</script>',
  '<img src=x onerror="window.__pwned = 2">',
  '[click](javascript:window.__pwned=3) and [data](data:text/html,<b>x</b>) and [ok](https://example.com)',
  '![remote](https://example.com/a.png)',
  '<style>body{display:none}</style>',
  '```html\n<b onclick="x()">code stays text</b>\n```',
].join('\n\n');

const prompt = {
  system: 'You are a senior engineer explaining code to a colleague who is reading it for the first time.\nBe faithful to the code: never describe behaviour the code does not have.',
  user: 'Explain this typescript code from `src/util/debounce.ts` (lines 12-38).\n\n```typescript\nexport function debounce<A extends unknown[]>(fn: (...a: A) => void, waitMs: number) {\n  let timer: ReturnType<typeof setTimeout> | undefined;\n  …\n}\n```',
};

const span = (o) => ({ input: null, output: null, model: null, provider: null, usage: null, costUsd: null, error: null, attributes: {}, ...o, traceId });

export const trace = {
  id: traceId,
  name: 'Explain src/util/debounce.ts:12-38',
  type: 'explain',
  startTime: t0,
  endTime: t0 + 6120,
  input: { file: 'src/util/debounce.ts', language: 'typescript', startLine: 12, endLine: 38 },
  output: explanation,
  metadata: {
    model: 'gemini-2.5-flash',
    judgeModel: 'gemini-2.5-flash',
    prompt: 'explain',
    promptVersion: 'a41c9e2',
    language: 'typescript',
    file: 'src/util/debounce.ts',
    clientVersion: '0.1.0',
  },
  tags: ['explain'],
  threadId: null,
  error: null,
  usage: { promptTokens: 1318, outputTokens: 468, thinkingTokens: 1020, totalTokens: 2806 },
  costUsd: 0.00411,
  spans: [
    span({
      id: 's-root', parentSpanId: null, name: 'explain', type: 'general', startTime: t0 + 2, endTime: t0 + 6110,
      input: { file: 'src/util/debounce.ts', lines: '12-38' }, output: explanation,
    }),
    span({
      id: 's-gen', parentSpanId: 's-root', name: 'gemini.generate', type: 'llm', startTime: t0 + 15, endTime: t0 + 4395,
      input: { model: 'gemini-2.5-flash', prompt: 'explain', promptVersion: 'a41c9e2', ...prompt }, output: explanation,
      model: 'gemini-2.5-flash', provider: 'google_ai', usage, costUsd: 0.00196,
      attributes: { promptName: 'explain', promptVersion: 'a41c9e2', finishReason: 'STOP', ttftMs: 812, chunks: 37, latencyMs: 4380, modelVersion: 'gemini-2.5-flash' },
    }),
    span({
      id: 's-judge', parentSpanId: 's-root', name: 'judge', type: 'judge', startTime: t0 + 4410, endTime: t0 + 6100,
      input: { model: 'gemini-2.5-flash', criteria: ['faithfulness', 'clarity', 'completeness', 'concision'] }, output: verdict,
      model: 'gemini-2.5-flash', provider: 'google_ai', attributes: { attempts: 1 },
    }),
    span({
      id: 's-judge-call', parentSpanId: 's-judge', name: 'judge.call', type: 'llm', startTime: t0 + 4420, endTime: t0 + 6090,
      input: { model: 'gemini-2.5-flash', prompt: 'judge.explain', promptVersion: '7f03b1d', system: 'You are a strict reviewer grading an explanation of source code.\nScore each criterion from 0 to 1.', user: '## Code (typescript)\n…\n\n## Explanation to grade\n…' },
      output: verdict, model: 'gemini-2.5-flash', provider: 'google_ai',
      usage: { promptTokens: 906, outputTokens: 182, thinkingTokens: 286, totalTokens: 1374 }, costUsd: 0.00215,
      attributes: { promptName: 'judge.explain', promptVersion: '7f03b1d', finishReason: 'STOP', ttftMs: 1210, chunks: 1, latencyMs: 1660 },
    }),
  ],
  scores: [
    { name: 'overall', value: verdict.score, reason: verdict.reason, source: 'judge' },
    ...verdict.criteria.map((c) => ({ name: c.name, value: c.score, reason: c.reason, source: 'judge' })),
  ],
};
