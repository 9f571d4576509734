import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Score, SpanRecord, TraceRecord } from '../../src/shared/types';
import { uuidv7 } from '../../src/core/ids';

export const WASM = require.resolve('sql.js/dist/sql-wasm.wasm');

/** A fresh temp folder, removed by the returned cleanup. */
export function tempDir(prefix = 'codi-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Builds a finished trace with one LLM span and an optional judge score. */
export function makeTrace(over: Partial<TraceRecord> = {}, score: number | null = 0.9): TraceRecord {
  const startTime = over.startTime ?? Date.now();
  const id = over.id ?? uuidv7(startTime);
  const span: SpanRecord = {
    id: uuidv7(startTime),
    traceId: id,
    parentSpanId: null,
    name: 'gemini.generate',
    type: 'llm',
    startTime,
    endTime: startTime + 100,
    input: { prompt: 'p' },
    output: 'o',
    model: 'gemini-2.5-flash',
    provider: 'google_ai',
    usage: { promptTokens: 10, outputTokens: 20, thinkingTokens: 5, totalTokens: 35 },
    costUsd: 0.0001,
    error: null,
    attributes: {},
  };
  const scores: Score[] = score === null ? [] : [{ name: 'overall', value: score, reason: 'ok', source: 'judge', spanId: null }];
  return {
    id,
    name: 'Explain a.ts:1-2',
    type: 'explain',
    startTime,
    endTime: startTime + 120,
    input: { code: 'x' },
    output: 'explained',
    metadata: { model: 'gemini-2.5-flash' },
    tags: [],
    threadId: null,
    error: null,
    usage: span.usage,
    costUsd: span.costUsd,
    spans: [span],
    scores,
    ...over,
  };
}

/** A port nothing listens on (bound, then closed): an endpoint that refuses connections. */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
