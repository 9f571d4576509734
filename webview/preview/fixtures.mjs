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
  kind: 'explain',
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

// ---------- Summarize (Chain of Density) ----------

const codSteps = [
  {
    summary: 'This file defines a helper that wraps a function so that it does not run on every call. Instead, the wrapper waits for a while and then calls the original function once, which is useful for input handlers that fire very often.',
    entitiesAdded: ['debounce', 'wrapper', 'input handlers'],
    words: 41, tokens: 56, score: 0.58,
    reason: 'Faithful but vague: no mention of the timer, the delay or the extra methods.',
  },
  {
    summary: '`debounce(fn, waitMs)` returns a wrapper that restarts a `setTimeout` timer on every call, so `fn` runs once, `waitMs` after the last call in a burst. It is useful for input handlers that fire very often.',
    entitiesAdded: ['setTimeout', 'waitMs', 'burst'],
    words: 38, tokens: 58, score: 0.72,
    reason: 'Names the mechanism; still omits `cancel()`/`flush()` and the argument replay.',
  },
  {
    summary: '`debounce(fn, waitMs)` returns a wrapper that restarts a `setTimeout` timer on every call (`clearTimeout` first), so `fn` runs once, `waitMs` after the last call of a burst, with the **last** `this` and arguments. `cancel()` drops a pending call; `flush()` runs it now and returns its result.',
    entitiesAdded: ['clearTimeout', 'last arguments', 'cancel()', 'flush()'],
    words: 47, tokens: 74, score: 0.91,
    reason: 'Complete and still readable: mechanism, argument replay and both control methods in one paragraph.',
  },
  {
    summary: '`debounce(fn, waitMs)`: wrapper; each call `clearTimeout`s and re-arms `setTimeout`, so `fn` fires once, `waitMs` after a burst’s last call, replaying its `this`/args; trailing edge only (no leading). `cancel()` drops, `flush()` runs now and returns the result; the return value is otherwise lost.',
    entitiesAdded: ['trailing edge', 'leading edge', 'return value'],
    words: 45, tokens: 77, score: 0.8,
    reason: 'Adds the edge semantics but starts to read like notes.',
  },
  {
    summary: '`debounce(fn, waitMs)`: wrapper; per call `clearTimeout` + re-armed `setTimeout` → `fn` once, `waitMs` after burst end, last `this`/args replayed (retained until fire: memory); trailing-only; `cancel()` drops, `flush()` runs now + returns; return value otherwise lost; timers clamped in background tabs.',
    entitiesAdded: ['memory retention', 'timer clamping', 'background tabs'],
    words: 44, tokens: 79, score: 0.63,
    reason: 'Too dense to read in one pass; the arrows and fragments hurt clarity.',
  },
];

/** The five steps with densities measured as the core does: distinct entities so far per token. */
export const summarySteps = codSteps.map((s, i) => {
  const entitiesSoFar = codSteps.slice(0, i + 1).reduce((n, x) => n + x.entitiesAdded.length, 0);
  return { index: i + 1, ...s, entityDensity: Number((entitiesSoFar / s.tokens).toFixed(4)) };
});

const summarizeBase = {
  ...base,
  kind: 'summarize',
  title: 'Summarize · src/util/debounce.ts',
  recommendedStep: null,
  steps: [],
};

/** Two of five steps written, none judged yet. */
export const summaryStreaming = {
  ...summarizeBase,
  status: 'running',
  steps: summarySteps.slice(0, 2).map((s) => ({ ...s, score: null, reason: null })),
};

export const summaryDone = {
  ...summarizeBase,
  status: 'done',
  markdown: summarySteps[2].summary,
  steps: summarySteps,
  recommendedStep: 3,
  usage: { promptTokens: 1286, outputTokens: 642, thinkingTokens: 1210, totalTokens: 3138 },
  costUsd: 0.00452,
  latencyMs: 9840,
  judge: {
    score: 0.91,
    reason: 'Complete and still readable: mechanism, argument replay and both control methods in one paragraph.',
    criteria: [
      { name: 'faithfulness', score: 0.96, reason: 'Every statement matches the code.' },
      { name: 'coverage', score: 0.9, reason: 'Covers the timer, the replay and both methods; omits timer clamping.' },
      { name: 'readability', score: 0.86, reason: 'One dense but grammatical paragraph.' },
    ],
  },
  judgeStatus: 'done',
};

