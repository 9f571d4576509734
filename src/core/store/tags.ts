import { CodiError } from '../errors';
import type { TraceRecord } from '../../shared/types';

/**
 * What a user's tag edit needs from the store: read a whole trace as saved (without the scores appended
 * since, which stay where they are), save it again (a newer record replaces the older).
 */
export interface RetagStore {
  get(idOrPrefix: string, opts: { appended: false }): Promise<TraceRecord | null>;
  saveTrace(trace: TraceRecord): Promise<void>;
}

export interface TagChange {
  add?: readonly string[];
  remove?: readonly string[];
}

const MAX_TAG = 64;

/**
 * A tag as typed by a user, trimmed; throws a bad-input error naming the rule when it cannot be one. Tags
 * are shown in lists and passed on the command line: no control characters, no commas, at most 64 characters.
 */
export function normalizeTag(raw: string): string {
  const tag = raw.trim();
  if (!tag) throw new CodiError('bad-input', 'A tag cannot be empty. Type a word such as "flaky" or "review".');
  if (tag.length > MAX_TAG) throw new CodiError('bad-input', `The tag "${tag.slice(0, 20)}…" is longer than ${MAX_TAG} characters. Use a shorter tag.`);
  if (/[\u0000-\u001f\u007f,]/.test(tag)) throw new CodiError('bad-input', `The tag "${tag}" contains a comma or a control character. Use letters, digits, spaces, "-", ":" or "_".`);
  return tag;
}

/**
 * Adds and removes tags on a stored trace: the trace is saved again with its new tags (one durable record;
 * the index replaces the row, so filters, tag lists and the dashboard's tag figures follow at once).
 * Removing a tag the trace does not have is not an error; nothing is written when nothing changes.
 * Returns the trace's tags afterwards.
 */
export async function retag(store: RetagStore, traceId: string, change: TagChange): Promise<{ id: string; tags: string[]; changed: boolean }> {
  const add = (change.add ?? []).map(normalizeTag);
  const remove = new Set((change.remove ?? []).map(normalizeTag));
  const trace = await store.get(traceId, { appended: false });
  if (!trace) throw new CodiError('bad-input', `There is no trace ${traceId} in the store. List traces with \`codi traces list\` or pick one in the Traces view.`);
  const tags = [...new Set([...trace.tags.filter((t) => !remove.has(t)), ...add.filter((t) => !remove.has(t))])];
  const changed = tags.length !== trace.tags.length || tags.some((t, i) => t !== trace.tags[i]);
  if (changed) await store.saveTrace({ ...trace, tags });
  return { id: trace.id, tags, changed };
}
