/** What a replay is compared on: the new run's judge score, cost and latency minus the original's. */
import type { TraceRecord } from '../../shared/types';

export interface ReplayDiff {
  scoreDelta: number | null;
  costDelta: number | null;
  latencyDelta: number | null;
}

/** The judge's overall score of a trace (null when it was not judged). */
export const overallScore = (t: TraceRecord): number | null => t.scores.find((s) => s.name === 'overall' && s.source === 'judge' && s.spanId === null)?.value ?? null;
export const traceLatency = (t: TraceRecord): number | null => (t.endTime === null ? null : t.endTime - t.startTime);
const delta = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : Math.round((b - a) * 1e8) / 1e8);

/** The differences a replay is run for: score, cost and latency of the new run minus the original's. */
export function replayDiff(original: TraceRecord, replay: TraceRecord): ReplayDiff {
  return { scoreDelta: delta(overallScore(original), overallScore(replay)), costDelta: delta(original.costUsd, replay.costUsd), latencyDelta: delta(traceLatency(original), traceLatency(replay)) };
}

/** The model a trace asked for (the replay keeps everything else the same). */
export function requestedModelOf(t: TraceRecord): string | undefined {
  const m = t.metadata.requestedModel ?? t.metadata.model;
  return typeof m === 'string' ? m : undefined;
}

/** A trace's output as text for a side-by-side diff (structured outputs as indented JSON, on both sides alike). */
export function traceOutputText(t: TraceRecord): string {
  if (typeof t.output === 'string') return t.output;
  if (t.output === null || t.output === undefined) return t.error ? `(no output: ${t.error.kind}: ${t.error.message})` : '(no output)';
  return JSON.stringify(t.output, null, 2);
}

const signed = (n: number | null, f: (x: number) => string): string => (n === null ? '—' : `${n > 0 ? '+' : n < 0 ? '−' : '±'}${f(Math.abs(n))}`);

/** One line for a person: "score 0.82 (+0.05), cost $0.00120 (+$0.00080), latency 2.1 s (−0.4 s)". */
export function describeReplay(replay: TraceRecord, d: ReplayDiff): string {
  const score = overallScore(replay);
  const cost = replay.costUsd;
  const ms = traceLatency(replay);
  const usd = (x: number) => `$${x.toFixed(5)}`;
  const sec = (x: number) => (x < 1000 ? `${Math.round(x)} ms` : `${(x / 1000).toFixed(1)} s`);
  return [
    `score ${score === null ? '—' : score.toFixed(2)} (${signed(d.scoreDelta, (x) => x.toFixed(2))})`,
    `cost ${cost === null ? '—' : usd(cost)} (${signed(d.costDelta, usd)})`,
    `latency ${ms === null ? '—' : sec(ms)} (${signed(d.latencyDelta, sec)})`,
  ].join(', ');
}
