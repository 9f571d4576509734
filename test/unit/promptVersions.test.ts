import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { createGeminiClient } from '../../src/core/gemini/client';
import { SHIPPED_PRICES } from '../../src/core/gemini/pricing';
import type { ExplainOptions, ExplainResult } from '../../src/core/pipelines/explain';
import { explain } from '../../src/core/pipelines/explain';
import type { PromptVersionRecord } from '../../src/core/prompts/prompt';
import { promptVersion, renderPrompt } from '../../src/core/prompts/prompt';
import { EXPLAIN_PROMPT, JUDGE_PROMPT } from '../../src/core/prompts/templates';
import type { PromptVersionBody } from '../../src/core/store/codec';
import { checkFrame, parseBody, RecordKind } from '../../src/core/store/codec';
import { readSnapshot, SNAPSHOT_FILE, writeSnapshot } from '../../src/core/store/snapshot';
import { TraceStore } from '../../src/core/store/traceStore';
import type { TraceExtras } from '../../src/core/tracing/tracer';
import { Tracer } from '../../src/core/tracing/tracer';
import type { TraceRecord } from '../../src/shared/types';
import { makeTrace, tempDir, WASM } from '../support/fixtures';
import { startGeminiStandIn } from '../support/geminiStandIn';
import type { GeminiStandIn } from '../support/geminiStandIn';
import { journalFiles } from '../support/storeKit';

const open = (dir: string, extra: Partial<Parameters<typeof TraceStore.open>[0]> = {}) => TraceStore.open({ dir, wasmPath: WASM, ...extra });
const EXPLAIN_V = promptVersion(EXPLAIN_PROMPT);
const JUDGE_V = promptVersion(JUDGE_PROMPT);
const OVERRIDE = { explain: { user: 'Explain briefly: {{code}} ({{language}}, {{file}}, {{lines}})' } };
const OVERRIDE_V = promptVersion({ ...EXPLAIN_PROMPT, user: OVERRIDE.explain.user });

/** Every PromptVersion record in the journal (copies included), in file order. */
async function promptRecords(dir: string): Promise<PromptVersionBody[]> {
  const out: PromptVersionBody[] = [];
  for (const name of await journalFiles(dir)) {
    const buf = await fs.readFile(join(dir, 'journal', name));
    for (let off = 0; off < buf.length; ) {
      const c = checkFrame(buf.subarray(off), off);
      if (!c.ok) break;
      if (c.record.kind === RecordKind.PromptVersion) out.push(parseBody<PromptVersionBody>(c.record));
      off += c.record.len;
    }
  }
  return out;
}

const keys = (s: TraceStore) => s.listPromptVersions().map((p) => `${p.name}@${p.version}`);
const pv = (name: string, user: string): PromptVersionRecord => ({ name, version: promptVersion({ name, system: 'S', user }), system: 'S', user });

describe('prompt versions: tracer', () => {
  it('a trace collects the prompt versions its LLM spans used, once each, and hands them to the sink', async () => {
    const saved: Array<[TraceRecord, TraceExtras | undefined]> = [];
    const tracer = new Tracer({ saveTrace: async (t, extras) => void saved.push([t, extras]) });
    const trace = tracer.startTrace({ name: 't', type: 'explain', input: null });
    const a = renderPrompt({ name: 'a', system: 'Sys {{x}}', user: 'User {{x}}' }, { x: '1' });
    const a2 = renderPrompt({ name: 'a', system: 'Sys {{x}}', user: 'User {{x}}' }, { x: '2' });
    assert.deepEqual(a.template, { system: 'Sys {{x}}', user: 'User {{x}}' }, 'the rendered prompt carries its template');
    assert.equal(a.user, 'User 1');
    await trace.span('root', 'general', null, async (root) => {
      root.usePrompt(a);
      await root.span('child', 'llm', null, async (child) => child.usePrompt(a2));
    });
    trace.usePrompt(renderPrompt({ name: 'b', system: '', user: 'B' }, {}));
    await trace.end({ output: 'ok' });
    assert.equal(saved.length, 1);
    assert.deepEqual(saved[0]![1], {
      prompts: [
        { name: 'a', version: a.version, system: 'Sys {{x}}', user: 'User {{x}}' },
        { name: 'b', version: promptVersion({ name: 'b', system: '', user: 'B' }), system: '', user: 'B' },
      ],
    });
    const bare = tracer.startTrace({ name: 'u', type: 'explain', input: null });
    await bare.end({});
    assert.equal(saved[1]![1], undefined, 'a trace without LLM calls passes no extras');
  });
});