// ---------- Generate ----------

export const generatedCode = `export function throttle<A extends unknown[]>(fn: (...args: A) => void, intervalMs: number) {
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pending: A | undefined;

  const run = (args: A) => {
    last = Date.now();
    pending = undefined;
    fn(...args);
  };

  return (...args: A): void => {
    const wait = intervalMs - (Date.now() - last);
    if (wait <= 0) {
      clearTimeout(timer);
      timer = undefined;
      run(args);
    } else {
      pending = args;
      timer ??= setTimeout(() => {
        timer = undefined;
        if (pending) run(pending);
      }, wait);
    }
  };
}
`;

const generateMarkdown = `Here is a \`throttle\` that runs \`fn\` at most once per \`intervalMs\`, on the leading edge, and replays the last call of a burst on the trailing edge.

\`\`\`typescript
${generatedCode}\`\`\`

It keeps only the latest arguments, so a burst never queues more than one trailing call.`;

const generateBase = {
  ...base,
  kind: 'generate',
  title: 'Generate · src/util/throttle.ts:1–26',
};

export const generateProposed = {
  ...generateBase,
  status: 'done',
  markdown: generateMarkdown,
  usage: { promptTokens: 612, outputTokens: 318, thinkingTokens: 904, totalTokens: 1834 },
  costUsd: 0.00305,
  latencyMs: 6120,
  judge: {
    score: 0.84,
    reason: 'Correct leading and trailing behaviour; the pending-args reset could be simpler.',
    criteria: [
      { name: 'correctness', score: 0.9, reason: 'Leading call, single trailing call and timer reset are all right.' },
      { name: 'consistency', score: 0.85, reason: 'Matches the style and generics of `debounce` in the same folder.' },
      { name: 'readability', score: 0.74, reason: '`timer ??=` is terse; a short comment on the trailing call would help.' },
    ],
  },
  judgeStatus: 'done',
  generated: {
    code: generatedCode,
    language: 'typescript',
    parses: true,
    checks: [
      { name: 'parses', passed: true, detail: 'Parsed as TypeScript without errors.' },
      { name: 'single-code-block', passed: true, detail: 'The answer has exactly one code block.' },
    ],
    state: 'proposed',
  },
};

const brokenCode = `export function throttle(fn: () => void, intervalMs: number) {
  let last = 0;
  return () => {
    if (Date.now() - last >= intervalMs {
      last = Date.now();
      fn();
    }
  };
}
`;

export const generateBroken = {
  ...generateBase,
  status: 'done',
  markdown: `A simple leading-edge throttle:\n\n\`\`\`ts\n${brokenCode}\`\`\`\n\nUsage:\n\n\`\`\`ts\nwindow.addEventListener('scroll', throttle(onScroll, 100));\n\`\`\``,
  usage: { promptTokens: 598, outputTokens: 164, thinkingTokens: 410, totalTokens: 1172 },
  costUsd: 0.00141,
  latencyMs: 3480,
  judge: {
    score: 0.41,
    reason: 'The condition is missing a closing parenthesis, so the code does not compile.',
    criteria: [
      { name: 'correctness', score: 0.2, reason: 'Syntax error on line 4: `)` expected.' },
      { name: 'consistency', score: 0.6, reason: 'Drops the generic argument types the file uses elsewhere.' },
      { name: 'readability', score: 0.78, reason: 'Short and clear apart from the error.' },
    ],
  },
  judgeStatus: 'done',
  generated: {
    code: brokenCode,
    language: 'typescript',
    parses: false,
    checks: [
      { name: 'parses', passed: false, detail: "Line 4, column 45: ')' expected." },
      { name: 'single-code-block', passed: false, detail: 'The answer has 2 code blocks; the first one is proposed.' },
    ],
    state: 'proposed',
  },
};
