import type { Sql } from './sqljs';

/**
 * The hourly latency histograms (`rollup_latency`, rollups.ts) held in memory as they are read, one packed
 * array of (key, bin, count) triples per hour, so the dashboard merges arrays instead of asking sql.js for
 * the same rows on every refresh: sql.js hands rows over one value at a time, which at 100k traces costs
 * more than everything else the dashboard does. The rollup triggers list every hour they change in
 * `rollup_dirty`; those hours are read again before each use, so the cache never serves a stale hour,
 * whichever write path (another window's journal, retention, a late rating, an undone insert) changed it.
 */
interface HourCache {
  /** The loaded hours, [lo, hi): every hour inside is in `hours` or has no rows. */
  lo: number;
  hi: number;
  hours: Map<number, Int32Array>;
}

const caches = new WeakMap<Sql, HourCache>();

function load(sql: Sql, c: HourCache, from: number, to: number): void {
  if (from >= to) return;
  let hour = NaN;
  let triples: number[] = [];
  const flush = () => {
    if (triples.length) c.hours.set(hour, Int32Array.from(triples));
    triples = [];
  };
  for (const [h, key, bin, n] of sql.all('SELECT hour, key, bin, n FROM rollup_latency WHERE hour >= ? AND hour < ? ORDER BY hour', [from, to])) {
    if (Number(h) !== hour) {
      flush();
      hour = Number(h);
    }
    triples.push(Number(key), Number(bin), Number(n));
  }
  flush();
}

/** The (key, bin, count) triples of each hour in [fromHour, toHour) that has any, reading only what changed or was never read. */
export function latencyHours(sql: Sql, fromHour: number, toHour: number): Array<[hour: number, triples: Int32Array]> {
  let c = caches.get(sql);
  if (!c) caches.set(sql, (c = { lo: 0, hi: 0, hours: new Map() }));
  const dirty = sql.all('SELECT hour FROM rollup_dirty').map((r) => Number(r[0]));
  if (dirty.length) {
    for (const h of dirty) {
      if (h < c.lo || h >= c.hi) continue;
      c.hours.delete(h);
      load(sql, c, h, h + 1);
    }
    sql.run('DELETE FROM rollup_dirty');
  }
  if (c.lo === c.hi) {
    load(sql, c, fromHour, toHour);
    c.lo = fromHour;
    c.hi = toHour;
  } else {
    if (fromHour < c.lo) load(sql, c, fromHour, c.lo);
    if (toHour > c.hi) load(sql, c, c.hi, toHour);
    c.lo = Math.min(c.lo, fromHour);
    c.hi = Math.max(c.hi, toHour);
  }
  const out: Array<[number, Int32Array]> = [];
  for (const [h, t] of c.hours) if (h >= fromHour && h < toHour) out.push([h, t]);
  return out;
}
