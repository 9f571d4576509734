/**
 * `codi traces export|import` and the CLI's live OTLP push (CODI_OTLP_ENDPOINT), end to end: the bundled
 * `codi` (so esbuild bundles the OpenTelemetry packages) against the Gemini and OTLP receiver stand-ins.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { otlpTraceId } from '../../src/core/export/otlp';
import type { CliRun } from '../support/cliKit';
import { useCliKit } from '../support/cliKit';
import { tempDir } from '../support/fixtures';
import { decodeOtlpJson, OtlpStandIn } from '../support/otlpStandIn';

describe('codi CLI: traces export / import and the OTLP push (bundled)', function () {
  this.timeout(90_000);
  const kit = useCliKit('cliexport', { files: { 'cart.js': 'function total(items) {\n  return items.reduce((s, i) => s + i.price, 0);\n}\n' } });
  let receiver: OtlpStandIn;
  beforeEach(async () => (receiver = await new OtlpStandIn().start()));
  afterEach(() => receiver.close());

  const codi = (args: string[], env: Record<string, string> = {}): Promise<CliRun> =>
    kit.codi(args, env);
  async function explain(env: Record<string, string> = {}): Promise<{ id: string; run: CliRun }> {
    kit.gemini.enqueue({ kind: 'text', text: 'It sums the prices.' });
    const run = await codi(['explain', 'cart.js', '--json'], env);
    assert.equal(run.code, 0, run.stderr);
    return { id: (JSON.parse(run.stdout) as { traceId: string }).traceId, run };
  }

  it('push: receiver down → a note and the trace stays queued; the next run delivers both, each once', async () => {
    const url = receiver.url;
    await receiver.down();
    const first = await explain({ CODI_OTLP_ENDPOINT: url });
    const note = first.run.stderr.split('\n').filter((l) => l.includes('OTLP'));
    assert.equal(note.length, 1, first.run.stderr);
    assert.match(note[0]!, /OTLP: 1 trace\(s\) queued, not sent: The OTLP receiver at http:\/\/127\.0\.0\.1:\d+\/v1\/traces is unreachable \(ECONNREFUSED\)\..*unset CODI_OTLP_ENDPOINT.*next command/);

    await receiver.up();
    const second = await explain({ CODI_OTLP_ENDPOINT: url });
    assert.match(second.run.stderr, /OTLP: sent 2 trace\(s\) to http:\/\/127\.0\.0\.1:\d+\/v1\/traces/);
    for (const id of [first.id, second.id]) {
      const spans = receiver.trace(otlpTraceId(id));
      assert.ok(spans.length >= 2, `trace ${id} arrived with its spans`);
      assert.equal(new Set(spans.map((s) => s.spanId)).size, spans.length, 'each span once');
      assert.equal(spans.find((s) => s.parentSpanId === null)!.attributes['codi.trace.id'], id);
      assert.ok(spans.some((s) => s.attributes['gen_ai.operation.name'] === 'generate_content' && s.attributes['gen_ai.provider.name'] === 'gcp.gemini'));
    }
    const third = await explain();
    assert.doesNotMatch(third.run.stderr, /OTLP/, 'off without CODI_OTLP_ENDPOINT');
  });

  it('export --format jsonl → import into an empty store: the same traces; a second import skips them', async () => {
    const a = await explain();
    const b = await explain();
    const file = join(kit.work, 'traces.jsonl');
    const exp = await codi(['traces', 'export', '--out', file]);
    assert.equal(exp.code, 0, exp.stderr);
    assert.match(exp.stdout, /Exported 2 trace\(s\) as JSONL to .*traces\.jsonl/);
    assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 2);

    const other = tempDir('codi-cliexport-other-');
    try {
      const imp = await codi(['traces', 'import', file], { CODI_HOME: other.dir });
      assert.equal(imp.code, 0, imp.stderr);
      assert.equal(imp.stdout.trim(), '2 imported, 0 already in the store.');
      for (const id of [a.id, b.id]) {
        const src = await codi(['traces', 'show', id, '--json']);
        const dst = await codi(['traces', 'show', id, '--json'], { CODI_HOME: other.dir });
        assert.deepEqual((JSON.parse(dst.stdout) as { trace: unknown }).trace, (JSON.parse(src.stdout) as { trace: unknown }).trace);
      }
      const prompts = await codi(['prompts', 'list', '--json'], { CODI_HOME: other.dir });
      assert.equal(prompts.code, 0, prompts.stderr);
      assert.ok((JSON.parse(prompts.stdout) as unknown[]).length >= 1, 'prompt versions came along');
      const again = await codi(['traces', 'import', file], { CODI_HOME: other.dir });
      assert.equal(again.stdout.trim(), '0 imported, 2 already in the store.');
    } finally {
      other.cleanup();
    }
  });

  it('export --format otlp to stdout: one decodable OTLP request per trace; filters apply', async () => {
    const a = await explain();
    const r = await codi(['traces', 'export', '--format', 'otlp', '--type', 'explain']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    const spans = decodeOtlpJson(lines[0]!);
    assert.ok(spans.every((s) => s.traceId === otlpTraceId(a.id)));
    assert.equal(spans[0]!.resource['codi.client'], 'cli');
    const none = await codi(['traces', 'export', '--format', 'otlp', '--type', 'generate']);
    assert.equal(none.stdout, '');
    const bad = await codi(['traces', 'export', '--format', 'csv']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--format must be jsonl or otlp/);
    const nowhere = await codi(['traces', 'export', '--out', join(kit.work, 'no', 'such', 'dir', 'x.jsonl')]);
    assert.equal(nowhere.code, 2);
    assert.match(nowhere.stderr, /Cannot write .*x\.jsonl: ENOENT\. Check that its folder exists/);
  });

  it('import of a file with bad lines: exit 2, line numbers, the good lines imported', async () => {
    await explain();
    const file = join(kit.work, 'mixed.jsonl');
    const exp = await codi(['traces', 'export']);
    writeFileSync(file, `${exp.stdout.trim()}\n{"format":"codi.trace/1","trace":{"id":"x"}}\nnot json\n`);
    const other = tempDir('codi-cliexport-other-');
    try {
      const r = await codi(['traces', 'import', file], { CODI_HOME: other.dir });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stdout, /^1 imported, 0 already in the store, 2 bad lines not imported \(line 2: trace\.id must be a trace id \(a UUID\); line 3: not JSON/);
      const missing = await codi(['traces', 'import', join(kit.work, 'nope.jsonl')]);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /nope\.jsonl is not a file/);
    } finally {
      other.cleanup();
    }
  });
});
