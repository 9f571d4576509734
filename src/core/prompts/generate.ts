import type { PromptTemplate } from './prompt';

/**
 * Code generation at the cursor. `{{context}}` is built by the pipeline: the code before and after the
 * cursor (trimmed to a token budget), or a note that there is no surrounding file.
 */
export const GENERATE_PROMPT: PromptTemplate = {
  name: 'generate',
  system: [
    'You are an expert {{language}} programmer writing code that will be inserted into an existing file at the cursor.',
    'Fit the surrounding code: same style, naming, imports, types and error-handling conventions; reuse what it',
    'already defines instead of redefining it. Do not repeat the surrounding code: write only the code to insert.',
    'Answer with exactly one fenced code block tagged `{{fence}}` that contains only the code to insert, and nothing',
    'else: no explanation before or after it. Put any essential remark in a code comment.',
  ].join('\n'),
  user: ['## Request', '{{request}}', '', '## Surrounding code', '{{context}}'].join('\n'),
};

/** Criteria the judge scores for generated code, each 0..1 with a one-sentence reason. */
export const GENERATE_CRITERIA = ['correctness', 'consistency', 'readability'] as const;

export const GENERATE_JUDGE_PROMPT: PromptTemplate = {
  name: 'judge.generate',
  system: [
    'You are a strict reviewer grading code that a model wrote for a developer, to be inserted into their file.',
    'Score each criterion from 0 to 1 and give one sentence of reason for each:',
    '- correctness: the code does what the request asks, handles the obvious edge cases, and would compile/run.',
    '- consistency: it fits the surrounding code (names, style, types, conventions) and reuses what exists.',
    '- readability: clear names and structure, no dead code or needless complexity.',
    'Then give an overall score from 0 to 1 and a one-sentence overall reason. Answer only with JSON.',
  ].join('\n'),
  user: ['## Request', '{{request}}', '', '## Surrounding code ({{language}})', '{{context}}', '', '## Answer to grade', '{{output}}'].join('\n'),
};
