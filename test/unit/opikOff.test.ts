/**
 * Export off → no request and no opik module loaded; export on → the SDK loads without side effects
 * (a `.env` in the working directory changes nothing, its logger prints nothing even at DEBUG).
 * Each case runs in a fresh Node process, so modules other tests loaded cannot hide or fake the result.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tempDir } from '../support/fixtures';
import { OpikStandIn } from '../support/opikStandIn';

const ROOT = resolve(__dirname, '../..');
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

// CommonJS run by `node --import tsx -e`: the host's/CLI's sequence on a trace, then a report.
const CHILD = `
const root = process.env.ROOT;
const client = require(root + '/src/core/opik/client.ts');
const { startOpikExport, exportStatus } = require(root + '/src/core/opik/exporter.ts');
const { FileOutboxStore } = require(root + '/src/core/opik/fileOutbox.ts');
const { explainTrace } = require(root + '/test/support/opikFixtures.ts');
(async () => {
  const store = await FileOutboxStore.open(process.env.OUTBOX);
  const trace = explainTrace();
  const on = process.env.MODE !== 'off';
  const exp = startOpikExport({
    settings: { enabled: on, url: process.env.OPIK_URL, workspace: 'codi-test', project: 'CODI' },
    apiKey: 'test-opik-key', store, loadTrace: async () => trace, client: 'cli', timeoutMs: 2000,
  });
  let result = null;
  if (exp.worker && process.env.MODE === 'idle') { exp.worker.start(); result = await exp.worker.syncNow(); await exp.worker.stop(); }
  else if (exp.worker) { await exp.worker.enqueue(trace.id); result = await exp.worker.syncNow(); }
  const status = await exportStatus(store, trace.id, exp.worker);
  const loaded = Object.keys(require.cache).filter((k) => /[\\\\/]node_modules[\\\\/](opik|dotenv|tslog|ai|@ai-sdk)[\\\\/]/.test(k));
  const report = { status, loaded: loaded.length, requested: client.opikSdkRequested(), result,
    leak: process.env.CODI_DOTENV_LEAK ?? null, project: process.env.OPIK_PROJECT_NAME ?? null, logLevel: process.env.OPIK_LOG_LEVEL ?? null };
  process.stdout.write('REPORT' + JSON.stringify(report));
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
`;

interface Report {
  status: { state: string; url: string | null; lastError: string | null };
  loaded: number;
  requested: boolean;
  result: { sent: number } | null;
  leak: string | null;
  project: string | null;
  logLevel: string | null;
}

describe('Opik export off/on in a fresh process', function () {
  this.timeout(60_000);
  let opik: OpikStandIn;
  let t: ReturnType<typeof tempDir>;
  before(async () => {
    opik = await OpikStandIn.start();
    t = tempDir('codi-opik-off-');
    // A .env in the working directory that would change CODI's Opik config if it were loaded.
    writeFileSync(join(t.dir, '.env'), 'CODI_DOTENV_LEAK=1\nOPIK_PROJECT_NAME=Hijacked\nOPIK_URL_OVERRIDE=http://127.0.0.1:9/api\n');
  });
  after(async () => {
    await opik.close();
    t.cleanup();
  });

  // Asynchronous on purpose: the stand-in answers from this process's event loop.
  async function run(mode: 'on' | 'off' | 'idle'): Promise<{ report: Report; stdout: string; stderr: string; ms: number }> {
    const t0 = Date.now();
    const child = spawn(process.execPath, ['--import', TSX, '-e', CHILD], {
      cwd: t.dir,
      env: { ...process.env, ROOT, MODE: mode, OPIK_URL: opik.url, OUTBOX: join(t.dir, `outbox-${mode}.json`), OPIK_LOG_LEVEL: 'DEBUG' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((res) => child.on('close', res));
    assert.equal(code, 0, stderr);
    const [before, json] = stdout.split('REPORT');
    return { report: JSON.parse(json!) as Report, stdout: before ?? '', stderr, ms: Date.now() - t0 };
  }

  it('export off: no request, no opik module (nor dotenv, tslog, ai) loaded, trace state "off"', async () => {
    const before = opik.requests.length;
    const { report, ms } = await run('off');
    console.log(`      off: child process ran in ${ms} ms, ${report.loaded} SDK modules loaded`);
    assert.equal(opik.requests.length, before, 'no request reached Opik');
    assert.equal(report.loaded, 0);
    assert.equal(report.requested, false);
    assert.deepEqual(report.status, { state: 'off', url: null, lastError: null });
  });

  it('export on with nothing to send: the worker runs but the SDK is still not loaded', async () => {
    const before = opik.requests.length;
    const { report } = await run('idle');
    assert.equal(opik.requests.length, before);
    assert.equal(report.loaded, 0);
    assert.equal(report.requested, false);
    assert.equal(report.result?.sent, 0);
  });

  it('export on (positive control): the SDK is loaded and used, quietly, and the .env changes nothing', async () => {
    const { report, stdout, stderr, ms } = await run('on');
    console.log(`      on: child process ran in ${ms} ms, ${report.loaded} SDK modules in require.cache`);
    assert.ok(report.loaded > 0, 'the detection sees the SDK when it is loaded');
    assert.equal(report.requested, true);
    assert.equal(report.result?.sent, 1, JSON.stringify(report));
    assert.equal(report.status.state, 'sent');
    assert.match(report.status.url ?? '', /\/codi-test\/projects\/.+\/traces\?tab=logs&logsType=traces&trace=/);
    assert.equal(report.leak, null, '.env values did not reach process.env');
    assert.equal(report.project, null);
    assert.equal(report.logLevel, 'DEBUG', 'process.env restored after the import');
    assert.equal(stdout, '', 'the SDK printed nothing to stdout');
    assert.equal(stderr, '', 'the SDK printed nothing to stderr');
    assert.equal([...opik.traces.values()][0]?.project_name, 'CODI');
  });
});
