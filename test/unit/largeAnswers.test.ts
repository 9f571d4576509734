/**
 * A very long answer (issue 12, point 2): stored once, not once per span that repeats it, and cut to
 * what Opik accepts for export, with the trace saying so; the local trace keeps it whole.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { OPIK_FIELD_MAX_CHARS } from '../../src/core/opik/limits';
import { traceToOpik } from '../../src/core/opik/payload';
import { defaultRedactor } from '../../src/core/redact/redact';
import { TraceStore } from '../../src/core/store/traceStore';
import type { TraceRecord } from '../../src/shared/types';
import { makeTrace, tempDir, WASM } from '../support/fixtures';

function longAnswerTrace(chars: number): TraceRecord {
  const answer = 'The cache evicts the least recently used entry. '.repeat(Math.ceil(chars / 48)).slice(0, chars);
  const t = makeTrace({ output: answer });
  const root = { ...t.spans[0]!, id: `${t.spans[0]!.id.slice(0, -1)}a`, name: 'explain', type: 'general' as const, output: answer };
  t.spans = [root, { ...t.spans[0]!, parentSpanId: root.id, output: answer }];
  return t;
}

describe('a 6 MB answer', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir('codi-large-')));
  afterEach(() => t.cleanup());

  it('is stored once (the spans that repeat it refer to it) and read back whole', async () => {
    const trace = longAnswerTrace(6_000_000);
    const store = await TraceStore.open({ dir: t.dir, wasmPath: WASM });
    await store.saveTrace(trace);
    const back = await store.get(trace.id);
    await store.close();
    let bytes = 0;
    for (const f of await fs.readdir(join(t.dir, 'journal'))) bytes += (await fs.stat(join(t.dir, 'journal', f))).size;
    assert.ok(bytes < 6_500_000, `journal holds ${bytes} bytes for a 6,000,000-character answer`);
    assert.equal(back!.output, trace.output);
    assert.deepEqual(back!.spans.map((s) => s.output), [trace.output, trace.output]);
    // A short answer is stored as it was (no reference needed).
    const small = longAnswerTrace(100);
    const again = await TraceStore.open({ dir: t.dir, wasmPath: WASM });
    await again.saveTrace(small);
    assert.deepEqual((await again.get(small.id))!.spans.map((s) => s.output), [small.output, small.output]);
    await again.close();
  });

  it('is cut for Opik to a size it accepts, and the exported trace says so', () => {
    const trace = longAnswerTrace(6_000_000);
    const b = traceToOpik(trace, { projectName: 'CODI', redactor: defaultRedactor });
    const size = JSON.stringify(b).length;
    assert.ok(size < 4 * OPIK_FIELD_MAX_CHARS, `export of ${size} characters`);
    assert.match(JSON.stringify(b.trace.output), /trimmed by CODI for Opik: 262,144 of 6,000,000 characters/);
    assert.match(String(b.trace.metadata?.codi_trimmed_for_opik), /were cut/);
    const small = traceToOpik(longAnswerTrace(100), { projectName: 'CODI', redactor: defaultRedactor });
    assert.equal(small.trace.metadata?.codi_trimmed_for_opik, undefined);
  });
});
