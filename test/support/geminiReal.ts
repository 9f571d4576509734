/**
 * Real Gemini API responses recorded by others (`../shared/gemini-real/`, see its README), served at the HTTP
 * level by the Gemini stand-in as raw replies: the recorded status, content type and body, byte for byte
 * (SSE events from js-genai recordings are re-framed as `data: …\r\n\r\n`, as on the wire).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RawReply } from './geminiStandIn';

/** Where the recordings are: $CODI_GEMINI_REAL, else `shared/gemini-real` beside the repository. */
export const REAL_DIR = process.env.CODI_GEMINI_REAL || resolve(__dirname, '../../../shared/gemini-real');

export function realFile(prefix: string): string {
  if (!existsSync(REAL_DIR)) throw new Error(`The recorded Gemini responses are missing: ${REAL_DIR} (set CODI_GEMINI_REAL to their folder).`);
  const name = readdirSync(REAL_DIR).find((f) => f.startsWith(`${prefix}-`));
  if (!name) throw new Error(`No recording ${prefix}-* in ${REAL_DIR}`);
  return join(REAL_DIR, name);
}

/** The file without its first line (the source header). */
const bodyOf = (path: string): string => readFileSync(path, 'utf8').replace(/^[^\n]*\n/, '');

const SKIP_HEADERS = new Set(['content-length', 'content-encoding', 'transfer-encoding', 'date', 'connection']);

/** The recorded reply of `prefix` (e.g. "07") as a raw stand-in reply. */
export function realReply(prefix: string, over: Partial<RawReply> = {}): RawReply {
  const path = realFile(prefix);
  const text = bodyOf(path);
  if (path.endsWith('.replay.jsonc')) {
    const rec = JSON.parse(text) as { interactions: Array<{ response: { statusCode: number; headers: Record<string, string>; bodySegments: unknown[] } }> };
    const res = rec.interactions[0]!.response;
    const headers = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k.toLowerCase(), v]).filter(([k]) => !SKIP_HEADERS.has(k!)));
    const sse = res.statusCode === 200 && /event-stream/.test(headers['content-type'] ?? '');
    const body = sse ? res.bodySegments.map((seg) => `data: ${JSON.stringify(seg)}\r\n\r\n`).join('') : JSON.stringify(res.bodySegments[0]);
    return { kind: 'raw', status: res.statusCode, headers, body, ...over };
  }
  if (path.endsWith('.sse')) {
    // A real stream always closes its last event with a blank line; some recordings lost it.
    const body = text.replace(/(\r?\n)*$/, '\r\n\r\n');
    return { kind: 'raw', status: 200, headers: { 'content-type': 'text/event-stream' }, body, ...over };
  }
  const status = Number(/-error-(\d{3})-/.exec(path)?.[1] ?? 200);
  return { kind: 'raw', status, headers: { 'content-type': 'application/json; charset=UTF-8' }, body: text, ...over };
}

/** The parsed JSON body of a unary recording (for the expected values of a test). */
export function realJson(prefix: string): Record<string, unknown> {
  return JSON.parse(bodyOf(realFile(prefix))) as Record<string, unknown>;
}
