/**
 * `codi traces annotate` and `codi traces rate`: the bundled CLI as a child process against a temp store,
 * the Gemini stand-in (to record a trace) and the Opik stand-in (export on).
 */
import assert from 'node:assert/strict';
import type { CliRun } from '../support/cliKit';
import { useCliKit } from '../support/cliKit';
import { OpikStandIn } from '../support/opikStandIn';

interface ShowJson {
  id: string;
  scores: Array<{ name: string; value: number; reason: string; source: string }>;
  annotation: { review: string | null; note: string; labels: string[]; queuedAt: number | null; reviewedAt: number | null } | null;
  opik: { state: string };
}

describe('codi traces annotate / rate (bundled, temp store, Opik stand-in)', function () {
  this.timeout(240_000);
  const kit = useCliKit('cliannot', { files: { 'a.js': 'const a = 1;\n' } });
  let opik: OpikStandIn;
  beforeEach(async () => (opik = await OpikStandIn.start()));
  afterEach(() => opik.close());

  const codi = (args: string[]): Promise<CliRun> =>
    kit.codi(args, { OPIK_URL_OVERRIDE: opik.url, OPIK_API_KEY: opik.apiKey, OPIK_WORKSPACE: opik.workspace });
  async function ok(args: string[]): Promise<CliRun> {
    const r = await codi(args);
    assert.equal(r.code, 0, `codi ${args.join(' ')}: ${r.stderr}`);
    return r;
  }
  const show = async (id: string): Promise<ShowJson> => JSON.parse((await ok(['traces', 'show', id, '--json'])).stdout) as ShowJson;
  async function newTrace(): Promise<string> {
    kit.gemini.enqueue({ kind: 'text', text: 'It sets a.' });
    return (JSON.parse((await ok(['explain', 'a.js', '--json', '--no-judge'])).stdout) as { traceId: string }).traceId;
  }

  it('annotates (labels add up, note, queue then reviewed), rates, and filters the list by label and review state', async () => {
    const id = await newTrace();
    const other = await newTrace();
    const r1 = await ok(['traces', 'annotate', id.slice(0, 13), '--label', 'hallucination', '--label=too long', '--note', 'Invents a.b', '--queue']);
    assert.match(r1.stdout, new RegExp(`^Annotated ${id}: to review · hallucination, too long · “Invents a.b”`));
    await ok(['traces', 'annotate', other, '--queue']);
    const queued = JSON.parse((await ok(['traces', 'list', '--to-review', '--json'])).stdout) as Array<{ id: string }>;
    assert.deepEqual(queued.map((x) => x.id).sort(), [id, other].sort());

    await ok(['traces', 'annotate', id, '--label', 'unclear', '--reviewed']);
    const s = await show(id);
    assert.deepEqual(s.annotation?.labels, ['hallucination', 'too long', 'unclear']);
    assert.equal(s.annotation?.note, 'Invents a.b');
    assert.equal(s.annotation?.review, 'reviewed');
    assert.ok(s.annotation!.reviewedAt! >= s.annotation!.queuedAt!);
    assert.deepEqual((JSON.parse((await ok(['traces', 'list', '--label', 'unclear', '--json'])).stdout) as Array<{ id: string }>).map((x) => x.id), [id]);
    assert.deepEqual((JSON.parse((await ok(['traces', 'list', '--to-review', '--json'])).stdout) as Array<{ id: string }>).map((x) => x.id), [other]);
    assert.match((await ok(['traces', 'show', id])).stdout, /review {4}reviewed · hallucination, too long, unclear · “Invents a\.b”/);

    await ok(['traces', 'rate', id, '--stars', '4']);
    await ok(['traces', 'rate', id, '--thumbs', 'down']);
    const ratings = (await show(id)).scores.filter((x) => x.source === 'user');
    assert.deepEqual(ratings.map((x) => [x.name, x.value, x.reason]), [['rating', 0.75, 'stars'], ['rating', 0, 'thumbs']]);
    assert.equal(opik.requests.length, 0, 'export off: nothing sent');
  });

  it('refuses bad input with exit 2 and a message, and a missing trace with its id', async () => {
    const id = await newTrace();
    for (const [args, msg] of [
      [['traces', 'rate', id], /one of --thumbs up\|down and --stars N/],
      [['traces', 'rate', id, '--thumbs', 'up', '--stars', '3'], /one of --thumbs/],
      [['traces', 'rate', id, '--thumbs', 'sideways'], /--thumbs must be up or down/],
      [['traces', 'rate', id, '--stars', '6'], /--stars must be an integer from 1 to 5/],
      [['traces', 'annotate', id], /needs --label, --note/],
      [['traces', 'annotate', id, '--reviewed', '--queue'], /only one of/],
      [['traces', 'annotate', '0190f000-0000-7000-8000-000000000000', '--reviewed'], /no trace with id 0190f000/],
    ] as Array<[string[], RegExp]>) {
      const r = await codi(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, msg);
    }
    assert.equal((await show(id)).annotation, null, 'nothing was stored');
  });

  it('with --opik: the annotation and the rating reach Opik (labels as categorical scores, note as a comment)', async () => {
    const id = await newTrace();
    const r = await ok(['traces', 'annotate', id, '--label', 'wrong language', '--note', 'Answered in French.', '--opik']);
    assert.match(r.stderr, /Opik: sent/);
    assert.equal(opik.traces.has(id), true, 'a trace never exported is queued and sent with its annotation');
    const label = opik.traceScores.get(`${id}|label_wrong_language`);
    assert.deepEqual([label?.category_name, label?.value], ['wrong language', 1]);
    assert.deepEqual([...opik.comments.values()].map((c) => [c.traceId, c.text]), [[id, 'Answered in French.']]);

    await ok(['traces', 'rate', id, '--thumbs', 'up', '--opik']);
    assert.equal(opik.traceScores.get(`${id}|user_rating`)?.value, 1, 'the rating goes as a score update of the sent trace');
    await ok(['traces', 'annotate', id, '--note', 'Answered in French, asked in English.', '--opik']);
    assert.equal(opik.comments.size, 1);
    assert.equal([...opik.comments.values()][0]?.text, 'Answered in French, asked in English.');
    assert.deepEqual(opik.duplicates(), { traces: [], spans: [] });
    assert.equal((await show(id)).opik.state, 'sent');
  });
});
