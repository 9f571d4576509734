/**
 * The one vocabulary shared by the store, the UI, the CLI and (later) the Opik exporter.
 * Plain data only: no `vscode`, no DOM, no Node APIs, so webviews can import these types too.
 */

export type TraceType = 'explain' | 'summarize' | 'generate' | 'judge' | 'experiment';
export type SpanType = 'llm' | 'judge' | 'tool' | 'general';
export type ScoreSource = 'judge' | 'user' | 'heuristic';

/** Kinds of failure the UI knows how to explain, each with its own next step. */
export type ErrorKind =
  | 'no-key'
  | 'auth'
  | 'quota'
  | 'network'
  | 'timeout'
  | 'cancelled'
  | 'bad-input'
  | 'model-output'
  | 'service'
  | 'internal';

export interface ErrorInfo {
  kind: ErrorKind;
  message: string;
  /** HTTP status of the failing model call, when there was one. */
  status?: number;
}

/** Token usage of one call or a sum of calls. Thinking tokens are billed as output. */
export interface Usage {
  promptTokens: number;
  /** Visible output tokens (candidates), without thinking. */
  outputTokens: number;
  thinkingTokens: number;
  totalTokens: number;
}

export interface Score {
  name: string;
  /** 0..1 */
  value: number;
  reason: string;
  source: ScoreSource;
  /** Set when the score belongs to one span rather than the whole trace. */
  spanId?: string | null;
}

export interface CriterionScore {
  name: string;
  score: number;
  reason: string;
}

/** What the judge says about one output. */
export interface JudgeVerdict {
  score: number;
  reason: string;
  criteria: CriterionScore[];
}

export interface SpanRecord {
  id: string;
  traceId: string;
  parentSpanId: string | null;
  name: string;
  type: SpanType;
  /** Epoch milliseconds. */
  startTime: number;
  endTime: number | null;
  input: unknown;
  output: unknown;
  model: string | null;
  provider: string | null;
  usage: Usage | null;
  costUsd: number | null;
  error: ErrorInfo | null;
  /** Free-form attributes: prompt name/version, ttftMs, chunks, finishReason, attempts… */
  attributes: Record<string, unknown>;
}

export interface TraceRecord {
  id: string;
  name: string;
  type: TraceType;
  startTime: number;
  endTime: number | null;
  input: unknown;
  output: unknown;
  metadata: Record<string, unknown>;
  tags: string[];
  threadId: string | null;
  error: ErrorInfo | null;
  usage: Usage | null;
  costUsd: number | null;
  spans: SpanRecord[];
  scores: Score[];
}

/** One row of a trace list: enough for the tree and `codi traces list`, without payloads. */
export interface TraceSummary {
  id: string;
  name: string;
  type: TraceType;
  startTime: number;
  endTime: number | null;
  durationMs: number | null;
  /** Overall judge score, or null when unjudged. */
  score: number | null;
  tags: string[];
  threadId: string | null;
  model: string | null;
  totalTokens: number | null;
  costUsd: number | null;
  error: ErrorInfo | null;
}

export function emptyUsage(): Usage {
  return { promptTokens: 0, outputTokens: 0, thinkingTokens: 0, totalTokens: 0 };
}

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    promptTokens: a.promptTokens + b.promptTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    thinkingTokens: a.thinkingTokens + b.thinkingTokens,
    totalTokens: a.totalTokens + b.totalTokens,
  };
}

/** Badge bands used everywhere a score is shown. */
export type ScoreBand = 'good' | 'fair' | 'poor' | 'none';

export function scoreBand(score: number | null | undefined): ScoreBand {
  if (score === null || score === undefined || Number.isNaN(score)) return 'none';
  if (score >= 0.8) return 'good';
  if (score >= 0.6) return 'fair';
  return 'poor';
}