describe('prompt versions: the store keeps each version once', function () {
  this.timeout(30_000);
  let gemini: GeminiStandIn;
  let t: ReturnType<typeof tempDir>;
  let store: TraceStore;

  beforeEach(async () => {
    gemini = await startGeminiStandIn();
    t = tempDir();
    store = await open(t.dir);
  });
  afterEach(async () => {
    await store.close();
    await gemini.close();
    t.cleanup();
  });

  function run(over: Partial<ExplainOptions> = {}): Promise<ExplainResult> {
    return explain(
      { code: 'function add(a, b) {\n  return a + b;\n}', language: 'javascript', file: 'add.js', startLine: 1, endLine: 3 },
      {
        tracer: new Tracer(store),
        gemini: () => createGeminiClient({ apiKey: 'k', baseUrl: gemini.url, timeoutMs: 10_000 }),
        prices: SHIPPED_PRICES,
        model: 'gemini-2.5-flash',
        judgeModel: 'gemini-2.5-flash',
        judgeEnabled: true,
        maxInputChars: 10_000,
        ...over,
      },
    );
  }

  it('stores the explain and judge templates with the first trace, and nothing new with the next', async () => {
    const first = await run();
    assert.equal(first.error, null);
    assert.deepEqual(keys(store), [`explain@${EXPLAIN_V}`, `judge.explain@${JUDGE_V}`]);
    const recs = await promptRecords(t.dir);
    assert.deepEqual(recs.map((r) => `${r.name}@${r.version}`), [`explain@${EXPLAIN_V}`, `judge.explain@${JUDGE_V}`]);
    const ex = await store.getPromptVersion('explain', EXPLAIN_V);
    assert.deepEqual(ex && { system: ex.system, user: ex.user }, { system: EXPLAIN_PROMPT.system, user: EXPLAIN_PROMPT.user }, 'the unrendered template');
    assert.equal(typeof ex?.createdAt, 'number');
    const judge = await store.getPromptVersion('judge.explain', JUDGE_V);
    assert.equal(judge?.user, JUDGE_PROMPT.user);
    // The spans name what the store keeps.
    const saved = await store.get(first.trace.id);
    const named = saved!.spans.filter((s) => s.attributes.promptName).map((s) => `${String(s.attributes.promptName)}@${String(s.attributes.promptVersion)}`);
    assert.deepEqual([...new Set(named)].sort(), keys(store));

    const second = await run();
    assert.equal(second.error, null);
    assert.equal((await promptRecords(t.dir)).length, 2, 'no new PromptVersion record for versions the store has');
    assert.equal(store.listPromptVersions().length, 2);
    assert.equal(store.count(), 2);
    assert.equal(await store.getPromptVersion('explain', 'deadbeef'), null);
    assert.equal(await store.getPromptVersion('nope', EXPLAIN_V), null);
  });

  it('an override is its own version, stored beside the shipped one', async () => {
    await run();
    const r = await run({ promptOverrides: OVERRIDE });
    assert.equal(r.error, null);
    assert.notEqual(OVERRIDE_V, EXPLAIN_V);
    assert.deepEqual(keys(store), [`explain@${EXPLAIN_V}`, `explain@${OVERRIDE_V}`, `judge.explain@${JUDGE_V}`]);
    const o = await store.getPromptVersion('explain', OVERRIDE_V);
    assert.equal(o?.user, OVERRIDE.explain.user);
    assert.equal(o?.system, EXPLAIN_PROMPT.system);
    assert.equal((await promptRecords(t.dir)).length, 3);
  });

  it('keeps the versions across reopening, with and without a snapshot, and through compaction and Clear History', async () => {
    await run();
    await run({ promptOverrides: OVERRIDE });
    const before = store.listPromptVersions();
    await store.close();

    // Snapshot path.
    store = await open(t.dir, { snapshotEvery: 1 });
    await store.saveTrace(makeTrace());
    await store.close();
    const snap = await readSnapshot(t.dir);
    assert.ok(snap && 'bytes' in snap, 'a snapshot was written');
    store = await open(t.dir);
    assert.deepEqual(store.listPromptVersions(), before);
    assert.equal((await store.getPromptVersion('explain', OVERRIDE_V))?.user, OVERRIDE.explain.user);
    assert.deepEqual(store.issues, []);
    await store.close();

    // No snapshot: rebuilt from the journal.
    await fs.rm(join(t.dir, SNAPSHOT_FILE));
    store = await open(t.dir);
    assert.deepEqual(store.listPromptVersions(), before);
    assert.equal((await store.getPromptVersion('judge.explain', JUDGE_V))?.system, JUDGE_PROMPT.system);

    // Compaction moves them (one copy each) and they still read.
    const c = await store.compact({ force: true });
    assert.ok(c?.ran);
    assert.deepEqual(store.listPromptVersions(), before);
    assert.equal((await store.getPromptVersion('explain', EXPLAIN_V))?.user, EXPLAIN_PROMPT.user);
    assert.equal((await promptRecords(t.dir)).length, 3);
    await store.close();
    store = await open(t.dir);
    assert.deepEqual(store.listPromptVersions(), before);

    // Clear History removes traces, not the templates they named.
    await store.clear();
    assert.equal(store.count(), 0);
    assert.deepEqual(store.listPromptVersions(), before);
    assert.equal((await store.getPromptVersion('explain', OVERRIDE_V))?.user, OVERRIDE.explain.user);
    assert.deepEqual(store.issues, []);
  });
});

