/**
 * Quality and error-rate alerts over the latest runs, as a small state machine the host drives: one event
 * when a rolling value crosses its threshold, one when it recovers, nothing while it stays on one side.
 * The state is plain data so the host can keep it across restarts (no repeated warning after a reload).
 */

export interface AlertSettings {
  /** Warn when the mean judge score of the last `window` judged runs drops below this (0 turns it off). */
  minScore: number;
  /** How many of the latest judged runs (and latest runs, for the error rate) the rolling values cover. */
  window: number;
  /** Warn when the share of failed runs among the last `window` runs rises above this (1 turns it off). */
  maxErrorRate: number;
}

export const ALERT_DEFAULTS: AlertSettings = { minScore: 0.6, window: 20, maxErrorRate: 0.2 };

/** The latest runs, newest first: judge scores of judged runs, and whether each recent run failed. */
export interface RecentRuns {
  scores: number[];
  failed: boolean[];
}

export type AlertKind = 'quality' | 'errors';

export interface AlertState {
  quality: boolean;
  errors: boolean;
}

export interface AlertEvent {
  kind: AlertKind;
  /** 'raised' when the value crossed the threshold, 'cleared' when it came back. */
  change: 'raised' | 'cleared';
  value: number;
  window: number;
  message: string;
}

export interface AlertStatus {
  /** The rolling values, null until a full window of runs exists. */
  meanScore: number | null;
  errorRate: number | null;
  state: AlertState;
  events: AlertEvent[];
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Evaluates the latest runs against the settings, starting from the previous state. */
export function evaluateAlerts(recent: RecentRuns, settings: AlertSettings, previous: AlertState): AlertStatus {
  const n = Math.max(1, Math.floor(settings.window));
  const scores = recent.scores.slice(0, n);
  const failed = recent.failed.slice(0, n);
  const meanScore = scores.length >= n ? mean(scores) : null;
  const errorRate = failed.length >= n ? failed.filter(Boolean).length / failed.length : null;
  const state: AlertState = { ...previous };
  const events: AlertEvent[] = [];
  // Without a full window the previous state holds: too few runs prove neither a drop nor a recovery.
  if (meanScore !== null) {
    const low = settings.minScore > 0 && meanScore < settings.minScore;
    if (low !== state.quality) {
      state.quality = low;
      events.push({
        kind: 'quality',
        change: low ? 'raised' : 'cleared',
        value: meanScore,
        window: n,
        message: low ? `Quality dropped to ${meanScore.toFixed(2)} over the last ${n} runs (threshold ${settings.minScore}).` : `Quality is back to ${meanScore.toFixed(2)} over the last ${n} runs.`,
      });
    }
  }
  if (errorRate !== null) {
    const high = settings.maxErrorRate < 1 && errorRate > settings.maxErrorRate;
    if (high !== state.errors) {
      state.errors = high;
      const pct = `${Math.round(errorRate * 100)}%`;
      events.push({
        kind: 'errors',
        change: high ? 'raised' : 'cleared',
        value: errorRate,
        window: n,
        message: high ? `Errors rose to ${pct} of the last ${n} runs (threshold ${Math.round(settings.maxErrorRate * 100)}%).` : `Errors are back to ${pct} of the last ${n} runs.`,
      });
    }
  }
  return { meanScore, errorRate, state, events };
}
