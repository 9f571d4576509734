/**
 * Datasets for experiments: JSONL (also CSV and YAML), one case per line or item. Every problem (unknown
 * pipeline, missing file, bad range, duplicate id, invalid JSON on line N) is found before any model call and
 * reported with its line number, all at once.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CodiError } from '../errors';
import type { PipelineInputs, PipelineKind } from '../run/registry';
import { isPipelineKind } from '../run/registry';
import type { Expectations } from './expect';
import { checkExpectations } from './expect';

export interface EvalCase<K extends PipelineKind = PipelineKind> {
  id: string;
  pipeline: K;
  input: PipelineInputs[K];
  expect: Expectations;
  /** 1-based line (JSONL, CSV) or item number (YAML) in the dataset. */
  line: number;
}

export interface Dataset {
  name: string;
  /** sha256 of the dataset file and of every file its cases read, first 16 hex digits. */
  hash: string;
  path: string;
  cases: EvalCase[];
}

type Raw = Record<string, unknown>;

const LANGUAGES: Record<string, string> = {
  '.ts': 'typescript', '.tsx': 'typescriptreact', '.js': 'javascript', '.jsx': 'javascriptreact', '.mjs': 'javascript', '.cjs': 'javascript',
  '.py': 'python', '.go': 'go', '.rs': 'rust', '.java': 'java', '.kt': 'kotlin', '.rb': 'ruby', '.php': 'php', '.cs': 'csharp', '.c': 'c',
  '.h': 'c', '.cpp': 'cpp', '.hpp': 'cpp', '.swift': 'swift', '.sh': 'shellscript', '.json': 'json', '.md': 'markdown', '.sql': 'sql',
};
export const languageOfPath = (p: string): string => LANGUAGES[extname(p).toLowerCase()] ?? 'plaintext';

/** Reads and checks a dataset; throws one bad-input CodiError listing every problem with its line. */
export function loadDataset(path: string): Dataset {
  const abs = resolve(path);
  if (!existsSync(abs) || !statSync(abs).isFile()) throw new CodiError('bad-input', `Dataset not found: ${path}`);
  const text = readFileSync(abs, 'utf8');
  const hash = createHash('sha256').update(text);
  const problems: string[] = [];
  const rows = parseRows(abs, text, problems);
  const seen = new Map<string, number>();
  const cases: EvalCase[] = [];
  for (const { line, raw } of rows) {
    const at = `line ${line}`;
    const id = raw.id === undefined ? `case-${line}` : String(raw.id);
    if (seen.has(id)) problems.push(`${at}: duplicate id "${id}" (first on line ${seen.get(id)})`);
    seen.set(id, line);
    if (!isPipelineKind(raw.pipeline)) {
      problems.push(`${at}: unknown pipeline ${JSON.stringify(raw.pipeline)} (explain, summarize or generate)`);
      continue;
    }
    const input = inputOf(raw, dirname(abs), at, problems, hash);
    const expect = checkExpectations(raw.expect ?? {}, raw.pipeline, at, problems);
    if (input && expect) cases.push({ id, pipeline: raw.pipeline, input, expect, line } as EvalCase);
  }
  if (rows.length === 0 && problems.length === 0) problems.push('the dataset has no cases');
  if (problems.length) {
    const shown = problems.slice(0, 20).map((p) => `  ${p}`).join('\n');
    throw new CodiError('bad-input', `${basename(abs)} has ${problems.length} problem(s); nothing was run:\n${shown}${problems.length > 20 ? `\n  … and ${problems.length - 20} more` : ''}`);
  }
  return { name: basename(abs).replace(/\.(jsonl|json|csv|ya?ml)$/i, ''), hash: hash.digest('hex').slice(0, 16), path: abs, cases };
}

