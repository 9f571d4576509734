import type { Score } from '../../shared/types';

/** Runs of one thread within this long of each other count as re-asks in a row. */
export const FRUSTRATION_WINDOW_MS = 10 * 60_000;
/** This many runs on the same code within the window (the first ask and two re-asks) mean frustration. */
export const FRUSTRATION_RUNS = 3;
/** A rating at or below this (thumbs down, 1–2 stars) followed by a re-ask means frustration. */
export const DISAPPROVAL = 0.25;

export interface ThreadRun {
  id: string;
  startTime: number;
  /** The user's rating (0..1), null when unrated. */
  userScore: number | null;
}

/**
 * The `frustration` heuristic score for the latest run of a thread (runs newest first, the latest
 * included): 1 when the code was asked about three or more times within ten minutes, or when the
 * previous run was rated down and the user asked again; null otherwise (no score is recorded).
 */
export function frustrationScore(runs: readonly ThreadRun[]): Score | null {
  const [latest, previous] = runs;
  if (!latest || !previous) return null;
  const recent = runs.filter((r) => latest.startTime - r.startTime <= FRUSTRATION_WINDOW_MS).length;
  if (recent >= FRUSTRATION_RUNS) return { name: 'frustration', value: 1, reason: `Asked ${recent} times about the same code within 10 minutes.`, source: 'heuristic', spanId: null };
  if (previous.userScore !== null && previous.userScore <= DISAPPROVAL) return { name: 'frustration', value: 1, reason: 'Asked again after rating the previous answer down.', source: 'heuristic', spanId: null };
  return null;
}
