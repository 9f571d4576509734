/**
 * What the dashboard, `codi traces stats --by` and `codi traces calibration` report. Plain data shared by
 * the store's analysis queries, the host, the CLI and the dashboard webview.
 */
import type { TraceType } from './types';

export type DashboardRange = '24h' | '7d' | '30d' | '90d' | 'all';
export const DASHBOARD_RANGES: readonly DashboardRange[] = ['24h', '7d', '30d', '90d', 'all'];

/** Filters of the dashboard; every field optional. */
export interface AnalysisFilter {
  type?: TraceType;
  /** The model that answered. */
  model?: string;
  /** `name@version` of the prompt that produced the answer. */
  promptVersion?: string;
  tag?: string;
}

/** Headline figures of one period. Rates and means are null when there is nothing to divide by. */
export interface Headline {
  traces: number;
  errors: number;
  errorRate: number | null;
  meanScore: number | null;
  scored: number;
  /** Mean user rating, 0..1 (thumbs up 1, down 0; stars 1–5 as 0, .25, … 1). */
  meanRating: number | null;
  rated: number;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
  p50TtftMs: number | null;
  tokens: number;
  costUsd: number;
}

/** One bucket (an hour for 24 h, else a local day) of the trend charts. */
export interface TrendPoint {
  /** Epoch ms of the bucket's start. */
  start: number;
  runs: number;
  /** Runs per pipeline (trace type). */
  runsByType: Partial<Record<TraceType, number>>;
  errors: number;
  meanScore: number | null;
  /** Standard deviation of the judge scores in the bucket. */
  scoreSd: number | null;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
  tokens: number;
  costUsd: number;
}

export type GroupBy = 'model' | 'prompt' | 'pipeline' | 'tag';

/** One row of a comparison (by model, prompt version, pipeline or tag). Also the JSON of `codi traces stats --by`. */
export interface GroupStats {
  key: string;
  runs: number;
  meanScore: number | null;
  /** 95% interval of the mean judge score (Student's t), null below two scored runs. */
  scoreLow: number | null;
  scoreHigh: number | null;
  userRating: number | null;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
  tokens: number;
  costUsd: number;
  errorRate: number | null;
  /** Pass rate of the latest experiment of this model / prompt version, when there is one. */
  passRate?: number | null;
}

/** Errors of one kind (auth, quota, network, timeout, blocked, model-output, …). */
export interface ErrorGroup {
  key: string;
  runs: number;
  firstSeen: number;
  lastSeen: number;
  /** The newest traces with this error (at most 5). */
  exampleTraceIds: string[];
}

export interface Disagreement {
  traceId: string;
  name: string;
  judge: number;
  user: number;
}

/** Judge against user: over traces that have both a judge score and a user rating. */
export interface Calibration {
  pairs: number;
  /** Share of pairs where judge ≥ 0.7 and user approval (thumbs up / ≥ 4 stars) agree. */
  agreement: number | null;
  spearman: number | null;
  table: { judgePassUserUp: number; judgePassUserDown: number; judgeFailUserUp: number; judgeFailUserDown: number };
  /** The largest |judge − user| first (at most 10). */
  disagreements: Disagreement[];
}

/** Everything the dashboard shows for one range and filter. */
export interface DashboardData {
  range: DashboardRange;
  /** Epoch ms; `to` exclusive. */
  from: number;
  to: number;
  bucket: 'hour' | 'day';
  current: Headline;
  /** The period of the same length just before (null for "all"). */
  previous: Headline | null;
  trend: TrendPoint[];
  byModel: GroupStats[];
  byPrompt: GroupStats[];
  errors: ErrorGroup[];
  calibration: Calibration;
  /** Values the filters offer. */
  options: { types: TraceType[]; models: string[]; promptVersions: string[]; tags: string[] };
  /** How long the store took to compute this (ms). */
  computeMs: number;
}
