/**
 * The CLI's Opik fault paths (issue 12, point 11): the outbox file of earlier versions is carried into the
 * store's journal (issue 13), a damaged one does not drop its queued traces,
 * `opik sync` honours Retry-After, and traces Opik refused for good can be listed (`opik status`) and
 * dropped (`--drop-failed`) instead of keeping `opik sync` at exit 4 for ever.
 */
import assert from 'node:assert/strict';
import { promises as fs, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliRun } from '../support/cliKit';
import { buildCli, startCli } from '../support/cliKit';
import { FileOutboxStore } from '../../src/core/opik/fileOutbox';
import { tempDir } from '../support/fixtures';
import { startGeminiStandIn } from '../support/geminiStandIn';
import type { GeminiStandIn } from '../support/geminiStandIn';
import { OpikStandIn } from '../support/opikStandIn';

describe('codi CLI: Opik outbox faults', function () {
  this.timeout(300_000);
  let bin: { cli: string; cleanup: () => void };
  let gemini: GeminiStandIn;
  let opik: OpikStandIn;
  let home: ReturnType<typeof tempDir>;
  let work: ReturnType<typeof tempDir>;

  before(async () => {
    bin = await buildCli('codi-opikfaults-bin-');
  });
  after(() => bin.cleanup());
  beforeEach(async () => {
    gemini = await startGeminiStandIn();
    opik = await OpikStandIn.start();
    home = tempDir('codi-opikfaults-home-');
    work = tempDir('codi-opikfaults-work-');
    writeFileSync(join(work.dir, 'f.js'), 'function f(a) {\n  return a + 1;\n}\n');
  });
  afterEach(async () => {
    await gemini.close();
    await opik.close();
    home.cleanup();
    work.cleanup();
  });

  const codi = (args: string[]): Promise<CliRun> =>
    startCli(bin.cli, args, work.dir, {
      GEMINI_API_KEY: 'test-key',
      GOOGLE_GEMINI_BASE_URL: gemini.url,
      CODI_HOME: home.dir,
      OPIK_URL_OVERRIDE: opik.url,
      OPIK_API_KEY: opik.apiKey,
      OPIK_WORKSPACE: opik.workspace,
    }, 120_000).done;
  async function queuedTrace(): Promise<string> {
    await opik.down();
    const r = await codi(['explain', 'f.js', '--no-judge', '--json', '--opik']);
    assert.equal(r.code, 0, r.stderr);
    await opik.up();
    return (JSON.parse(r.stdout) as { traceId: string }).traceId;
  }
  const stateOf = async (id: string) => (JSON.parse((await codi(['traces', 'show', id, '--json'])).stdout) as { opik: { state: string } }).opik.state;
  const outbox = () => join(home.dir, 'opik-outbox.json');
  /** A trace recorded without --opik, then queued in an outbox file as an earlier CLI kept it. */
  async function legacyQueued(mark?: (o: FileOutboxStore, id: string) => Promise<void>): Promise<string> {
    const r = await codi(['explain', 'f.js', '--no-judge', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const id = (JSON.parse(r.stdout) as { traceId: string }).traceId;
    const o = await FileOutboxStore.open(outbox());
    await o.enqueue(id, Date.now());
    await mark?.(o, id);
    await o.flush();
    return id;
  }
  const migrated = async () => (await fs.readdir(home.dir)).filter((n) => n.startsWith('opik-outbox.json.migrated-'));

  it('an earlier version\'s opik-outbox.json moves into the store: entries kept (sent links too), file renamed, nothing sent twice', async () => {
    const sent = await legacyQueued((o, id) => o.markSent(id, { projectId: 'p', url: 'http://opik.example/trace', at: Date.now() }));
    const queued = await legacyQueued();
    await opik.up();
    const st = await codi(['opik', 'status', '--json']);
    assert.equal(st.code, 4, st.stderr);
    assert.match(st.stderr, /moved 2 Opik outbox entries from .*opik-outbox\.json into the trace store/);
    assert.equal((JSON.parse(st.stdout) as { pending: number }).pending, 1);
    assert.deepEqual(await fs.readdir(home.dir).then((n) => n.includes('opik-outbox.json')), false);
    assert.equal((await migrated()).length, 1, 'renamed, not deleted');
    const show = JSON.parse((await codi(['traces', 'show', sent, '--json'])).stdout) as { opik: { state: string; url: string } };
    assert.deepEqual([show.opik.state, show.opik.url], ['sent', 'http://opik.example/trace']);
    const sync = await codi(['opik', 'sync', '--json']);
    assert.equal(sync.code, 0, sync.stderr);
    assert.equal((JSON.parse(sync.stdout) as { sent: number }).sent, 1);
    assert.ok(opik.traces.has(queued));
    assert.ok(!opik.traces.has(sent), 'a trace the old outbox had sent is not sent again');
  });

  it('a truncated opik-outbox.json: the queued traces are re-queued and sent, not dropped', async () => {
    const a = await legacyQueued();
    const b = await legacyQueued();
    const text = await fs.readFile(outbox(), 'utf8');
    await fs.writeFile(outbox(), text.slice(0, text.length - 5)); // cut mid-JSON
    const r = await codi(['opik', 'sync', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /unreadable.*moved to .*corrupt/);
    assert.match(r.stderr, /re-queued 2 trace\(s\) found in the unreadable outbox/);
    assert.equal((JSON.parse(r.stdout) as { sent: number }).sent, 2);
    assert.ok(opik.traces.has(a) && opik.traces.has(b));

    // Nothing readable in it: the sync does not claim success.
    await legacyQueued();
    await fs.writeFile(outbox(), '\0\0garbage');
    const g = await codi(['opik', 'sync']);
    assert.equal(g.code, 4, g.stderr);
    assert.match(g.stderr, /no queued trace could be read from the unreadable outbox.*codi opik sync <trace id>/);
  });

  it('opik sync honours Retry-After: a short one is waited out, a long one is reported with the time to come back', async () => {
    const id = await queuedTrace();
    opik.fail({ kind: 'status', status: 429, retryAfter: '1', path: /traces\/batch$/ });
    const r = await codi(['opik', 'sync']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Opik asked to wait 1 s \(Retry-After\); waiting/);
    assert.equal(await stateOf(id), 'sent');
    const batches = opik.requests.filter((q) => /traces\/batch$/.test(q.path));
    assert.deepEqual(batches.map((q) => q.status), [429, 204]);

    const later = await queuedTrace();
    opik.fail({ kind: 'status', status: 429, retryAfter: '3600', path: /traces\/batch$/ });
    const l = await codi(['opik', 'sync']);
    assert.equal(l.code, 4, l.stderr);
    assert.match(l.stderr, /Opik asked to wait until \d{4}-\d\d-\d\dT[\d:.]+Z \(Retry-After\)/);
    assert.equal(await stateOf(later), 'pending');
  });

  it('traces refused for good: `opik status` lists them with why; `opik sync --drop-failed` clears them and exits 0', async () => {
    opik.fail({ kind: 'status', status: 422, body: { errors: ['bad trace'] }, path: /traces\/batch$/ });
    const r = await codi(['explain', 'f.js', '--no-judge', '--json', '--opik']);
    const id = (JSON.parse(r.stdout) as { traceId: string }).traceId;
    assert.equal((await codi(['opik', 'sync'])).code, 4);
    const st = await codi(['opik', 'status']);
    assert.equal(st.code, 4, st.stderr);
    assert.match(st.stdout, /0 pending, 1 refused for good/);
    assert.match(st.stdout, new RegExp(`${id}  .*HTTP 422: bad trace`));
    const drop = await codi(['opik', 'sync', '--drop-failed', '--json']);
    assert.equal(drop.code, 0, drop.stderr);
    assert.equal((JSON.parse(drop.stdout) as { dropped: number }).dropped, 1);
    assert.match(drop.stderr, new RegExp(`no longer exporting 1 trace\\(s\\).*${id}`));
    assert.equal((await codi(['opik', 'status'])).code, 0);
    assert.equal(await stateOf(id), 'off');
  });
});
