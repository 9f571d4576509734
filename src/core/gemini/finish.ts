/**
 * Finish reasons that must not be shown as a normal answer. Pipelines call `finishProblem` on every
 * result: `truncated` keeps the (incomplete) text but warns the user; `blocked` means the answer was
 * withheld or is not a usable text answer and must be reported as an error.
 */
export interface FinishProblem {
  kind: 'truncated' | 'blocked';
  /** The finish reason (or `PROMPT_<blockReason>` when the prompt itself was blocked). */
  reason: string;
  /** A sentence for the user. */
  message: string;
}

/** Normal ends: nothing to report. */
const NORMAL = new Set(['STOP', 'FINISH_REASON_UNSPECIFIED']);

const WHY: Record<string, string> = {
  SAFETY: 'its safety filters',
  RECITATION: 'recitation of existing (possibly copyrighted) material',
  BLOCKLIST: 'blocklisted terms',
  PROHIBITED_CONTENT: 'prohibited content',
  SPII: 'sensitive personal information',
  IMAGE_SAFETY: 'its image safety filters',
  LANGUAGE: 'an unsupported language',
};

/**
 * What is wrong with how a generation ended, or null for a normal end (STOP, unspecified, unknown).
 * `blockReason` is `promptFeedback.blockReason` (the prompt was blocked: no candidate at all).
 */
export function finishProblem(finishReason: string | null | undefined, blockReason?: string | null): FinishProblem | null {
  if (blockReason && blockReason !== 'BLOCKED_REASON_UNSPECIFIED') {
    return {
      kind: 'blocked',
      reason: `PROMPT_${blockReason}`,
      message: `Gemini refused the request (prompt blocked: ${blockReason}). Try rephrasing or selecting different code.`,
    };
  }
  if (!finishReason || NORMAL.has(finishReason)) return null;
  if (finishReason === 'MAX_TOKENS') {
    return {
      kind: 'truncated',
      reason: finishReason,
      message: 'The answer was cut off at the output token limit (finish reason MAX_TOKENS): it is incomplete.',
    };
  }
  const why = WHY[finishReason];
  return {
    kind: 'blocked',
    reason: finishReason,
    message: why
      ? `Gemini withheld the answer because of ${why} (finish reason ${finishReason}). Try rephrasing or selecting different code.`
      : `Gemini stopped without a usable answer (finish reason ${finishReason}).`,
  };
}
