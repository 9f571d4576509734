/**
 * The CLI's fault paths around the trace store (issue 12): a full or read-only disk, a damaged store,
 * leftovers of killed processes, permissions. The bundled CLI runs as a child process; a disk that
 * fails is injected at the file-system boundary (test/support/fsFault.cjs), as a full tmpfs cannot be
 * mounted everywhere these tests run.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join, resolve } from 'node:path';
import { TraceStore } from '../../src/core/store/traceStore';
import { useCliKit } from '../support/cliKit';
import { makeTrace, WASM } from '../support/fixtures';
import { deadPid, journalFiles, writeDeadSegment } from '../support/storeKit';

const FS_FAULT = resolve(__dirname, '../support/fsFault.cjs');
const ANSWER = 'The function adds one to its argument and returns the sum.';
const STACK = /\n\s+at /;

describe('codi CLI: trace store faults', function () {
  this.timeout(60_000);
  const kit = useCliKit('faults', { files: { 'f.js': 'function f(a) {\n  return a + 1;\n}\n' } });

  const codi = (args: string[], env: Record<string, string> = {}) => kit.codi(args, env);
  const faulty = (code: string, match: string) => ({ NODE_OPTIONS: `--require ${FS_FAULT}`, CODI_TEST_FS_FAULT: code, CODI_TEST_FS_FAULT_MATCH: match });
  const listIds = async (): Promise<string[]> => {
    const r = await codi(['traces', 'list', '--json']);
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as Array<{ id: string }>).map((t) => t.id);
  };
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  it('disk full while saving: the answer is printed, the trace is said NOT saved and why, exit 6, nothing claims it', async () => {
    kit.gemini.enqueue({ kind: 'text', text: ANSWER });
    const r = await codi(['explain', 'f.js', '--no-judge'], faulty('ENOSPC', '\\.cdj$'));
    assert.equal(r.code, 6, r.stderr);
    assert.equal(r.stdout.trim(), ANSWER, 'the paid answer reaches the user');
    assert.equal(kit.gemini.requests.length, 1);
    assert.match(r.stderr, /could not be saved in .*: the disk is full \(ENOSPC\)/);
    assert.match(r.stderr, /Free some space/);
    assert.match(r.stderr, /trace [0-9a-f-]{36} NOT SAVED/);
    assert.doesNotMatch(r.stderr, /recorded|bug in CODI/);
    assert.doesNotMatch(r.stderr, STACK);
    assert.deepEqual(await listIds(), [], 'no trace exists, and none was claimed');

    kit.gemini.enqueue({ kind: 'text', text: ANSWER });
    const j = await codi(['explain', 'f.js', '--no-judge', '--json'], faulty('ENOSPC', '\\.cdj$'));
    assert.equal(j.code, 6, j.stderr);
    const out = JSON.parse(j.stdout) as { output: string; traceNotSaved?: string; error?: unknown };
    assert.equal(out.output, ANSWER);
    assert.match(out.traceNotSaved ?? '', /disk is full/);
    assert.equal(out.error, undefined, 'the run itself succeeded');
  });

  it('a store that cannot take a trace is found before the paid call: no request, exit 6, a clean message', async () => {
    await codi(['traces', 'list']); // the store exists
    for (const code of ['ENOSPC', 'EROFS']) {
      const r = await codi(['explain', 'f.js'], faulty(code, escape(kit.home)));
      assert.equal(r.code, 6, r.stderr);
      assert.equal(kit.gemini.requests.length, 0, `${code}: Gemini is not called`);
      assert.match(r.stderr, new RegExp(`cannot record this run: .*\\(${code}\\)\\. Nothing was sent to the model\\.`));
      assert.doesNotMatch(r.stderr, STACK);
    }
    // A read-only store can still be read.
    const list = await codi(['traces', 'list'], faulty('EROFS', escape(kit.home)));
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /No traces yet/);
  });

  it('an unwritable CODI_HOME is a clean error with exit 6, for every command', async () => {
    const fresh = join(kit.home, 'not-yet');
    for (const args of [['explain', 'f.js'], ['traces', 'list'], ['store', 'check']]) {
      const r = await codi(args, { CODI_HOME: fresh, ...faulty('EACCES', escape(fresh)) });
      assert.equal(r.code, 6, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /Cannot open the trace store at .*not-yet: permission denied \(EACCES\)/);
      assert.match(r.stderr, /CODI_HOME/);
      assert.doesNotMatch(r.stderr, STACK);
    }
    assert.equal(kit.gemini.requests.length, 0);
  });

  it('index.snapshot replaced by a folder: the index is rebuilt, the traces are listed, with a warning', async () => {
    assert.equal((await codi(['explain', 'f.js', '--no-judge'])).code, 0);
    assert.equal((await codi(['store', 'compact'])).code, 0);
    await fs.rm(join(kit.home, 'index.snapshot'), { force: true });
    await fs.mkdir(join(kit.home, 'index.snapshot'));
    const r = await codi(['traces', 'list', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as unknown[]).length, 1);
    assert.match(r.stderr, /index\.snapshot is a folder, not a file.*rebuilt from the journal/);
  });

  it('damaged records: one warning line with the count, `store check` lists them, `traces show` on one is a clean exit 6', async () => {
    await codi(['traces', 'list']);
    const traces = [0, 1, 2, 3].map((i) => makeTrace({ startTime: Date.now() - 1000 * (i + 1), name: `t${i}` }));
    const seg = await writeDeadSegment(kit.home, traces, true);
    // Flip one byte inside the bodies of records 0 and 2 (two places: adjacent damage is one place).
    const bytes = await fs.readFile(seg.path);
    for (const [off, len] of [seg.records[0]!, seg.records[2]!]) bytes[off + Math.floor(len / 2)]! ^= 0xff;
    await fs.writeFile(seg.path, bytes);

    const r = await codi(['traces', 'list', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as Array<{ id: string }>).map((t) => t.id), [traces[1]!.id, traces[3]!.id]);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('codi: warning'));
    assert.equal(warnings.length, 1, r.stderr);
    assert.match(warnings[0]!, /found damage in 2 place\(s\) of its journal; the traces stored there are not listed\..*codi store check.*codi store compact/);

    const check = await codi(['store', 'check']);
    assert.equal(check.code, 6, check.stderr);
    assert.equal(check.stdout.match(/damaged-bytes/g)?.length, 2, check.stdout);
    assert.ok(check.stdout.includes(`journal/${seg.path.split('/').pop()}:${seg.records[0]![0]}`), check.stdout);
    // `codi doctor` includes the store's problems: exit 1, the store line a warning naming the damage and the way out.
    const doctor = await codi(['doctor']);
    assert.equal(doctor.code, 1, doctor.stdout + doctor.stderr);
    const storeLine = doctor.stdout.split('\n').find((l) => l.startsWith('warning: Trace store:'));
    assert.match(storeLine ?? '', /2 trace\(s\), .*2 problem\(s\): journal\/.*damaged bytes.*→ `codi store check` lists them; `codi store compact` sets/, doctor.stdout);

    // A record damaged after the index took it in: `traces show` explains, exits 5, no stack.
    const ok = await codi(['explain', 'f.js', '--no-judge', '--json']);
    const id = (JSON.parse(ok.stdout) as { traceId: string }).traceId;
    assert.equal((await codi(['store', 'compact'])).code, 0);
    const [compacted] = await journalFiles(kit.home);
    const path = join(kit.home, 'journal', compacted!);
    const all = await fs.readFile(path);
    const at = all.indexOf(Buffer.from('function f(a)'));
    assert.ok(at > 0);
    all[at + 3]! ^= 0xff;
    await fs.writeFile(path, all);
    const show = await codi(['traces', 'show', id]);
    assert.equal(show.code, 6, show.stderr);
    assert.match(show.stderr, /damaged on disk/);
    assert.match(show.stderr, /codi store check/);
    assert.doesNotMatch(show.stderr, STACK);
  });

  it('temporaries of killed processes are removed on the next open; small segments are merged', async () => {
    await codi(['traces', 'list']);
    const journal = join(kit.home, 'journal');
    const pid = deadPid();
    const leftovers = [join(journal, '.0mx0000aa-0123456789.cdj.tmp'), join(kit.home, `index.snapshot.${pid}-abcd1234.tmp`), join(journal, `.write-check-${pid}-abcd1234.tmp`)];
    for (const p of leftovers) await fs.writeFile(p, Buffer.alloc(1 << 20));
    const live = join(kit.home, `index.snapshot.${process.pid}-abcd1234.tmp`);
    await fs.writeFile(live, 'being written by a live process');
    assert.equal((await codi(['traces', 'list'])).code, 0);
    for (const p of leftovers) await assert.rejects(fs.stat(p), `${p} removed`);
    await fs.stat(live); // a live writer's temporary stays

    // The CLI writes one segment per run; once they pile up, a run merges them.
    for (let i = 0; i < 33; i++) await writeDeadSegment(kit.home, [makeTrace({ name: `old ${i}` })], true);
    assert.ok((await journalFiles(kit.home)).length >= 33);
    const r = await codi(['explain', 'f.js', '--no-judge']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok((await journalFiles(kit.home)).length <= 2, `segments after the run: ${(await journalFiles(kit.home)).length}`);
    assert.equal((await listIds()).length, 34);
  });

  it('the store is private to its user: folders 0700, files 0600', async () => {
    const dir = join(kit.home, 'fresh');
    const r = await codi(['explain', 'f.js', '--no-judge'], { CODI_HOME: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await codi(['store', 'compact'], { CODI_HOME: dir })).code, 0);
    const modes: string[] = [];
    const walk = async (d: string) => {
      modes.push(`${(await fs.stat(d)).mode & 0o777} ${d}`);
      for (const e of await fs.readdir(d, { withFileTypes: true })) {
        if (e.isDirectory()) await walk(join(d, e.name));
        else modes.push(`${(await fs.stat(join(d, e.name))).mode & 0o777} ${join(d, e.name)}`);
      }
    };
    await walk(dir);
    assert.ok(modes.length >= 4, modes.join('\n'));
    for (const m of modes) assert.match(m, /^(448|384) /, `not private: ${m.replace(/^\d+/, (n) => Number(n).toString(8))}`);
    // An in-process store too (the extension's).
    const other = join(kit.home, 'ext');
    const store = await TraceStore.open({ dir: other, wasmPath: WASM });
    await store.saveTrace(makeTrace());
    await store.close();
    assert.equal((await fs.stat(other)).mode & 0o777, 0o700);
    for (const f of await journalFiles(other)) assert.equal((await fs.stat(join(other, 'journal', f))).mode & 0o777, 0o600);
  });
});
