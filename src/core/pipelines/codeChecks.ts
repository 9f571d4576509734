/**
 * Deterministic checks on generated code: fenced-block extraction and "does it parse". TypeScript and
 * JavaScript (and TSX/JSX) go through the TypeScript compiler's parser, loaded on first use; JSON through
 * JSON.parse (JSONC through TypeScript's JSON parser); other languages are reported as "not checked".
 */
import type * as TsModule from 'typescript';
import type { CodeCheck, GeneratedCode } from '../../shared/types';

export interface CodeBlock {
  /** The fence's info string, e.g. "ts" or "typescript title=x". */
  info: string;
  /** VS Code language id from the info string, or null when absent/unknown. */
  language: string | null;
  code: string;
  /** False when the answer ended inside the block (a cut-off answer). */
  closed: boolean;
}

const FENCE_TO_ID: Record<string, string> = {
  ts: 'typescript', typescript: 'typescript', mts: 'typescript', cts: 'typescript',
  tsx: 'typescriptreact', typescriptreact: 'typescriptreact',
  js: 'javascript', javascript: 'javascript', mjs: 'javascript', cjs: 'javascript', node: 'javascript',
  jsx: 'javascriptreact', javascriptreact: 'javascriptreact',
  json: 'json', jsonc: 'jsonc', json5: 'jsonc',
  py: 'python', python: 'python', rs: 'rust', rust: 'rust', go: 'go', golang: 'go', java: 'java', kt: 'kotlin', kotlin: 'kotlin',
  c: 'c', cpp: 'cpp', 'c++': 'cpp', cs: 'csharp', csharp: 'csharp', rb: 'ruby', ruby: 'ruby', php: 'php', swift: 'swift',
  sh: 'shellscript', bash: 'shellscript', shell: 'shellscript', zsh: 'shellscript', shellscript: 'shellscript',
  sql: 'sql', yaml: 'yaml', yml: 'yaml', html: 'html', css: 'css', scss: 'scss', lua: 'lua', dart: 'dart', scala: 'scala',
  md: 'markdown', markdown: 'markdown',
};

const ID_TO_FENCE: Record<string, string> = {
  typescript: 'ts', typescriptreact: 'tsx', javascript: 'js', javascriptreact: 'jsx', shellscript: 'bash', plaintext: '',
};

/** VS Code language id for a fence info string ("ts" → "typescript"); null when unknown or empty. */
export function languageFromFence(info: string): string | null {
  const word = info.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  return word ? (FENCE_TO_ID[word] ?? null) : null;
}

/** The fence tag to ask the model for, for a VS Code language id ("typescriptreact" → "tsx"). */
export function fenceTag(languageId: string): string {
  return ID_TO_FENCE[languageId] ?? languageId;
}

/**
 * Fenced code blocks of a Markdown answer (CommonMark: ``` or ~~~, at most 3 spaces of indent, closed by
 * a fence of the same character at least as long). A block left open runs to the end of the answer.
 */
