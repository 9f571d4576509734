import assert from 'node:assert/strict';
import { checkParses, checkSingleBlock, extractCodeBlocks, fenceTag, languageFromFence, runCodeChecks } from '../../src/core/pipelines/codeChecks';

describe('code checks (codeChecks.ts)', () => {
  describe('fenced code blocks', () => {
    it('extracts one block with its language and text', () => {
      const blocks = extractCodeBlocks('Here:\n\n```ts\nconst a = 1;\nconst b = 2;\n```\n');
      assert.deepEqual(blocks, [{ info: 'ts', language: 'typescript', code: 'const a = 1;\nconst b = 2;', closed: true }]);
    });

    it('handles tildes, longer fences, info attributes, indentation and CRLF', () => {
      const md = ['~~~python title="x.py"', 'print(1)', '~~~', '', '  ````tsx', '  <A>```</A>', '  ````', 'text', '```', 'plain', '```'].join('\r\n');
      const blocks = extractCodeBlocks(md);
      assert.deepEqual(
        blocks.map((b) => [b.language, b.code, b.closed]),
        [['python', 'print(1)', true], ['typescriptreact', '<A>```</A>', true], [null, 'plain', true]],
      );
    });

    it('keeps an unclosed final block (a cut-off answer) and marks it', () => {
      const blocks = extractCodeBlocks('```js\nfunction f() {\n  return');
      assert.deepEqual(blocks, [{ info: 'js', language: 'javascript', code: 'function f() {\n  return', closed: false }]);
      assert.equal(checkSingleBlock(blocks).passed, false);
      assert.match(checkSingleBlock(blocks).detail, /not closed/);
    });

    it('single-code-block passes for exactly one block only', () => {
      assert.equal(checkSingleBlock(extractCodeBlocks('```ts\nx\n```')).passed, true);
      const two = checkSingleBlock(extractCodeBlocks('```ts\nx\n```\nand\n```ts\ny\n```'));
      assert.deepEqual([two.passed, two.detail], [false, '2 code blocks; the first one is used.']);
      assert.equal(checkSingleBlock([]).passed, false);
    });

    it('maps fence tags and language ids both ways', () => {
      assert.equal(languageFromFence('TypeScript'), 'typescript');
      assert.equal(languageFromFence('jsonc'), 'jsonc');
      assert.equal(languageFromFence(''), null);
      assert.equal(languageFromFence('brainfuck'), null);
      assert.equal(fenceTag('typescriptreact'), 'tsx');
      assert.equal(fenceTag('python'), 'python');
      assert.equal(fenceTag('plaintext'), '');
    });
  });

  describe('parses', () => {
    it('accepts valid TypeScript, TSX, JavaScript and JSX', async () => {
      assert.equal((await checkParses('export function add(a: number, b: number): number {\n  return a + b;\n}', 'typescript')).passed, true);
      assert.equal((await checkParses('export const A = () => <div className="x">{1}</div>;', 'typescriptreact')).passed, true);
      assert.equal((await checkParses('module.exports = async function () { await 1; };', 'javascript')).passed, true);
      assert.equal((await checkParses('const el = <App />;', 'javascriptreact')).passed, true);
    });

    it('reports the first syntax error with its line and column', async () => {
      const c = await checkParses('const ok = 1;\nconst x = ;\nfunction (', 'typescript');
      assert.equal(c.name, 'parses');
      assert.equal(c.passed, false);
      assert.match(c.detail, /^Syntax error at 2:11: Expression expected\. \(\+\d+ more\)$/);
    });

    it('accepts a snippet of class members (it is inserted into a class body)', async () => {
      const c = await checkParses('private count = 0;\nincrement(): void {\n  this.count++;\n}', 'typescript');
      assert.deepEqual([c.passed, c.detail], [true, 'Parses as typescript class members.']);
    });

    it('JSON through JSON.parse, JSON with comments through TypeScript', async () => {
      assert.equal((await checkParses('{"a": [1, 2]}', 'json')).passed, true);
      const bad = await checkParses('{"a": 1,}', 'json');
      assert.equal(bad.passed, false);
      assert.match(bad.detail, /^Invalid JSON/);
      assert.equal((await checkParses('{\n  // comment\n  "a": 1\n}', 'jsonc')).passed, true);
      assert.equal((await checkParses('{"a": }', 'jsonc')).passed, false);
    });

    it('other languages (and empty code) are not checked: passed null', async () => {
      const py = await checkParses('def f(:\n  pass', 'python');
      assert.deepEqual([py.passed, py.detail], [null, 'Not checked: no parser for python.']);
      assert.equal((await checkParses('   ', 'typescript')).passed, null);
    });
  });

  it('runCodeChecks: first block, its fence language, both checks', async () => {
    const g = await runCodeChecks('```json\n{"a": 1}\n```\n\n```ts\nlet x\n```', 'typescript');
    assert.equal(g.code, '{"a": 1}');
    assert.equal(g.language, 'json');
    assert.equal(g.parses, true);
    assert.deepEqual(g.checks.map((c) => [c.name, c.passed]), [['parses', true], ['single-code-block', false]]);
    const bare = await runCodeChecks('const x = 1;', 'typescript');
    assert.deepEqual([bare.code, bare.language, bare.parses, bare.checks[1]!.passed], ['const x = 1;', 'typescript', true, false]);
  });
});
