import type { ErrorInfo, ErrorKind } from '../shared/types';

/**
 * The one error type the core throws. Its kind tells the host and the CLI which next step to offer
 * ("Set API key", "Show log", retry later…), so every failure can be explained to the user.
 */
export class CodiError extends Error {
  /** A next step more precise than the kind's (e.g. the activation link of a disabled API). */
  readonly nextStep?: string;

  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown; nextStep?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CodiError';
    if (options?.nextStep) this.nextStep = options.nextStep;
  }

  toInfo(): ErrorInfo {
    return {
      kind: this.kind,
      message: this.message,
      ...(this.status === undefined ? {} : { status: this.status }),
      ...(this.nextStep ? { nextStep: this.nextStep } : {}),
    };
  }
}

/** The next step to show with an error: its own when it has one, else its kind's. */
export function nextStepOf(err: { kind: ErrorKind; nextStep?: string }): string {
  return err.nextStep ?? nextStepFor(err.kind);
}

export function isCancellation(err: unknown): boolean {
  if (err instanceof CodiError) return err.kind === 'cancelled';
  return err instanceof Error && (err.name === 'AbortError' || /aborted/i.test(err.message));
}

/** Wraps anything thrown into a CodiError, keeping CodiErrors as they are. */
export function toCodiError(err: unknown): CodiError {
  if (err instanceof CodiError) return err;
  if (isCancellation(err)) return new CodiError('cancelled', 'Cancelled.', undefined, { cause: err });
  const message = err instanceof Error ? err.message : String(err);
  return new CodiError('internal', message, undefined, { cause: err });
}

/** A short next step for each kind, for messages in the CLI and the editor. */
export function nextStepFor(kind: ErrorKind): string {
  switch (kind) {
    case 'no-key':
      return 'Set a Gemini API key (VS Code: "CODI: Set Gemini API Key"; CLI: GEMINI_API_KEY).';
    case 'auth':
      return 'Check the Gemini API key: it was rejected. Create one at https://aistudio.google.com/apikey and set it again.';
    case 'quota':
      return 'The Gemini quota or rate limit was reached. Wait and retry, or switch to another model in settings.';
    case 'network':
      return 'Gemini could not be reached. Check your connection, proxy or the endpoint setting, then retry.';
    case 'timeout':
      return 'The model did not answer in time. Retry, or raise the request timeout in settings.';
    case 'cancelled':
      return 'Nothing was lost: the run is recorded as cancelled.';
    case 'bad-input':
      return 'Select less text, or a text (not binary) file.';
    case 'model-output':
      return 'The model returned an unusable answer. Retry, or try another model.';
    case 'blocked':
      return 'Rephrase the request or select different code; the trace records the reason.';
    case 'unknown-model':
      return 'Check the model name (VS Code: the codi.model settings; CLI: --model, CODI_MODEL, CODI_JUDGE_MODEL, CODI_FALLBACK_MODEL); the endpoint does not offer it.';
    case 'service':
      return 'The Gemini service failed. Retry in a moment; see the log for details.';
    case 'budget':
      return 'The daily budget is reached. Raise codi.budget.dailyUsd (CLI: CODI_DAILY_BUDGET_USD or --max-cost), or run anyway.';
    case 'internal':
      return 'This is a bug in CODI. The log has the details.';
  }
}
