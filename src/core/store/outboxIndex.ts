/**
 * The index side of the journal outbox (outboxRecords.ts): the `outbox` table of the trace index, the queue
 * numbers, and `applyOutbox`, which indexes an outbox record (kinds 16 and 17) when it is the entry's latest.
 */
import type { OutboxScoreEntry, OutboxTraceEntry } from '../opik/outboxPort';
import type { OutboxBody } from './codec';
import type { Sql } from './sqljs';

export const OUTBOX_SCHEMA = `
CREATE TABLE outbox (
  trace_id TEXT NOT NULL, queue INTEGER NOT NULL, rev INTEGER NOT NULL, at INTEGER NOT NULL, key TEXT NOT NULL,
  status TEXT, order_at INTEGER, next_at INTEGER, entry TEXT, seg INTEGER NOT NULL, off INTEGER NOT NULL, len INTEGER NOT NULL,
  PRIMARY KEY (trace_id, queue)
) WITHOUT ROWID;
CREATE INDEX outbox_due ON outbox (queue, status, order_at);
CREATE INDEX outbox_key ON outbox (key);
`;

export const Q_TRACE = 0;
export const Q_SCORES = 1;
export const Q_EXPERIMENT = 2;
/** The OTLP push's deliveries: entries shaped as queue 'trace' (OutboxTraceEntry), no score updates. */
export const Q_OTLP = 3;
export const QUEUES: Record<OutboxBody['queue'], number> = { trace: Q_TRACE, scores: Q_SCORES, experiment: Q_EXPERIMENT, otlp: Q_OTLP };
export const QUEUE_NAMES = Object.fromEntries(Object.entries(QUEUES).map(([name, q]) => [q, name])) as Record<number, OutboxBody['queue']>;

export function isTraceEntry(e: unknown): e is OutboxTraceEntry {
  const t = e as OutboxTraceEntry | null;
  return !!t && (t.state === 'pending' || t.state === 'sent' || t.state === 'failed') && typeof t.enqueuedAt === 'number' && typeof t.attempts === 'number';
}

export function isScoreEntry(e: unknown): e is OutboxScoreEntry {
  const s = e as OutboxScoreEntry | null;
  return !!s && typeof s.seq === 'number' && typeof s.requestedAt === 'number' && typeof s.attempts === 'number' && typeof s.permanent === 'boolean';
}

/** The index columns of an entry: status, the ordering time and the next attempt. */
function columnsOf(queue: number, entry: OutboxTraceEntry | OutboxScoreEntry | null): [string | null, number | null, number | null] {
  if ((queue === Q_TRACE || queue === Q_EXPERIMENT || queue === Q_OTLP) && isTraceEntry(entry)) return [entry.state, entry.enqueuedAt, entry.nextAttemptAt];
  if (queue === Q_SCORES && isScoreEntry(entry)) return [entry.permanent ? 'failed' : 'queued', entry.requestedAt, entry.nextAttemptAt];
  // A null entry: no score update pending (queue 'scores'), or a delivery given up (`dropFailed`, queue 'trace').
  if (entry === null) return [null, null, null];
  throw new Error('malformed outbox entry');
}

/**
 * Indexes an outbox record (kinds 16 and 17) if it is the entry's latest. The same record again (a
 * compacted copy) only moves the row when its old location is going away.
 */
export function applyOutbox(sql: Sql, body: OutboxBody, seg: number, off: number, len: number, isGone: (seg: number) => boolean): void {
  if (typeof body.traceId !== 'string' || typeof body.key !== 'string' || typeof body.rev !== 'number' || typeof body.at !== 'number') throw new Error('malformed outbox record');
  const queue = Object.hasOwn(QUEUES, body.queue) ? QUEUES[body.queue] : -1; // a newer CODI's queue: not ours
  if (queue < 0) throw new Error(`unknown outbox queue ${String(body.queue)}`);
  const [status, orderAt, nextAt] = columnsOf(queue, body.entry);
  if (sql.one('SELECT 1 FROM tombstones WHERE id = ?', [body.traceId])) return;
  const cur = sql.one('SELECT rev, at, key, seg FROM outbox WHERE trace_id = ? AND queue = ?', [body.traceId, queue]);
  if (cur) {
    if (String(cur[2]) === body.key) {
      if (isGone(Number(cur[3]))) sql.run('UPDATE outbox SET seg = ?, off = ?, len = ? WHERE trace_id = ? AND queue = ?', [seg, off, len, body.traceId, queue]);
      return;
    }
    const [rev, at, key] = [Number(cur[0]), Number(cur[1]), String(cur[2])];
    if (body.rev < rev || (body.rev === rev && (body.at < at || (body.at === at && body.key < key)))) return;
  }
  sql.run('INSERT OR REPLACE INTO outbox (trace_id, queue, rev, at, key, status, order_at, next_at, entry, seg, off, len) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [
    body.traceId,
    queue,
    body.rev,
    body.at,
    body.key,
    status,
    orderAt,
    nextAt,
    body.entry === null ? null : JSON.stringify(body.entry),
    seg,
    off,
    len,
  ]);
}
