import type { JsonObject, JsonValue } from './payload';

/**
 * Opik's ingestion is for traces, not bulk storage: a 6 MB answer became a 54 MB POST (the trace and two
 * spans carried it). Every string in an exported input or output is cut to this many characters, with a
 * marker saying so; the full text stays in the local trace.
 */
export const OPIK_FIELD_MAX_CHARS = 256 * 1024;

const marker = (kept: number, total: number) => `\n… [trimmed by CODI for Opik: ${kept.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} characters; the full text is in the local trace]`;

/** `v` with every string longer than `max` cut; `trimmed` says whether anything was. */
export function fitForOpik<T extends JsonValue | JsonObject>(v: T, max = OPIK_FIELD_MAX_CHARS): { value: T; trimmed: boolean } {
  let trimmed = false;
  const walk = (x: JsonValue): JsonValue => {
    if (typeof x === 'string') {
      if (x.length <= max) return x;
      trimmed = true;
      return x.slice(0, max) + marker(max, x.length);
    }
    if (Array.isArray(x)) return x.map(walk);
    if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, y]) => [k, walk(y as JsonValue)]));
    return x;
  };
  const value = walk(v as JsonValue) as T;
  return { value, trimmed };
}
