// Synthetic traces for `npm run bench`: 6 spans and ~6 KB of JSON each, with code taken from a real
// JavaScript file and prose from real READMEs (so text search and payload sizes are realistic), spread over
// the last 90 days, with tags, threads, three models, two prompt versions, judge scores, ~5% user ratings and
// ~3% errors of four kinds. Deterministic (seeded).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DAY = 86_400_000;
export const TAGS = ['refactor', 'bug', 'docs', 'perf', 'test', 'api', 'ui', 'infra'];
export const MODELS = ['gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-2.5-flash-lite'];
export const PROMPT_VERSIONS = ['a1b2c3d', 'b7e8f90'];
const ERROR_KINDS = [
  { kind: 'quota', message: 'Resource exhausted (429): retry later.', status: 429 },
  { kind: 'network', message: 'The Gemini endpoint could not be reached.' },
  { kind: 'timeout', message: 'No answer within 120 s.' },
  { kind: 'model-output', message: 'The answer was empty.' },
];
/** Words the search benchmark looks for: common and rare in the corpus. */
export const SEARCH_WORDS = ['function', 'sourcefile', 'options', 'diagnostic', 'recursively'];

/** @param {number} seed */
export function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** @param {string} root */
export function corpus(root) {
  const code = readFileSync(join(root, 'node_modules/typescript/lib/typescript.js'), 'utf8').slice(0, 3_000_000);
  const prose = ['glob', 'debug', 'semver', 'qs', 'protobufjs', 'workerpool', 'google-auth-library', 'picomatch', 'braces']
    .map((n) => {
      try {
        return readFileSync(join(root, 'node_modules', n, 'README.md'), 'utf8');
      } catch {
        return '';
      }
    })
    .join('\n');
  return { code, prose };
}

let idSeq = 0;
/** A UUIDv7-shaped id ordered by time (unique within this process). @param {number} ms @param {() => number} r */
function id7(ms, r) {
  const hex = (n, w) => Math.floor(n).toString(16).padStart(w, '0').slice(-w);
  idSeq = (idSeq + 1) & 0xfff;
  const a = hex(ms, 12);
  return `${a.slice(0, 8)}-${a.slice(8, 12)}-7${hex(idSeq, 3)}-${hex(0x8000 + r() * 0x3fff, 4)}-${hex(r() * 2 ** 32, 8)}${hex(r() * 2 ** 16, 4)}`;
}

/**
 * @param {{code: string, prose: string}} c
 * @param {() => number} r
 * @param {number} start epoch ms
 */
export function makeTrace(c, r, start) {
  const id = id7(start, r);
  const slice = (s, n) => {
    const at = Math.floor(r() * (s.length - n));
    return s.slice(at, at + n);
  };
  const code = slice(c.code, 1200);
  const answer = slice(c.prose, 1000);
  const model = MODELS[Math.floor(r() * MODELS.length)];
  const failed = r() < 0.03;
  const promptVersion = PROMPT_VERSIONS[Math.floor(r() * PROMPT_VERSIONS.length)];
  const rating = r() < 0.05 ? (r() < 0.6 ? 1 : 0) : null;
  const dur = Math.round(400 + r() * 3000 + (r() < 0.1 ? r() * 8000 : 0));
  const score = failed ? null : Math.round((0.3 + r() * 0.7) * 100) / 100;
  const usage = { promptTokens: 600 + Math.floor(r() * 400), outputTokens: 250 + Math.floor(r() * 300), thinkingTokens: Math.floor(r() * 200), totalTokens: 0 };
  usage.totalTokens = usage.promptTokens + usage.outputTokens + usage.thinkingTokens;
  const span = (name, type, off, len, input, output, extra = {}) => ({
    id: id7(start + off, r),
    traceId: id,
    parentSpanId: null,
    name,
    type,
    startTime: start + off,
    endTime: start + off + len,
    input,
    output,
    model: type === 'llm' ? model : null,
    provider: type === 'llm' ? 'google_ai' : null,
    usage: type === 'llm' ? usage : null,
    costUsd: type === 'llm' ? usage.totalTokens * 0.0000004 : null,
    error: null,
    attributes: extra,
  });
  const root = span('explain', 'general', 0, dur, { chars: code.length }, { chars: answer.length });
  const gen = span('gemini.generate', 'llm', 5, Math.round(dur * 0.7), { prompt: 'explain', promptVersion, chars: code.length }, answer.slice(0, 500), { ttftMs: 180 + Math.floor(r() * 400), chunks: 12, finishReason: 'STOP' });
  const judge = span('judge', 'general', Math.round(dur * 0.72), Math.round(dur * 0.27), { criteria: 4 }, { score });
  const call = span('judge.call', 'llm', Math.round(dur * 0.73), Math.round(dur * 0.25), { prompt: 'judge', promptVersion: 'd4e5f6a' }, slice(c.prose, 350), { attempts: 1 });
  const parse = span('judge.parse', 'tool', Math.round(dur * 0.98), 3, null, { ok: true });
  const redact = span('redact', 'tool', 1, 2, { rules: 3 }, { redactions: 0 });
  for (const s of [gen, judge, redact]) s.parentSpanId = root.id;
  call.parentSpanId = parse.parentSpanId = judge.id;
  const tags = TAGS.filter(() => r() < 0.2);
  return {
    id,
    name: `Explain ${code.slice(0, 24).replace(/\s+/g, ' ').trim()}…`,
    type: 'explain',
    startTime: start,
    endTime: start + dur,
    input: { code, language: 'javascript', file: `src/module${Math.floor(r() * 400)}.js`, startLine: 10, endLine: 60 },
    output: answer,
    metadata: { model, prompt: 'explain', promptVersion, extensionVersion: '0.1.0' },
    tags,
    threadId: r() < 0.3 ? `thread-${Math.floor(r() * 2000)}` : null,
    error: failed ? ERROR_KINDS[Math.floor(r() * ERROR_KINDS.length)] : null,
    usage,
    costUsd: usage.totalTokens * 0.0000004,
    spans: [root, gen, redact, judge, call, parse],
    scores: [
      ...(score === null ? [] : [{ name: 'overall', value: score, reason: 'Accurate and clear; misses one edge case.', source: 'judge', spanId: null }]),
      ...(rating === null || score === null ? [] : [{ name: 'rating', value: rating, reason: 'thumbs', source: 'user', spanId: null }]),
    ],
  };
}

/** Start times of `n` traces spread over the 90 days before `now`, oldest first. @param {number} n @param {number} now */
export function startTimes(n, now) {
  const span = 90 * DAY;
  return Array.from({ length: n }, (_, i) => now - span + Math.floor((i * span) / n));
}
