/**
 * Hourly rollups of the trace index, kept up to date on write by triggers on `traces`, so the dashboard
 * sums a few thousand rollup rows instead of every trace. Triggers rather than calls from each write path:
 * a trace row is inserted, replaced, deleted (retention, clear, a dropped segment, an undone early insert)
 * and rescored (appended judge scores and user ratings) from several places; the triggers see them all.
 *
 * One row per (UTC hour, pipeline, answering model, prompt version). Hours rather than days so that a
 * 24-hour range is served too and local days are summed from hours in any whole-hour time zone.
 * Percentiles cannot be summed: they are computed from the narrow covering index `traces_analysis`
 * over the range only. Errors exclude cancellations (the user's choice, not a failure). `rollup_keys`
 * lists every (pipeline, model, prompt version) ever seen, for the dashboard's filter choices.
 */
export const HOUR = 3_600_000;

const KEY_NEW = 'CAST(NEW.start_time AS INTEGER) / 3600000, NEW.type, COALESCE(NEW.answer_model, \'\'), COALESCE(NEW.prompt_version, \'\')';
const MATCH = (r: 'NEW' | 'OLD') =>
  `hour = CAST(${r}.start_time AS INTEGER) / 3600000 AND type = ${r}.type AND model = COALESCE(${r}.answer_model, '') AND prompt = COALESCE(${r}.prompt_version, '')`;
const ERR = (r: 'NEW' | 'OLD') => `(${r}.error_kind IS NOT NULL AND ${r}.error_kind <> 'cancelled')`;

export const ROLLUP_SCHEMA = `
CREATE INDEX traces_analysis ON traces (start_time, latency_ms, ttft_ms, type, answer_model, prompt_version, error_kind);
CREATE INDEX traces_errors ON traces (error_kind, start_time) WHERE error_kind IS NOT NULL;
CREATE INDEX traces_rated ON traces (start_time) WHERE user_score IS NOT NULL AND score IS NOT NULL;
CREATE TABLE rollup_hours (
  hour INTEGER NOT NULL, type TEXT NOT NULL, model TEXT NOT NULL, prompt TEXT NOT NULL,
  runs INTEGER NOT NULL, errors INTEGER NOT NULL, scored INTEGER NOT NULL, score_sum REAL NOT NULL, score_sq REAL NOT NULL,
  rated INTEGER NOT NULL, rating_sum REAL NOT NULL, tokens INTEGER NOT NULL, cost REAL NOT NULL,
  PRIMARY KEY (hour, type, model, prompt)
) WITHOUT ROWID;
CREATE TABLE rollup_keys (type TEXT NOT NULL, model TEXT NOT NULL, prompt TEXT NOT NULL, PRIMARY KEY (type, model, prompt)) WITHOUT ROWID;
CREATE TRIGGER traces_rollup_insert AFTER INSERT ON traces BEGIN
  INSERT OR IGNORE INTO rollup_keys (type, model, prompt) VALUES (NEW.type, COALESCE(NEW.answer_model, ''), COALESCE(NEW.prompt_version, ''));
  INSERT INTO rollup_hours (hour, type, model, prompt, runs, errors, scored, score_sum, score_sq, rated, rating_sum, tokens, cost)
  VALUES (${KEY_NEW}, 1, ${ERR('NEW')}, NEW.score IS NOT NULL, COALESCE(NEW.score, 0), COALESCE(NEW.score * NEW.score, 0),
          NEW.user_score IS NOT NULL, COALESCE(NEW.user_score, 0), COALESCE(NEW.total_tokens, 0), COALESCE(NEW.cost_usd, 0))
  ON CONFLICT (hour, type, model, prompt) DO UPDATE SET runs = runs + 1, errors = errors + excluded.errors, scored = scored + excluded.scored,
    score_sum = score_sum + excluded.score_sum, score_sq = score_sq + excluded.score_sq, rated = rated + excluded.rated,
    rating_sum = rating_sum + excluded.rating_sum, tokens = tokens + excluded.tokens, cost = cost + excluded.cost;
END;
CREATE TRIGGER traces_rollup_delete AFTER DELETE ON traces BEGIN
  UPDATE rollup_hours SET runs = runs - 1, errors = errors - ${ERR('OLD')}, scored = scored - (OLD.score IS NOT NULL),
    score_sum = score_sum - COALESCE(OLD.score, 0), score_sq = score_sq - COALESCE(OLD.score * OLD.score, 0),
    rated = rated - (OLD.user_score IS NOT NULL), rating_sum = rating_sum - COALESCE(OLD.user_score, 0),
    tokens = tokens - COALESCE(OLD.total_tokens, 0), cost = cost - COALESCE(OLD.cost_usd, 0)
  WHERE ${MATCH('OLD')};
  DELETE FROM rollup_hours WHERE ${MATCH('OLD')} AND runs <= 0;
END;
CREATE TRIGGER traces_rollup_rescore AFTER UPDATE OF score, user_score ON traces BEGIN
  UPDATE rollup_hours SET scored = scored - (OLD.score IS NOT NULL) + (NEW.score IS NOT NULL),
    score_sum = score_sum - COALESCE(OLD.score, 0) + COALESCE(NEW.score, 0),
    score_sq = score_sq - COALESCE(OLD.score * OLD.score, 0) + COALESCE(NEW.score * NEW.score, 0),
    rated = rated - (OLD.user_score IS NOT NULL) + (NEW.user_score IS NOT NULL),
    rating_sum = rating_sum - COALESCE(OLD.user_score, 0) + COALESCE(NEW.user_score, 0)
  WHERE ${MATCH('NEW')};
END;
`;
