/**
 * The judge's answers as they travel on the wire (`verdictSchema`: criteria keyed by name), built from the
 * verdicts CODI keeps (`JudgeVerdict`: a list of criteria), for tests that script the Gemini stand-in.
 */
import type { JudgeVerdict } from '../../src/shared/types';

interface Listed {
  score: number;
  reason: string;
  criteria: ReadonlyArray<{ name: string; score: number; reason: string }>;
}

export function wireVerdict<T extends Listed>(v: T): Omit<T, 'criteria'> & { criteria: Record<string, { score: number; reason: string }> } {
  return { ...v, criteria: Object.fromEntries(v.criteria.map((c) => [c.name, { score: c.score, reason: c.reason }])) };
}

/** A per-step judge answer (`{steps: [{step, criteria, score, reason}]}`) in wire form. */
export function wireSteps<T extends Listed>(value: { steps: T[] }): { steps: Array<ReturnType<typeof wireVerdict<T>>> } {
  return { steps: value.steps.map((s) => wireVerdict(s)) };
}

export type { JudgeVerdict };
