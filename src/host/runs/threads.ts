import { createHash } from 'node:crypto';

/** The thread key of a run on a piece of code: same command, file and code → same thread. */
export function threadKey(kind: string, input: { file: string; code: string }): string {
  return `${kind}:${input.file}:${createHash('sha256').update(input.code).digest('hex').slice(0, 16)}`;
}
