/** Fixtures for the Opik export tests: fake secrets and an explain-like trace. */
import { randomBytes } from 'node:crypto';
import { uuidv7 } from '../../src/core/ids';
import type { SpanRecord, TraceRecord } from '../../src/shared/types';

// Secret-shaped test values are assembled at run time so the repository never contains one verbatim
// (secret scanners would flag it); they are fake.
const rep = (s: string, n: number): string => s.repeat(Math.ceil(n / s.length)).slice(0, n);
export const FAKE = {
  google: `AI${'za'}${rep('Sy0123abcXYZ_-', 35)}`,
  openai: `sk-${'proj-'}${rep('Ab3dEf6hIj9', 48)}`,
  anthropic: `sk-${'ant-'}api03-${rep('Zx9-Yw8_Vu7', 60)}`,
  github: `gh${'p_'}${rep('aB1cD2eF3', 36)}`,
  githubPat: `github${'_pat_'}${rep('11ABCDEFG0', 60)}`,
  aws: `AK${'IA'}${rep('Q2W3E4R5T6', 16)}`,
  slack: `xo${'xb'}-1234567890-0987654321-${rep('aBcD', 24)}`,
  stripe: `sk${'_live_'}${rep('4eC39HqLyjWDarjtT1zdp7dc', 24)}`,
  jwt: `ey${'JhbGciOiJIUzI1NiJ9'}.ey${'JzdWIiOiIxMjM0NTY3ODkwIn0'}.${rep('dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', 43)}`,
  pem: `-----BEGIN ${'RSA '}PRIVATE KEY-----\nMIIEowIBAAKCAQEA${rep('q8Xz', 60)}\n${rep('Lm9+', 64)}\n-----END RSA PRIVATE KEY-----`,
};

/** An explain-like trace: root span, streamed LLM call, judge call; judge + user + heuristic scores. */
export function explainTrace(over: Partial<TraceRecord> = {}, secret = FAKE.google): TraceRecord {
  const t0 = over.startTime ?? Date.now() - 5000;
  const id = over.id ?? uuidv7(t0);
  const span = (name: string, type: SpanRecord['type'], parent: string | null, extra: Partial<SpanRecord> = {}): SpanRecord => ({
    id: uuidv7(t0), traceId: id, parentSpanId: parent, name, type, startTime: t0 + 10, endTime: t0 + 900,
    input: null, output: null, model: null, provider: null, usage: null, costUsd: null, error: null, attributes: {}, ...extra,
  });
  const root = span('explain', 'general', null, { input: { file: 'a.ts', lines: '1-3' }, output: { output: 'It adds.' } });
  const llm = span('gemini.generate', 'llm', root.id, {
    input: { model: 'gemini-2.5-flash', prompt: 'explain', promptVersion: 'abc123', user: `const KEY = "${secret}";` },
    output: 'It adds two numbers.', model: 'gemini-2.5-flash', provider: 'google_ai',
    usage: { promptTokens: 120, outputTokens: 40, thinkingTokens: 25, totalTokens: 185 }, costUsd: 0.00012,
    attributes: { promptName: 'explain', promptVersion: 'abc123', ttftMs: 312, chunks: 4, finishReason: 'STOP', retryDelaysMs: [] },
  });
  const judge = span('judge', 'judge', root.id, {
    input: { criteria: ['correctness'] }, output: { score: 0.9 }, model: 'gemini-2.5-flash',
    usage: { promptTokens: 200, outputTokens: 30, thinkingTokens: 0, totalTokens: 230 }, costUsd: 0.0001, attributes: { attempts: 1 },
  });
  return {
    id, name: 'Explain a.ts:1-3', type: 'explain', startTime: t0, endTime: t0 + 1000,
    input: { file: 'a.ts', language: 'typescript', code: `const KEY = "${secret}";\nexport const add = (a, b) => a + b;` },
    output: 'It adds two numbers.',
    metadata: { model: 'gemini-2.5-flash', judgeModel: 'gemini-2.5-flash', prompt: 'explain', promptVersion: 'abc123', language: 'typescript', file: 'a.ts', clientVersion: '0.1.0' },
    tags: ['demo'], threadId: uuidv7(t0), error: null,
    usage: { promptTokens: 320, outputTokens: 70, thinkingTokens: 25, totalTokens: 415 }, costUsd: 0.00022,
    spans: [root, llm, judge],
    scores: [
      { name: 'overall', value: 0.9, reason: 'Accurate.', source: 'judge', spanId: null },
      { name: 'correctness', value: 1, reason: 'Right.', source: 'judge', spanId: null },
      { name: 'rating', value: 1, reason: '', source: 'user', spanId: null },
      { name: 'parses', value: 1, reason: 'ok', source: 'heuristic', spanId: llm.id },
    ],
    ...over,
  };
}


/** A UUIDv7 carrying exactly `ms` (src/core/ids' uuidv7 is monotonic per process, so it cannot go back in time). */
export function uuidv7At(ms: number): string {
  const b = randomBytes(16);
  b.writeUIntBE(ms, 0, 6);
  b[6] = 0x70 | (b[6]! & 0x0f);
  b[8] = 0x80 | (b[8]! & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