describe('prompt versions: several writers', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir()));
  afterEach(() => t.cleanup());

  it('two writers that each write the same version leave copies the store lists once; compaction keeps one', async () => {
    const a = await open(t.dir);
    const b = await open(t.dir);
    const p = pv('x', 'User x');
    // Neither has seen the other's record when saving: both write the version.
    await Promise.all([a.saveTrace(makeTrace({ name: 'a' }), { prompts: [p] }), b.saveTrace(makeTrace({ name: 'b' }), { prompts: [p, p] })]);
    assert.equal((await promptRecords(t.dir)).length, 2, 'one copy per writer (a writer dedupes its own)');
    await a.refresh();
    await b.refresh();
    for (const s of [a, b]) {
      assert.deepEqual(keys(s), [`x@${p.version}`]);
      assert.equal((await s.getPromptVersion('x', p.version))?.user, 'User x');
    }
    // A third save of the same version writes nothing.
    await a.saveTrace(makeTrace({ name: 'a2' }), { prompts: [p] });
    assert.equal((await promptRecords(t.dir)).length, 2);

    await b.close();
    const c = await a.compact({ force: true });
    assert.ok(c?.ran);
    assert.equal((await promptRecords(t.dir)).length, 1, 'compaction keeps one copy per version');
    assert.deepEqual(keys(a), [`x@${p.version}`]);
    assert.equal((await a.getPromptVersion('x', p.version))?.user, 'User x');
    const reader = await open(t.dir);
    assert.deepEqual(keys(reader), [`x@${p.version}`]);
    assert.equal((await reader.getPromptVersion('x', p.version))?.user, 'User x');
    await reader.close();
    await a.close();
  });

  it('a reader that indexed one copy keeps the version when the other writer compacts the segments away', async () => {
    const a = await open(t.dir);
    const b = await open(t.dir);
    const p = pv('y', 'User y');
    await b.saveTrace(makeTrace({ name: 'b' }), { prompts: [p] });
    await a.saveTrace(makeTrace({ name: 'a' }), { prompts: [p] }); // a has not refreshed: a second copy
    const reader = await open(t.dir);
    await b.close();
    // a compacts b's closed segment (and its own, sealed): the reader's rows all move to the new segment.
    await a.compact({ force: true });
    await reader.refresh();
    assert.deepEqual(keys(reader), [`y@${p.version}`]);
    assert.equal((await reader.getPromptVersion('y', p.version))?.user, 'User y');
    assert.equal(reader.count(), 2);
    await reader.close();
    await a.close();
  });

  it('a failed write stores no version, and the next save writes it', async () => {
    const s = await open(t.dir);
    const p = pv('z', 'User z');
    await s.saveTrace(makeTrace({ name: 'first' }));
    const handle = (s as unknown as { writer: { fh: { datasync(): Promise<void> } } }).writer.fh;
    const sync = handle.datasync.bind(handle);
    handle.datasync = () => Promise.reject(Object.assign(new Error('EIO: simulated'), { code: 'EIO' }));
    await assert.rejects(s.saveTrace(makeTrace({ name: 'lost' }), { prompts: [p] }), /EIO/);
    handle.datasync = sync;
    assert.deepEqual(s.listPromptVersions(), []);
    await s.saveTrace(makeTrace({ name: 'next' }), { prompts: [p] });
    assert.deepEqual(keys(s), [`z@${p.version}`]);
    assert.equal((await s.getPromptVersion('z', p.version))?.user, 'User z');
    await s.close();
    const again = await open(t.dir);
    assert.deepEqual(keys(again), [`z@${p.version}`]);
    assert.deepEqual(again.list().map((r) => r.name).sort(), ['first', 'next']);
    await again.close();
  });

  it('a snapshot of the previous index format is rebuilt quietly (not reported as damage)', async () => {
    const s = await open(t.dir, { snapshotEvery: 1 });
    await s.saveTrace(makeTrace({ name: 'old' }), { prompts: [pv('w', 'User w')] });
    await s.close();
    const snap = await readSnapshot(t.dir);
    assert.ok(snap && 'bytes' in snap);
    const initSqlJs = (await import('sql.js')).default;
    const SQL = await initSqlJs({ locateFile: () => WASM });
    const db = new SQL.Database(snap.bytes);
    db.run("UPDATE meta SET value = '1' WHERE key = 'index_format'; DROP TABLE prompt_versions;");
    await writeSnapshot(t.dir, db.export());
    db.close();
    const infos: string[] = [];
    const again = await open(t.dir, { logger: { warn: (m) => infos.push(`warn ${m}`), info: (m) => infos.push(m) } });
    assert.deepEqual(again.issues, []);
    assert.ok(infos.some((m) => /another format/.test(m)), infos.join('\n'));
    assert.deepEqual(again.list().map((r) => r.name), ['old']);
    assert.equal(again.listPromptVersions().length, 1);
    await again.close();
  });
});

