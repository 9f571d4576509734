import type { ErrorKind } from '../../src/shared/types';

/** A headline per error kind; the message from the core follows it. */
export const errorTitles: Record<ErrorKind, string> = {
  'no-key': 'No Gemini API key',
  auth: 'The API key was rejected',
  quota: 'Quota or rate limit reached',
  network: 'Could not reach the model',
  timeout: 'The request timed out',
  cancelled: 'Cancelled',
  'bad-input': 'This input cannot be sent',
  'model-output': 'The model returned an unusable answer',
  blocked: 'The model withheld the answer',
  'unknown-model': 'No such model',
  service: 'The model service failed',
  budget: 'Daily budget reached',
  internal: 'Something went wrong inside CODI',
};

export function errorTitle(kind: ErrorKind, status?: number): string {
  const title = errorTitles[kind] ?? 'Error';
  return status ? `${title} (HTTP ${status})` : title;
}
