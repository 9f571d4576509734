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

/** Where a message is shown: the next step names that surface's own way of doing it. */
export type Surface = 'cli' | 'editor';

/**
 * A short next step for each kind, for messages in the CLI and the editor. It never repeats what the
 * message already says: an input problem's message carries its own next step, so none is added here.
 */
export function nextStepFor(kind: ErrorKind, surface: Surface = 'cli'): string {
  const editor = surface === 'editor';
  switch (kind) {
    case 'no-key':
      return editor ? 'Set one with "CODI: Set Gemini API Key".' : 'Set GEMINI_API_KEY (or GOOGLE_API_KEY) to a key from https://aistudio.google.com/apikey.';
    case 'auth':
      return 'Create a key at https://aistudio.google.com/apikey and set it again.';
    case 'quota':
      return editor ? 'Wait and retry, or choose another model in settings (codi.model).' : 'Wait and retry, or pass another model with --model.';
    case 'network':
      return editor
        ? 'Check your connection or proxy, or the endpoint setting (codi.apiBaseUrl), then retry.'
        : 'Check your connection or proxy, or GOOGLE_GEMINI_BASE_URL, then retry.';
    case 'timeout':
      return editor ? 'Retry, or raise codi.requestTimeoutSeconds.' : 'Retry in a moment.';
    case 'cancelled':
      return 'Nothing was lost: the run is recorded as cancelled.';
    case 'bad-input':
      return '';
    case 'model-output':
      return 'Retry, or try another model.';
    case 'blocked':
      return 'Rephrase the request or select different code; the trace records the reason.';
    case 'unknown-model':
      return editor ? 'Check the model name in settings (codi.model, codi.judge.model, codi.fallbackModel); the endpoint does not offer it.' : 'Check the model name (--model, CODI_MODEL, CODI_JUDGE_MODEL, CODI_FALLBACK_MODEL); the endpoint does not offer it.';
    case 'service':
      return 'Retry in a moment; the log has the details.';
    case 'budget':
      return editor ? 'Raise codi.budget.dailyUsd, or run anyway today.' : 'Raise CODI_DAILY_BUDGET_USD or --max-cost, or wait until tomorrow.';
    case 'internal':
      return 'This is a bug in CODI. The log has the details.';
  }
}

/** "<what happened> <what to do>", the next step left out when the message already gives it. */
export function withNextStep(message: string, kind: ErrorKind, surface: Surface, own?: string): string {
  const step = own ?? nextStepFor(kind, surface);
  return step && !message.includes(step) ? `${message} ${step}` : message;
}