describe('prompt versions: codi prompts (bundled CLI)', function () {
  this.timeout(60_000);
  let bin: ReturnType<typeof tempDir>;
  let home: ReturnType<typeof tempDir>;
  let gemini: GeminiStandIn;
  let cli: string;

  before(async () => {
    bin = tempDir('codi-cli-bin-');
    cli = join(bin.dir, 'cli.js');
    await build({ entryPoints: [join(__dirname, '../../src/cli/main.ts')], outfile: cli, platform: 'node', format: 'cjs', bundle: true, target: 'node20', logLevel: 'silent' });
    copyFileSync(WASM, join(bin.dir, 'sql-wasm.wasm'));
    gemini = await startGeminiStandIn();
    home = tempDir('codi-cli-home-');
    const store = await open(home.dir);
    for (const promptOverrides of [null, OVERRIDE]) {
      await explain(
        { code: 'let x = 1;', language: 'javascript', file: 'x.js', startLine: 1, endLine: 1 },
        {
          tracer: new Tracer(store),
          gemini: () => createGeminiClient({ apiKey: 'k', baseUrl: gemini.url, timeoutMs: 10_000 }),
          prices: SHIPPED_PRICES,
          model: 'gemini-2.5-flash',
          judgeModel: 'gemini-2.5-flash',
          judgeEnabled: true,
          maxInputChars: 10_000,
          promptOverrides,
        },
      );
    }
    await store.close();
  });
  after(async () => {
    await gemini.close();
    home.cleanup();
    bin.cleanup();
  });

  function codi(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const env: NodeJS.ProcessEnv = { ...process.env, CODI_HOME: home.dir };
    delete env.NODE_OPTIONS;
    const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  }

  it('prompts list shows each stored version once, with first seen; --json too', async () => {
    const j = await codi(['prompts', 'list', '--json']);
    assert.equal(j.code, 0, j.stderr);
    const rows = JSON.parse(j.stdout) as Array<{ name: string; version: string; createdAt: number; shipped: boolean }>;
    assert.deepEqual(
      rows.map((r) => [r.name, r.version, r.shipped]),
      [
        ['explain', EXPLAIN_V, true],
        ['explain', OVERRIDE_V, false],
        ['judge.explain', JUDGE_V, true],
      ],
    );
    for (const r of rows) assert.equal(typeof r.createdAt, 'number');
    const text = await codi(['prompts', 'list']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^NAME\s+VERSION\s+FIRST SEEN \(UTC\)/);
    assert.match(text.stdout, new RegExp(`explain\\s+${OVERRIDE_V}\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\n`));
    assert.match(text.stdout, new RegExp(`judge\\.explain\\s+${JUDGE_V}\\s+\\S+ \\S+\\s+shipped`));
  });

  it('prompts show prints the template; unknown versions and bad specs exit 2', async () => {
    const j = await codi(['prompts', 'show', `explain@${OVERRIDE_V}`, '--json']);
    assert.equal(j.code, 0, j.stderr);
    const p = JSON.parse(j.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(p).sort(), ['createdAt', 'name', 'system', 'user', 'version']);
    assert.deepEqual([p.name, p.version, p.system, p.user], ['explain', OVERRIDE_V, EXPLAIN_PROMPT.system, OVERRIDE.explain.user]);
    const text = await codi(['prompts', 'show', `judge.explain@${JUDGE_V}`]);
    assert.equal(text.code, 0, text.stderr);
    assert.ok(text.stdout.startsWith(`judge.explain@${JUDGE_V}  first seen `), text.stdout);
    assert.ok(text.stdout.includes(`── system ──\n${JUDGE_PROMPT.system}\n`));
    assert.ok(text.stdout.includes(`── user ──\n${JUDGE_PROMPT.user}\n`));
    const missing = await codi(['prompts', 'show', 'explain@00000000']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no prompt version explain@00000000/);
    for (const bad of [['prompts', 'show', 'explain'], ['prompts', 'show'], ['prompts'], ['prompts', 'frob'], ['prompts', 'list', '--limit']]) {
      const r = await codi(bad);
      assert.equal(r.code, 2, `${bad.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /Usage:/);
    }
    const help = await codi(['--help']);
    assert.match(help.stdout, /codi prompts list \[--json\]\n {2}codi prompts show <name>@<version> \[--json\]/);
  });
});
