import assert from 'node:assert/strict';
import { TraceStore } from '../../src/core/store/traceStore';
import type { CliRun } from '../support/cliKit';
import { buildCli, startCli } from '../support/cliKit';
import { makeTrace, tempDir, WASM } from '../support/fixtures';

describe('CLI: traces tag', function () {
  this.timeout(120_000);
  let bin: { cli: string; cleanup: () => void };
  let home: ReturnType<typeof tempDir>;
  const trace = makeTrace({ name: 'Explain src/a.ts:1-9', tags: ['explain', 'typescript'] });
  const codi = (args: string[]): Promise<CliRun> => startCli(bin.cli, args, home.dir, { CODI_HOME: home.dir }).done;

  before(async () => {
    bin = await buildCli('codi-cli-tag-');
    home = tempDir();
    const s = await TraceStore.open({ dir: home.dir, wasmPath: WASM });
    await s.saveTrace(trace);
    await s.close();
  });
  after(() => {
    bin.cleanup();
    home.cleanup();
  });

  it('adds and removes tags (commas for several), by id prefix, and lists them with --tag afterwards', async () => {
    const r = await codi(['traces', 'tag', trace.id.slice(0, 13), '--add', 'flaky,review', '--remove', 'typescript', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { id: trace.id, tags: ['explain', 'flaky', 'review'], changed: true });
    const list = await codi(['traces', 'list', '--tag', 'flaky', '--json']);
    assert.deepEqual((JSON.parse(list.stdout) as Array<{ id: string }>).map((x) => x.id), [trace.id]);
    const again = await codi(['traces', 'tag', trace.id, '--remove', 'absent']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /explain, flaky, review \(unchanged\)/);
  });

  it('refuses a bad tag or an unknown trace with exit 2 and the next step', async () => {
    const bad = await codi(['traces', 'tag', trace.id, '--add', 'x'.repeat(70)]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /longer than 64 characters/);
    const missing = await codi(['traces', 'tag', '0190aaaa-0000-7000-8000-000000000000', '--add', 'x']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /codi traces list/);
    const usage = await codi(['traces', 'tag']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /traces tag needs one <id>/);
  });
});
