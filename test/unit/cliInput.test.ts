/**
 * What the CLI reads and how long it waits (issue 12, points 2, 6, 7, 8): only regular text files,
 * size checked before reading, strict decoding, strict integers, one deadline per model call, and no
 * silent fan-out into thousands of paid calls.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useCliKit } from '../support/cliKit';

const CODE = 'function total(items) {\n  return items.reduce((s, i) => s + i.price, 0);\n}\n';
const STACK = /\n\s+at /;

describe('codi CLI: input files, integers, timeouts and fan-out', function () {
  this.timeout(60_000);
  const kit = useCliKit('input');

  const codi = (args: string[], env: Record<string, string> = {}) => kit.codi(args, env);
  const sentText = (i = 0) => JSON.stringify(kit.gemini.requests[i]!.body.contents);
  async function storedTraces(): Promise<number> {
    const r = await codi(['traces', 'list', '--json']);
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as unknown[]).length;
  }
  async function refused(args: string[], pattern: RegExp, env: Record<string, string> = {}): Promise<void> {
    const r = await codi(args, env);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.doesNotMatch(r.stderr, STACK);
    assert.equal(kit.gemini.requests.length, 0, `${args.join(' ')}: nothing is sent`);
  }

  it('a FIFO, a folder or a device is refused at once (regular files only)', async () => {
    execFileSync('mkfifo', [join(kit.work, 'pipe.js')]);
    await fs.mkdir(join(kit.work, 'dir.js'));
    await refused(['explain', 'pipe.js'], /pipe\.js is a named pipe \(FIFO\); give a regular file/);
    await refused(['summarize', 'dir.js'], /dir\.js is a folder; give a regular file/);
    await refused(['explain', '/dev/zero'], /\/dev\/zero is a device; give a regular file/);
    assert.equal(await storedTraces(), 0);
  });

  it('a file above the limit is refused from its size, before it is read; nothing is stored', async () => {
    const big = join(kit.work, 'big.js');
    await fs.writeFile(big, '');
    await fs.truncate(big, 280 * 1024 * 1024); // sparse: refused from stat, never read into memory
    await refused(['summarize', 'big.js'], /big\.js is 280\.0 MB; the limit is 16\.0 MB/);
    // Under the byte limit but above explain's 200,000 characters: refused before any trace is written.
    writeFileSync(join(kit.work, 'long.js'), 'x = 1;\n'.repeat(40_000));
    await refused(['explain', 'long.js'], /long\.js has 280,000 characters; the limit is 200,000/);
    assert.equal(await storedTraces(), 0);
    const journal = await fs.readdir(join(kit.home, 'journal')).catch(() => [] as string[]);
    let bytes = 0;
    for (const f of journal) bytes += (await fs.stat(join(kit.home, 'journal', f))).size;
    assert.ok(bytes < 4096, `the refused runs added ${bytes} bytes to the store`);
  });

  it('decodes UTF-16 with a BOM (LE and BE) and UTF-8 with a BOM; refuses Latin-1 naming the file and the encoding', async () => {
    const text = `// prix en €, naïve café\n${CODE}`;
    writeFileSync(join(kit.work, 'le.js'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    writeFileSync(join(kit.work, 'be.js'), Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]));
    writeFileSync(join(kit.work, 'u8.js'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
    for (const [i, f] of ['le.js', 'be.js', 'u8.js'].entries()) {
      const r = await codi(['explain', f, '--no-judge']);
      assert.equal(r.code, 0, `${f}: ${r.stderr}`);
      assert.ok(sentText(i).includes('naïve café') && sentText(i).includes('items.reduce'), `${f} sent as text: ${sentText(i).slice(0, 300)}`);
      assert.ok(!sentText(i).includes('\\ufffd') && !sentText(i).includes('\\u0000'));
    }
    writeFileSync(join(kit.work, 'latin1.js'), Buffer.from(text.replace('€', 'EUR'), 'latin1'));
    const before = kit.gemini.requests.length;
    const r = await codi(['explain', 'latin1.js']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /latin1\.js is not UTF-8 text \(it looks like a single-byte encoding such as Latin-1 or Windows-1252\)/);
    assert.equal(kit.gemini.requests.length, before);
  });

  it('a NUL byte anywhere (here after the first 8 KB) is binary: refused, never sent', async () => {
    writeFileSync(join(kit.work, 'late-nul.js'), `${CODE.repeat(200)}\0${CODE}`);
    await refused(['explain', 'late-nul.js'], /late-nul\.js looks like binary data \(it contains NUL bytes\)/);
    await refused(['summarize', 'late-nul.js'], /binary/);
  });

  it('integers are strict: 0x3, 3e0, " 3", 3.0 are refused, in flags and in the environment', async () => {
    writeFileSync(join(kit.work, 'a.js'), CODE);
    for (const v of ['0x3', '3e0', ' 3', '3.0', '+3']) await refused(['summarize', 'a.js', '--steps', v], /--steps must be an integer from 1 to 8/);
    await refused(['explain', 'a.js'], /CODI_MAX_ATTEMPTS must be an integer from 1 to 10 \(it is "0x3"\)/, { CODI_MAX_ATTEMPTS: '0x3' });
    await refused(['explain', 'a.js', '--timeout', '1e1'], /--timeout must be an integer number of seconds/);
  });

  it('--timeout bounds a whole model call, retries included, and the advice names the CLI flag', async () => {
    writeFileSync(join(kit.work, 'a.js'), CODE);
    kit.gemini.defaultHandler = () => ({ kind: 'hang' });
    const r = await codi(['explain', 'a.js', '--no-judge', '--timeout', '2'], { CODI_MAX_ATTEMPTS: '4' });
    assert.equal(r.code, 4, r.stderr);
    // Without one deadline, 4 attempts of 2 s each would have been made; the deadline leaves no time for a second.
    assert.equal(kit.gemini.requests.length, 1, `requests: ${kit.gemini.requests.length}`);
    assert.match(r.stderr, /did not answer within 2 s/);
    assert.match(r.stderr, /--timeout <seconds> \(or CODI_TIMEOUT_SECONDS/);
    assert.doesNotMatch(r.stderr, /in settings/);
    const e = await codi(['explain', 'a.js', '--no-judge'], { CODI_TIMEOUT_SECONDS: '1', CODI_MAX_ATTEMPTS: '3' });
    assert.equal(e.code, 4, e.stderr);
    assert.equal(kit.gemini.requests.length, 2, 'CODI_TIMEOUT_SECONDS sets the same deadline');
  });

  it('no fan-out into thousands of calls: --max-input-tokens >= 1000, at most 64 parts, and the planned calls asked for above 8 parts', async () => {
    await refused(['summarize', 'x.js', '--max-input-tokens', '1'], /--max-input-tokens must be an integer from 1000/);
    writeFileSync(join(kit.work, 'huge.js'), 'let value = compute(1);\n'.repeat(12_500)); // ≈ 300,000 characters
    await refused(['summarize', 'huge.js', '--max-input-tokens', '1000', '--yes'], /huge\.js would be summarized in about 75 parts: about \d+ paid model calls; the limit is 64 parts/);
    writeFileSync(join(kit.work, 'mid.js'), 'let value = compute(1);\n'.repeat(2_000)); // ≈ 48,000 characters
    await refused(['summarize', 'mid.js', '--max-input-tokens', '1000'], /mid\.js would be summarized in about 12 parts: about 27 paid model calls\. Add --yes/);
    await refused(['summarize', 'mid.js'], /CODI_MAX_INPUT_TOKENS must be an integer from 1000/, { CODI_MAX_INPUT_TOKENS: '1' });
    const r = await codi(['summarize', 'mid.js', '--max-input-tokens', '1000', '--yes', '--no-judge', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /about 12 parts/);
    const generate = kit.gemini.requests.filter((q) => q.action !== 'countTokens').length;
    assert.ok(generate >= 10 && generate <= 16, `generate calls: ${generate}`);
  });
});