function parseRows(abs: string, text: string, problems: string[]): Array<{ line: number; raw: Raw }> {
  const ext = extname(abs).toLowerCase();
  const rows: Array<{ line: number; raw: Raw }> = [];
  const push = (line: number, v: unknown) => {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) rows.push({ line, raw: v as Raw });
    else problems.push(`line ${line}: a case must be an object`);
  };
  if (ext === '.yaml' || ext === '.yml') {
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch (e) {
      problems.push(`invalid YAML: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
      return rows;
    }
    const list = Array.isArray(doc) ? doc : typeof doc === 'object' && doc !== null && Array.isArray((doc as Raw).cases) ? ((doc as Raw).cases as unknown[]) : null;
    if (!list) problems.push('a YAML dataset is a list of cases (or {cases: [...]})');
    else list.forEach((v, i) => push(i + 1, v));
    return rows;
  }
  if (ext === '.csv') return parseCsv(text, problems);
  text.split(/\r?\n/).forEach((l, i) => {
    if (!l.trim() || l.trimStart().startsWith('//')) return;
    try {
      push(i + 1, JSON.parse(l));
    } catch (e) {
      problems.push(`line ${i + 1}: invalid JSON (${e instanceof Error ? e.message : String(e)})`);
    }
  });
  return rows;
}

/** CSV with a header row; quoted fields may hold commas, quotes ("") and newlines. `expect` is a JSON cell. */
function parseCsv(text: string, problems: string[]): Array<{ line: number; raw: Raw }> {
  const records: Array<{ line: number; cells: string[] }> = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') quoted = false; else { if (ch === '\n') line++; cell += ch; }
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { cells.push(cell); cell = ''; } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      cells.push(cell);
      if (cells.some((c) => c.trim())) records.push({ line: start, cells });
      cells = []; cell = ''; line++; start = line;
    } else cell += ch;
  }
  cells.push(cell);
  if (cells.some((c) => c.trim())) records.push({ line: start, cells });
  const [header, ...body] = records;
  if (!header) return [];
  const keys = header.cells.map((k) => k.trim());
  return body.flatMap(({ line: l, cells: cs }) => {
    const raw: Raw = {};
    keys.forEach((k, i) => {
      const v = cs[i]?.trim() ?? '';
      if (!v) return;
      if (k === 'expect') {
        try { raw.expect = JSON.parse(v); } catch { problems.push(`line ${l}: the expect cell is not valid JSON`); }
      } else raw[k] = v;
    });
    return [{ line: l, raw }];
  });
}

/** `lines` as "10-42", "7", [10, 42]; null (with a problem) when malformed. */
function rangeOf(v: unknown, at: string, problems: string[]): [number, number] | null | undefined {
  if (v === undefined) return undefined;
  const m = typeof v === 'string' ? /^\s*(\d+)\s*(?:[-–]\s*(\d+))?\s*$/.exec(v) : null;
  const pair = Array.isArray(v) && v.length === 2 ? v : m ? [Number(m[1]), Number(m[2] ?? m[1])] : typeof v === 'number' ? [v, v] : null;
  if (!pair || !pair.every((n) => Number.isInteger(n) && (n as number) >= 1) || (pair[0] as number) > (pair[1] as number)) {
    problems.push(`${at}: bad lines range ${JSON.stringify(v)} (e.g. "10-42")`);
    return null;
  }
  return [pair[0] as number, pair[1] as number];
}

function readCaseFile(base: string, file: string, at: string, problems: string[], hash: ReturnType<typeof createHash>): string | null {
  const abs = isAbsolute(file) ? file : resolve(base, file);
  if (!existsSync(abs) || !statSync(abs).isFile()) {
    problems.push(`${at}: file not found: ${file} (paths are relative to the dataset)`);
    return null;
  }
  const text = readFileSync(abs, 'utf8');
  hash.update(`\0${file}\0${text}`);
  return text;
}

function inputOf(raw: Raw, base: string, at: string, problems: string[], hash: ReturnType<typeof createHash>): PipelineInputs[PipelineKind] | null {
  const str = (k: string) => (typeof raw[k] === 'string' ? (raw[k] as string) : undefined);
  if (raw.pipeline === 'generate') {
    const prompt = str('prompt');
    if (!prompt?.trim()) { problems.push(`${at}: a generate case needs "prompt"`); return null; }
    const file = str('file');
    const fileText = file !== undefined ? readCaseFile(base, file, at, problems, hash) : undefined;
    if (fileText === null) return null;
    const line = raw.line === undefined ? undefined : Number(raw.line);
    if (line !== undefined && (!Number.isInteger(line) || line < 1)) { problems.push(`${at}: "line" must be a positive integer`); return null; }
    return { prompt, language: str('language') ?? (file ? languageOfPath(file) : 'plaintext'), ...(file ? { file, fileText: fileText! } : {}), ...(line !== undefined ? { cursorLine: line } : {}) };
  }
  const code = str('code');
  const file = str('file');
  if (code !== undefined) {
    const lines = code.split('\n').length;
    return { code, language: str('language') ?? 'plaintext', file: file ?? `${String(raw.id ?? 'case')}.txt`, startLine: 1, endLine: lines };
  }
  if (file === undefined) { problems.push(`${at}: give "code" (with "language") or "file" (with optional "lines")`); return null; }
  const text = readCaseFile(base, file, at, problems, hash);
  const range = rangeOf(raw.lines, at, problems);
  if (text === null || range === null) return null;
  const all = text.split(/\r?\n/);
  const [start, end] = range ?? [1, all.length];
  if (end > all.length) { problems.push(`${at}: ${file} has ${all.length} lines; lines ${start}-${end} do not exist`); return null; }
  return { code: all.slice(start - 1, end).join('\n'), language: str('language') ?? languageOfPath(file), file, startLine: start, endLine: end };
}
