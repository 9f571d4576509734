/**
 * Ending a model command early never loses its trace (issue 12, point 5): a second Ctrl+C, SIGHUP and a
 * closed stdout (`| head`) end the run like one SIGINT does: partial answer kept, trace saved as cancelled.
 */
import assert from 'node:assert/strict';
import { useCliKit } from '../support/cliKit';

const PARTIAL = 'Partial words that arrive before the stall. More words never arrive.';

describe('codi CLI: signals and a closed stdout keep the trace', function () {
  this.timeout(60_000);
  const kit = useCliKit('signals', { files: { 'f.js': 'function f(a) {\n  return a + 1;\n}\n' } });

  const start = (args: string[]) => kit.start(args);
  async function onlyTrace(): Promise<{ error: { kind: string } | null; output: string }> {
    const list = await start(['traces', 'list', '--json']).done;
    const rows = JSON.parse(list.stdout) as Array<{ id: string }>;
    assert.equal(rows.length, 1, list.stdout);
    const show = await start(['traces', 'show', rows[0]!.id, '--json']).done;
    return JSON.parse(show.stdout) as { error: { kind: string } | null; output: string };
  }
  /** Resolves once the child printed its first piece of the answer. */
  const firstOutput = (child: ReturnType<typeof start>['child']) => new Promise<void>((res) => child.stdout.once('data', () => res()));

  for (const signals of [['SIGINT', 'SIGINT'], ['SIGHUP'], ['SIGTERM', 'SIGHUP']] as const) {
    it(`${signals.join(' then ')} mid-stream: exit 130, partial answer kept, trace saved as cancelled`, async () => {
      kit.gemini.enqueue({ kind: 'hang', afterChunks: 1, text: PARTIAL });
      const run = start(['explain', 'f.js']);
      await firstOutput(run.child);
      for (const s of signals) run.child.kill(s);
      const r = await run.done;
      assert.equal(r.code, 130, r.stderr);
      assert.equal(r.signal, null, 'the process ended by itself, not by the signal');
      assert.ok(r.stdout.startsWith('Partial'), r.stdout);
      const t = await onlyTrace();
      assert.equal(t.error?.kind, 'cancelled');
      assert.ok(t.output.startsWith('Partial'), t.output);
    });
  }

  it('stdout closed by its reader (EPIPE, as `| head` does): ends quietly with exit 141 once the cancelled trace is saved', async () => {
    kit.gemini.enqueue({ kind: 'text', text: PARTIAL.repeat(40), chunks: 40, chunkDelayMs: 100 });
    const run = start(['explain', 'f.js', '--no-judge']);
    await firstOutput(run.child);
    run.child.stdout.destroy();
    const r = await run.done;
    assert.equal(r.code, 141, r.stderr);
    assert.equal(r.stderr, '', 'quiet: no error, no stack');
    const t = await onlyTrace();
    assert.equal(t.error?.kind, 'cancelled');
    assert.ok(t.output.startsWith('Partial') && t.output.length < PARTIAL.length * 40, 'the partial answer is kept; the rest was not paid for');
  });
});
