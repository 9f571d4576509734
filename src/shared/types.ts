/**
 * The one vocabulary shared by the store, the UI, the CLI and (later) the Opik exporter.
 * Plain data only: no `vscode`, no DOM, no Node APIs, so webviews can import these types too.
 */
import type { TraceAnnotation } from './annotation';

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
  /** The model withheld the answer or refused the prompt (safety, recitation, prohibited content…). */
  | 'blocked'
  /** The requested model does not exist or is not available to this key (404): retrying cannot help. */
  | 'unknown-model'
  | 'service'
  | 'budget'
  | 'internal';

export interface ErrorInfo {
  kind: ErrorKind;
  message: string;
  /** HTTP status of the failing model call, when there was one. */
  status?: number;
  /** A next step more precise than the kind's, when the service said what to do. */
  nextStep?: string;
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
  /** Review state, note and labels (kept in the store beside the trace; filled in when a trace is read). */
  annotation?: TraceAnnotation | null;
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

/** One Chain-of-Density step: the summary at that density, measured by our code (not claimed by the model). */
export interface CodStep {
  /** 1-based step number. */
  index: number;
  summary: string;
  /** Entities the model says it added in this step (identifiers, algorithms, side effects…). */
  entitiesAdded: string[];
  words: number;
  tokens: number;
  /** Distinct entities present so far divided by tokens. */
  entityDensity: number;
  /** Judge score 0..1, or null when unjudged. */
  score: number | null;
  reason: string | null;
}

export interface SummaryData {
  mode: 'single' | 'iterative';
  steps: CodStep[];
  /** Index of the recommended step (highest judged; ties to the earlier), or null when unjudged. */
  recommendedStep: number | null;
  /** How many chunks the input was split into (1 when it fit). */
  chunks: number;
}

/** A deterministic check on generated code. `passed` null means "not checked" for this language. */
export interface CodeCheck {
  name: 'parses' | 'single-code-block';
  passed: boolean | null;
  detail: string;
}

export interface GeneratedCode {
  code: string;
  language: string;
  parses: boolean | null;
  checks: CodeCheck[];
}
