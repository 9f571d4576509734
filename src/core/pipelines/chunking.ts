/** Splitting long inputs into parts that each fit a token limit, on line boundaries. */

export interface Chunk {
  text: string;
  /** 1-based line numbers in the original file. */
  startLine: number;
  endLine: number;
  /** Exact (countTokens) when `exact`, else the UTF-8 byte bound. */
  tokens: number;
  exact: boolean;
}

export type TokenCounter = (text: string) => Promise<number>;

const encoder = new TextEncoder();

/**
 * A sound upper bound on a text's token count without calling the API: every Gemini token covers at
 * least one UTF-8 byte (byte fallback), so tokens ≤ bytes. Below the limit it saves a countTokens call.
 */
export function tokenUpperBound(text: string): number {
  return encoder.encode(text).length;
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

interface Piece {
  text: string;
  startLine: number;
  endLine: number;
}

/** Greedy packing of whole lines into pieces of at most `maxChars` characters; an overlong line is cut. */
export function packLines(text: string, firstLine: number, maxChars: number): Piece[] {
  const lines = text.split('\n');
  const pieces: Piece[] = [];
  let cur: string[] = [];
  let curLen = 0;
  let curStart = firstLine;
  const flush = () => {
    if (cur.length) pieces.push({ text: cur.join('\n'), startLine: curStart, endLine: curStart + cur.length - 1 });
    cur = [];
    curLen = 0;
  };
  lines.forEach((line, i) => {
    const lineNo = firstLine + i;
    if (line.length > maxChars) {
      flush();
      for (let at = 0; at < line.length; at += maxChars) pieces.push({ text: line.slice(at, at + maxChars), startLine: lineNo, endLine: lineNo });
      return;
    }
    if (cur.length && curLen + 1 + line.length > maxChars) flush();
    if (!cur.length) curStart = lineNo;
    cur.push(line);
    curLen += (cur.length > 1 ? 1 : 0) + line.length;
  });
  flush();
  return pieces;
}

/**
 * Splits `text` (whose first line is `firstLine`, with `totalTokens` tokens) into chunks of at most
 * `limit` tokens each, on line boundaries (a single line longer than the limit is cut). Pieces are sized
 * from the measured tokens-per-character ratio with a 10% margin, then each is verified: by the byte bound
 * when that already fits, else by `count`; a piece still over the limit is halved and re-verified.
 */
export async function splitIntoChunks(text: string, firstLine: number, limit: number, totalTokens: number, count: TokenCounter): Promise<Chunk[]> {
  const perChar = totalTokens / Math.max(1, text.length);
  const maxChars = Math.max(1, Math.floor((limit / Math.max(perChar, 1e-6)) * 0.9));
  const verify = async (p: Piece, depth: number): Promise<Chunk[]> => {
    const bound = tokenUpperBound(p.text);
    if (bound <= limit) return [{ ...p, tokens: bound, exact: false }];
    const tokens = await count(p.text);
    if (tokens <= limit || depth >= 12 || p.text.length <= 1) return [{ ...p, tokens, exact: true }];
    const halves = halve(p);
    return [...(await verify(halves[0], depth + 1)), ...(await verify(halves[1], depth + 1))];
  };
  const verified = await mapLimit(packLines(text, firstLine, maxChars), 4, (p) => verify(p, 0));
  return verified.flat();
}

function halve(p: Piece): [Piece, Piece] {
  const lines = p.text.split('\n');
  if (lines.length > 1) {
    const mid = Math.ceil(lines.length / 2);
    return [
      { text: lines.slice(0, mid).join('\n'), startLine: p.startLine, endLine: p.startLine + mid - 1 },
      { text: lines.slice(mid).join('\n'), startLine: p.startLine + mid, endLine: p.endLine },
    ];
  }
  const mid = Math.ceil(p.text.length / 2);
  return [
    { text: p.text.slice(0, mid), startLine: p.startLine, endLine: p.endLine },
    { text: p.text.slice(mid), startLine: p.startLine, endLine: p.endLine },
  ];
}
