import type { Sql } from './sqljs';

/**
 * The hourly rollups (rollups.ts) held in memory as they are read: per hour, the sums of each rollup key and
 * the latency histogram's (key, bin, count) triples, packed in typed arrays, so the dashboard adds numbers
 * instead of asking sql.js for the same rows on every refresh (sql.js hands rows over one value at a time,
 * which at 100k traces costs more than everything else the dashboard does). The rollup triggers list every
 * hour they change in `rollup_dirty`; those hours are read again before each use, so the cache never serves
 * a stale hour, whichever write path (another window's journal, retention, a late rating, an undone insert)
 * changed it.
 */
export interface RollupHour {
  /** Rows of SUM_WIDTH numbers: key, runs, errors, scored, score_sum, score_sq, rated, rating_sum, tokens, cost. */
  sums: Float64Array;
  /** (key, bin, count) triples of the latency and time-to-first-token histograms. */
  lat: Int32Array;
}

export const SUM_WIDTH = 10;

interface HourCache {
  /** The loaded hours, [lo, hi): every hour inside is in `hours` or has no rows. */
  lo: number;
  hi: number;
  hours: Map<number, RollupHour>;
}

const caches = new WeakMap<Sql, HourCache>();
const EMPTY_SUMS = new Float64Array(0);
const EMPTY_LAT = new Int32Array(0);

function load(sql: Sql, c: HourCache, from: number, to: number): void {
  if (from >= to) return;
  const group = <T>(rows: T[][], pack: (values: number[]) => Float64Array | Int32Array, set: (h: number, v: Float64Array | Int32Array) => void) => {
    let hour = NaN;
    let values: number[] = [];
    const flush = () => values.length && set(hour, pack(values));
    for (const [h, ...rest] of rows) {
      if (Number(h) !== hour) {
        flush();
        hour = Number(h);
        values = [];
      }
      for (const v of rest) values.push(Number(v));
    }
    flush();
  };
  const at = (h: number): RollupHour => {
    let e = c.hours.get(h);
    if (!e) c.hours.set(h, (e = { sums: EMPTY_SUMS, lat: EMPTY_LAT }));
    return e;
  };
  const range = [from, to];
  group(sql.all('SELECT hour, key, runs, errors, scored, score_sum, score_sq, rated, rating_sum, tokens, cost FROM rollup_hours WHERE hour >= ? AND hour < ? ORDER BY hour', range), (v) => Float64Array.from(v), (h, v) => (at(h).sums = v as Float64Array));
  group(sql.all('SELECT hour, key, bin, n FROM rollup_latency WHERE hour >= ? AND hour < ? ORDER BY hour', range), (v) => Int32Array.from(v), (h, v) => (at(h).lat = v as Int32Array));
}

/** The rollups of each hour in [fromHour, toHour) that has any, reading only what changed or was never read. */
export function rollupHours(sql: Sql, fromHour: number, toHour: number): Array<[hour: number, rollup: RollupHour]> {
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
  const out: Array<[number, RollupHour]> = [];
  for (const [h, r] of c.hours) if (h >= fromHour && h < toHour) out.push([h, r]);
  return out;
}
