/** The surrounding file as context for code generation: trimmed to a token budget around the cursor. */
import type { SpanHandle } from '../tracing/tracer';
import { tokenUpperBound } from './chunking';
import type { ModelContext } from './llmSpan';
import { countTokensSpan } from './modelCalls';

export interface ContextWindow {
  /** Lines startLine..cursorLine (the generated code goes after cursorLine). */
  before: string;
  /** Lines cursorLine+1..endLine. */
  after: string;
  /** 1-based, inclusive: the part of the file that is sent. */
  startLine: number;
  endLine: number;
  cursorLine: number;
  totalLines: number;
  /** Tokens of before+after: exact when tokenSource is 'countTokens', else the UTF-8 byte upper bound. */
  tokens: number;
  tokenSource: 'bound' | 'countTokens' | 'estimate';
  trimmed: boolean;
}

/**
 * Lines around the cursor within `maxChars`: two thirds of the room for the code above (where the
 * definitions and the request usually are), the rest below; room one side does not use goes to the other.
 */
export function windowAround(lines: string[], cursorLine: number, maxChars: number): { start: number; end: number } {
  const cost = (i: number) => lines[i - 1]!.length + 1;
  let start = cursorLine + 1;
  let end = cursorLine;
  let used = 0;
  const takeUp = (room: number) => {
    while (start > 1 && used + cost(start - 1) <= room) used += cost(--start);
  };
  const takeDown = (room: number) => {
    while (end < lines.length && used + cost(end + 1) <= room) used += cost(++end);
  };
  takeUp(Math.floor((maxChars * 2) / 3));
  takeDown(maxChars);
  takeUp(maxChars);
  return { start, end };
}

function windowOf(lines: string[], cursorLine: number, start: number, end: number): Pick<ContextWindow, 'before' | 'after' | 'startLine' | 'endLine'> {
  return {
    before: lines.slice(start - 1, cursorLine).join('\n'),
    after: lines.slice(cursorLine, end).join('\n'),
    startLine: start,
    endLine: end,
  };
}

/**
 * Trims `text` to at most `budget` tokens around `cursorLine` (1-based; clamped to the file). Measured
 * without a call when the UTF-8 byte bound already fits (every token covers at least one byte); otherwise
 * with countTokens: the whole file once, then the window sized from the measured tokens-per-character
 * ratio, re-counted and shrunk until it fits (at most 4 counts). Count calls are tool spans under `parent`.
 */
export async function trimContext(ctx: ModelContext, parent: SpanHandle, model: string, text: string, cursorLine: number | undefined, budget: number): Promise<ContextWindow> {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const total = lines.length;
  const cursor = Math.min(Math.max(1, Math.floor(cursorLine ?? total)), total);
  const whole = { ...windowOf(lines, cursor, 1, total), cursorLine: cursor, totalLines: total, trimmed: false };
  const joined = lines.join('\n');
  const bound = tokenUpperBound(joined);
  if (bound <= budget) return { ...whole, tokens: bound, tokenSource: 'bound' };
  const first = await countTokensSpan(ctx, parent, 'countTokens', model, joined, 'bound');
  if (first.tokens <= budget) return { ...whole, tokens: first.tokens, tokenSource: first.source };
  let perChar = first.tokens / Math.max(1, joined.length);
  let maxChars = Math.floor((budget / perChar) * 0.95);
  let best: ContextWindow | null = null;
  for (let attempt = 0; attempt < 3 && maxChars > 0; attempt++) {
    const { start, end } = windowAround(lines, cursor, maxChars);
    const w = windowOf(lines, cursor, start, end);
    const sent = lines.slice(start - 1, end).join('\n');
    const wb = tokenUpperBound(sent);
    const count = wb <= budget ? { tokens: wb, source: 'bound' as const } : await countTokensSpan(ctx, parent, 'countTokens', model, sent, 'bound');
    best = { ...w, cursorLine: cursor, totalLines: total, tokens: count.tokens, tokenSource: count.source, trimmed: true };
    if (count.tokens <= budget) return best;
    perChar = count.tokens / Math.max(1, sent.length);
    maxChars = Math.floor(Math.min(maxChars * 0.9, (budget / perChar) * 0.9));
  }
  // Still over after three tries (very uneven text): fall back to the byte bound, which always fits.
  const { start, end } = windowAround(lines, cursor, budget);
  const w = windowOf(lines, cursor, start, end);
  return best && best.tokens <= budget
    ? best
    : { ...w, cursorLine: cursor, totalLines: total, tokens: tokenUpperBound(lines.slice(start - 1, end).join('\n')), tokenSource: 'bound', trimmed: true };
}

const LINE_COMMENT = /^\s*(?:\/\/+|#+|--+|;+|%+)\s?(.*)$/;
const BLOCK_LINE = /^\s*(?:\/\*+|\*+(?!\/)|<!--)?\s?(.*?)\s*(?:\*+\/|-->)?\s*$/;

/**
 * The comment at the cursor, for "generate from the comment": the run of comment lines that contains
 * `line` (1-based) or ends just above it (blank lines in between are skipped). Line comments (`//`, `#`,
 * `--`, `;`) and block comments (`/* … *\/`, `<!-- … -->`) are recognised; null when none.
 */
export function commentAt(text: string, line: number): string | null {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let i = Math.min(Math.max(1, line), lines.length) - 1;
  while (i > 0 && !lines[i]!.trim()) i--;
  const isLineComment = (s: string) => LINE_COMMENT.test(s);
  if (isLineComment(lines[i]!)) {
    let start = i;
    while (start > 0 && isLineComment(lines[start - 1]!)) start--;
    let end = i;
    while (end + 1 < lines.length && isLineComment(lines[end + 1]!)) end++;
    const body = lines.slice(start, end + 1).map((s) => LINE_COMMENT.exec(s)![1]!.trim());
    return body.join('\n').trim() || null;
  }
  // Block comments (/* … */, <!-- … -->): the one whose lines contain i.
  let open: number | null = null;
  let closer = '';
  for (let k = 0; k < lines.length && (open !== null || k <= i); k++) {
    let s = lines[k]!;
    if (open === null) {
      const m = /\/\*|<!--/.exec(s);
      if (!m) continue;
      open = k;
      closer = m[0] === '/*' ? '*/' : '-->';
      s = s.slice(m.index + m[0].length);
    }
    if (!s.includes(closer)) continue;
    if (open <= i && i <= k) {
      const body = lines.slice(open, k + 1).map((x) => BLOCK_LINE.exec(x)?.[1]?.trim() ?? x.trim());
      return body.join('\n').trim() || null;
    }
    open = null;
  }
  return null;
}
