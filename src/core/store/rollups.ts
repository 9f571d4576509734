/**
 * Hourly rollups of the trace index, kept up to date on write by triggers on `traces`, so the dashboard
 * sums a few thousand rollup rows instead of every trace. Triggers rather than calls from each write path:
 * a trace row is inserted, replaced, deleted (retention, clear, a dropped segment, an undone early insert)
 * and rescored (appended judge scores and user ratings) from several places; the triggers see them all.
 *
 * One row per (UTC hour, key), the key being one (pipeline, answering model, prompt version) of
 * `rollup_keys`: an integer, so that the queries move numbers, not strings, out of sql.js (its cost
 * per string value dominates at 100k traces). Hours rather than days so that a 24-hour range is served
 * too and local days are summed from hours in any whole-hour time zone. Percentiles cannot be summed,
 * histograms can: `rollup_latency` counts the successful runs' latencies and times to first token by
 * (hour, key, bin) (latencyBins.ts; the row's bins are set on insert by TraceIndex), and the queries merge
 * them. rollupCache.ts keeps the hours read (sums and histograms) in memory; `rollup_dirty` lists the hours
 * every trigger changed since, which are read again before use.
 * Errors exclude cancellations (the user's choice, not a failure).
 */
export const HOUR = 3_600_000;

/** Columns added to `traces` (traceIndex.ts): the row's rollup key, set on insert by TraceIndex. */
const HOUR_OF = (r: 'NEW' | 'OLD') => `CAST(${r}.start_time AS INTEGER) / 3600000`;
/** The columns of `traces` holding a successful run's latency bin and time-to-first-token bin (null otherwise). */
const BINS = ['lat_bin', 'ttft_bin'] as const;
const ERR = (r: 'NEW' | 'OLD') => `(${r}.error_kind IS NOT NULL AND ${r}.error_kind <> 'cancelled')`;

export const ROLLUP_SCHEMA = `
CREATE TABLE rollup_keys (id INTEGER PRIMARY KEY, type TEXT NOT NULL, model TEXT NOT NULL, prompt TEXT NOT NULL, UNIQUE (type, model, prompt));
CREATE INDEX traces_analysis ON traces (start_time, latency_ms, ttft_ms, rollup_key, error_kind);
CREATE INDEX traces_errors ON traces (error_kind, start_time) WHERE error_kind IS NOT NULL;
CREATE INDEX traces_rated ON traces (start_time) WHERE user_score IS NOT NULL AND score IS NOT NULL;
CREATE TABLE rollup_hours (
  hour INTEGER NOT NULL, key INTEGER NOT NULL,
  runs INTEGER NOT NULL, errors INTEGER NOT NULL, scored INTEGER NOT NULL, score_sum REAL NOT NULL, score_sq REAL NOT NULL,
  rated INTEGER NOT NULL, rating_sum REAL NOT NULL, tokens INTEGER NOT NULL, cost REAL NOT NULL,
  PRIMARY KEY (hour, key)
) WITHOUT ROWID;
CREATE TABLE rollup_latency (hour INTEGER NOT NULL, key INTEGER NOT NULL, bin INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (hour, key, bin)) WITHOUT ROWID;
CREATE TABLE rollup_dirty (hour INTEGER PRIMARY KEY);
CREATE TRIGGER traces_rollup_insert AFTER INSERT ON traces BEGIN
  ${BINS.map((b) => `INSERT INTO rollup_latency (hour, key, bin, n) SELECT ${HOUR_OF('NEW')}, NEW.rollup_key, NEW.${b}, 1 WHERE NEW.${b} IS NOT NULL
    ON CONFLICT (hour, key, bin) DO UPDATE SET n = n + 1;`).join('\n  ')}
  INSERT OR IGNORE INTO rollup_dirty (hour) VALUES (${HOUR_OF('NEW')});
  INSERT INTO rollup_hours (hour, key, runs, errors, scored, score_sum, score_sq, rated, rating_sum, tokens, cost)
  VALUES (${HOUR_OF('NEW')}, NEW.rollup_key, 1, ${ERR('NEW')}, NEW.score IS NOT NULL, COALESCE(NEW.score, 0), COALESCE(NEW.score * NEW.score, 0),
          NEW.user_score IS NOT NULL, COALESCE(NEW.user_score, 0), COALESCE(NEW.total_tokens, 0), COALESCE(NEW.cost_usd, 0))
  ON CONFLICT (hour, key) DO UPDATE SET runs = runs + 1, errors = errors + excluded.errors, scored = scored + excluded.scored,
    score_sum = score_sum + excluded.score_sum, score_sq = score_sq + excluded.score_sq, rated = rated + excluded.rated,
    rating_sum = rating_sum + excluded.rating_sum, tokens = tokens + excluded.tokens, cost = cost + excluded.cost;
END;
CREATE TRIGGER traces_rollup_delete AFTER DELETE ON traces BEGIN
  UPDATE rollup_hours SET runs = runs - 1, errors = errors - ${ERR('OLD')}, scored = scored - (OLD.score IS NOT NULL),
    score_sum = score_sum - COALESCE(OLD.score, 0), score_sq = score_sq - COALESCE(OLD.score * OLD.score, 0),
    rated = rated - (OLD.user_score IS NOT NULL), rating_sum = rating_sum - COALESCE(OLD.user_score, 0),
    tokens = tokens - COALESCE(OLD.total_tokens, 0), cost = cost - COALESCE(OLD.cost_usd, 0)
  WHERE hour = ${HOUR_OF('OLD')} AND key = OLD.rollup_key;
  DELETE FROM rollup_hours WHERE hour = ${HOUR_OF('OLD')} AND key = OLD.rollup_key AND runs <= 0;
  ${BINS.map((b) => `UPDATE rollup_latency SET n = n - 1 WHERE hour = ${HOUR_OF('OLD')} AND key = OLD.rollup_key AND bin = OLD.${b};`).join('\n  ')}
  DELETE FROM rollup_latency WHERE hour = ${HOUR_OF('OLD')} AND key = OLD.rollup_key AND bin IN (OLD.lat_bin, OLD.ttft_bin) AND n <= 0;
  INSERT OR IGNORE INTO rollup_dirty (hour) VALUES (${HOUR_OF('OLD')});
END;
CREATE TRIGGER traces_rollup_rescore AFTER UPDATE OF score, user_score ON traces BEGIN
  UPDATE rollup_hours SET scored = scored - (OLD.score IS NOT NULL) + (NEW.score IS NOT NULL),
    score_sum = score_sum - COALESCE(OLD.score, 0) + COALESCE(NEW.score, 0),
    score_sq = score_sq - COALESCE(OLD.score * OLD.score, 0) + COALESCE(NEW.score * NEW.score, 0),
    rated = rated - (OLD.user_score IS NOT NULL) + (NEW.user_score IS NOT NULL),
    rating_sum = rating_sum - COALESCE(OLD.user_score, 0) + COALESCE(NEW.user_score, 0)
  WHERE hour = ${HOUR_OF('NEW')} AND key = NEW.rollup_key;
  INSERT OR IGNORE INTO rollup_dirty (hour) VALUES (${HOUR_OF('NEW')});
END;
`;