export function extractCodeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^( {0,3})(`{3,}|~{3,})(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!;
    const fence = open[2]!;
    const info = open[3]!;
    if (fence[0] === '`' && info.includes('`')) continue;
    const body: string[] = [];
    let closed = false;
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(lines[j]!);
      if (close && close[1]![0] === fence[0] && close[1]!.length >= fence.length) {
        closed = true;
        break;
      }
      // Content lines lose up to the opening fence's indentation.
      body.push(lines[j]!.replace(new RegExp(`^ {0,${indent.length}}`), ''));
    }
    blocks.push({ info: info.trim(), language: languageFromFence(info), code: body.join('\n'), closed });
    i = j;
  }
  return blocks;
}

export function checkSingleBlock(blocks: CodeBlock[]): CodeCheck {
  const open = blocks.some((b) => !b.closed);
  if (blocks.length === 1) {
    return { name: 'single-code-block', passed: !open, detail: open ? 'One code block, but it is not closed (the answer was cut off).' : 'Exactly one code block.' };
  }
  return {
    name: 'single-code-block',
    passed: false,
    detail: blocks.length === 0 ? 'No fenced code block; the whole answer was taken as code.' : `${blocks.length} code blocks; the first one is used.`,
  };
}

type Ts = typeof TsModule;
let tsLoad: Promise<Ts | null> | null = null;

/** The TypeScript compiler, imported on first use (a separate chunk for the bundles); null if unavailable. */
export function loadTypeScript(): Promise<Ts | null> {
  tsLoad ??= import('typescript').then(
    (m) => ((m as { default?: Ts }).default ?? m) as Ts,
    () => null,
  );
  return tsLoad;
}

const TS_KINDS: Record<string, 'TS' | 'TSX' | 'JS' | 'JSX'> = { typescript: 'TS', typescriptreact: 'TSX', javascript: 'JS', javascriptreact: 'JSX' };

/** Syntax errors only (no type checking): the parser's diagnostics of one file. */
function parseErrors(ts: Ts, code: string, kind: 'TS' | 'TSX' | 'JS' | 'JSX'): Array<{ line: number; column: number; message: string }> {
  const ext = kind.toLowerCase();
  const sf = ts.createSourceFile(`snippet.${ext}`, code, ts.ScriptTarget.Latest, true, ts.ScriptKind[kind]);
  // `parseDiagnostics` is what the parser produced; it is not in the public typings, so fall back to
  // transpileModule's syntactic diagnostics if a TypeScript version ever drops it.
  const internal = (sf as unknown as { parseDiagnostics?: readonly TsModule.Diagnostic[] }).parseDiagnostics;
  const diags = internal ?? ts.transpileModule(code, { fileName: `snippet.${ext}`, reportDiagnostics: true, compilerOptions: { jsx: ts.JsxEmit.Preserve } }).diagnostics ?? [];
  return diags.map((d) => {
    const pos = d.start !== undefined ? sf.getLineAndCharacterOfPosition(d.start) : { line: 0, character: 0 };
    return { line: pos.line + 1, column: pos.character + 1, message: ts.flattenDiagnosticMessageText(d.messageText, '\n') };
  });
}

/** Whether `code` parses as `language`; `passed: null` means "not checked" for that language. */
export async function checkParses(code: string, language: string): Promise<CodeCheck> {
  const name = 'parses' as const;
  if (!code.trim()) return { name, passed: null, detail: 'No code to check.' };
  if (language === 'json') {
    try {
      JSON.parse(code);
      return { name, passed: true, detail: 'Valid JSON.' };
    } catch (err) {
      return { name, passed: false, detail: `Invalid JSON: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
  const kind = TS_KINDS[language];
  if (!kind && language !== 'jsonc') return { name, passed: null, detail: `Not checked: no parser for ${language || 'this language'}.` };
  const ts = await loadTypeScript();
  if (!ts) return { name, passed: null, detail: 'Not checked: the TypeScript compiler is not available.' };
  if (language === 'jsonc') {
    const sf = ts.parseJsonText('snippet.jsonc', code);
    const diags = (sf as unknown as { parseDiagnostics?: readonly TsModule.Diagnostic[] }).parseDiagnostics ?? [];
    return diags.length ? { name, passed: false, detail: `Invalid JSON with comments: ${ts.flattenDiagnosticMessageText(diags[0]!.messageText, '\n')}` } : { name, passed: true, detail: 'Valid JSON with comments.' };
  }
  const errors = parseErrors(ts, code, kind!);
  if (!errors.length) return { name, passed: true, detail: `Parses as ${language}.` };
  // A snippet meant for a class body (methods, fields) does not parse at the top level of a file.
  if (!parseErrors(ts, `class __Snippet {\n${code}\n}`, kind!).length) return { name, passed: true, detail: `Parses as ${language} class members.` };
  const e = errors[0]!;
  const more = errors.length > 1 ? ` (+${errors.length - 1} more)` : '';
  return { name, passed: false, detail: `Syntax error at ${e.line}:${e.column}: ${e.message}${more}` };
}

/**
 * Extracts the code from a model answer and runs every check. The code is the first fenced block (or the
 * whole answer when there is none); its language is the fence's, else `requestedLanguage`.
 */
export async function runCodeChecks(answer: string, requestedLanguage: string): Promise<GeneratedCode> {
  const blocks = extractCodeBlocks(answer);
  const first = blocks[0];
  const code = first ? first.code : answer.trim();
  const language = first?.language ?? (requestedLanguage || 'plaintext');
  const single = checkSingleBlock(blocks);
  const parses = await checkParses(code, language);
  return { code, language, parses: parses.passed, checks: [parses, single] };
}
