import type { PromptTemplate } from './prompt';

/**
 * Chain of Density (Adams et al. 2023, "From Sparse to Dense", arXiv 2309.04269) adapted to source code.
 * `{{source}}` is built by the pipeline: the code in a fence, or (for long inputs) the summaries of its parts.
 */
const COD_SYSTEM = [
  'You write Chain-of-Density summaries of source code for developers.',
  'An entity is something specific in the code: an identifier (function, class, method, variable, parameter,',
  'constant, module), an algorithm, a data structure, a side effect (I/O, mutation, network, global state),',
  'a complexity bound, or an error path.',
  'A missing entity is:',
  '- Relevant: to what the code does.',
  '- Specific: descriptive yet concise (5 words or fewer).',
  '- Novel: not in the previous summary.',
  '- Faithful: present in the code; never invent behaviour the code does not have.',
  '- Anywhere: located anywhere in the code.',
  'Write identifiers exactly as they appear in the code, in backticks, and use each entity verbatim in the summary.',
  'Summaries must be self-contained: understandable without reading the code.',
].join('\n');

/** The paper's single prompt: every step in one structured-output answer. */
export const COD_SINGLE_PROMPT: PromptTemplate = {
  name: 'summarize.cod',
  system: COD_SYSTEM,
  user: [
    '{{source}}',
    '',
    'You will generate increasingly concise, entity-dense summaries of the {{language}} code above (`{{file}}`).',
    'Repeat the following 2 steps {{steps}} times.',
    'Step 1. Identify 1-3 informative entities from the code which are missing from the previously generated summary.',
    'Step 2. Write a new, denser summary of identical length which covers every entity and detail from the previous',
    'summary plus the missing entities.',
    'Guidelines:',
    '- The first summary should be long (~{{words}} words) yet highly non-specific, containing little information',
    '  beyond the entities marked as missing. Use verbose language and fillers (e.g. "this code deals with") to reach ~{{words}} words.',
    '- Make every word count: rewrite the previous summary to improve flow and make space for additional entities.',
    '- Make space with fusion, compression, and removal of uninformative phrases like "this code deals with".',
    '- The summaries should become highly dense and concise yet self-contained.',
    '- Missing entities can appear anywhere in the new summary.',
    '- Never drop entities from the previous summary. If space cannot be made, add fewer new entities.',
    'Remember: use the exact same number of words (~{{words}}) for each summary.',
    'Answer with JSON: {"steps": [...]} with exactly {{steps}} items, each {"missingEntities": [...], "denserSummary": "..."}.',
  ].join('\n'),
};

/** Iterative mode, step 1: the deliberately sparse summary. */
export const COD_FIRST_PROMPT: PromptTemplate = {
  name: 'summarize.cod.first',
  system: COD_SYSTEM,
  user: [
    '{{source}}',
    '',
    'This is step 1 of {{steps}} of a Chain-of-Density summary of the {{language}} code above (`{{file}}`).',
    'Identify 1-3 informative entities from the code, then write a first summary of ~{{words}} words that is',
    'deliberately sparse: long yet highly non-specific, containing little information beyond those entities.',
    'Use verbose language and fillers (e.g. "this code deals with") to reach ~{{words}} words.',
    'Answer with JSON: {"missingEntities": [...], "denserSummary": "..."}.',
  ].join('\n'),
};

/** Iterative mode, steps 2..k: add 1-3 missing entities at the same length. */
export const COD_NEXT_PROMPT: PromptTemplate = {
  name: 'summarize.cod.next',
  system: COD_SYSTEM,
  user: [
    '{{source}}',
    '',
    'This is step {{step}} of {{steps}} of a Chain-of-Density summary of the {{language}} code above (`{{file}}`).',
    '',
    'Previous summary ({{previousWords}} words):',
    '{{previous}}',
    '',
    'Entities it already covers: {{entities}}',
    '',
    'Step 1. Identify 1-3 informative entities from the code which are missing from the previous summary.',
    'Step 2. Write a new, denser summary of identical length ({{previousWords}} words) which covers every entity and',
    'detail from the previous summary plus the missing entities.',
    'Make every word count: fuse, compress and remove uninformative phrases to make space. Never drop an entity',
    'from the previous summary; if space cannot be made, add fewer new entities. Keep it self-contained.',
    'Answer with JSON: {"missingEntities": [...], "denserSummary": "..."}.',
  ].join('\n'),
};

/** Long inputs: one part of the code at a time, before the chunk summaries are densified with CoD. */
export const CHUNK_PROMPT: PromptTemplate = {
  name: 'summarize.chunk',
  system: [
    'You summarize one part of a longer source file so that the parts can later be combined into one summary.',
    'Be faithful: describe only what this part of the code does. Name its key entities (identifiers in backticks,',
    'algorithms, data structures, side effects, complexity, error paths). Plain prose, no headings, no code.',
  ].join('\n'),
  user: [
    'Part {{part}} of `{{file}}` ({{language}}, lines {{lines}}):',
    '',
    '{{code}}',
    '',
    'Summarize this part in at most {{words}} words.',
  ].join('\n'),
};

/** Criteria the judge scores for every CoD step, each 0..1 with a one-sentence reason. */
export const SUMMARY_CRITERIA = ['faithfulness', 'coverage', 'conciseness', 'readability'] as const;

/** One judge call grades every step (see stepJudge.ts for why one call rather than one per step). */
export const SUMMARY_JUDGE_PROMPT: PromptTemplate = {
  name: 'judge.summarize',
  system: [
    'You are a strict reviewer grading {{steps}} summaries of the same source code, written at increasing density.',
    'Grade each summary on its own, on an absolute scale; do not favour a summary for its position in the list.',
    'Score each criterion from 0 to 1 and give one sentence of reason for each:',
    '- faithfulness: every claim is true of the code; nothing is invented.',
    '- coverage: the salient entities of the code are covered (key identifiers, algorithms, data structures,',
    '  side effects, complexity, error paths).',
    '- conciseness: no filler or repetition; every word carries information.',
    '- readability: fluent and self-contained; a developer understands it without reading the code.',
    'Then give each summary an overall score from 0 to 1 (your holistic judgement of how useful it is as a',
    'summary of this code, not merely the mean) and a one-sentence overall reason.',
    'Answer only with JSON: {"steps": [...]} with one item per summary, in order, with its "step" number.',
  ].join('\n'),
  user: ['## Source ({{language}}, `{{file}}`)', '{{source}}', '', '## Summaries to grade', '{{summaries}}'].join('\n'),
};
