import type { PromptTemplate } from './prompt';

export const EXPLAIN_PROMPT: PromptTemplate = {
  name: 'explain',
  system: [
    'You are a senior engineer explaining code to a colleague who is reading it for the first time.',
    'Be faithful to the code: never describe behaviour the code does not have. Be clear and concise.',
    'Answer in Markdown: a one-sentence summary first, then how it works (short paragraphs or a list),',
    'then anything surprising (edge cases, side effects, complexity, error handling). Quote identifiers in backticks.',
  ].join('\n'),
  user: ['Explain this {{language}} code from `{{file}}` (lines {{lines}}).', '', '```{{language}}', '{{code}}', '```'].join('\n'),
};

/** Criteria the judge scores for an explanation, each 0..1 with a one-sentence reason. */
export const EXPLAIN_CRITERIA = ['faithfulness', 'clarity', 'completeness', 'concision'] as const;

export const JUDGE_PROMPT: PromptTemplate = {
  name: 'judge.explain',
  system: [
    'You are a strict reviewer grading an explanation of source code.',
    'Score each criterion from 0 to 1 and give one sentence of reason for each:',
    '- faithfulness: every claim is true of the code; nothing is invented.',
    '- clarity: a developer new to the code understands it quickly.',
    '- completeness: the purpose, the mechanism and the notable edge cases are covered.',
    '- concision: no filler or repetition.',
    'Then give an overall score from 0 to 1 and a one-sentence overall reason. Answer only with JSON.',
  ].join('\n'),
  user: ['## Code ({{language}})', '```{{language}}', '{{code}}', '```', '', '## Explanation to grade', '{{output}}'].join('\n'),
};
