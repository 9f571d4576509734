import { uuidv8Of } from '../../core/ids';

/** What a run was about: the command, the workspace folder, and the file and lines it ran on (or the request). */
export interface ThreadSubject {
  kind: string;
  /** The workspace folder's URI (paths are workspace-relative: two repositories can share `src/index.ts`). */
  workspace: string;
  file: string;
  /** The lines, `"12-30"`; for Generate, the request itself. */
  where: string;
}

/**
 * The thread id of a run: re-asks on the same code (the same command on the same file and lines) share it,
 * across reloads and windows, because it is derived from the subject rather than remembered. An edit inside
 * the range keeps the thread (the user re-asks about code they just changed); other lines start another.
 */
export function threadIdOf(s: ThreadSubject): string {
  return uuidv8Of(`codi-thread\n${s.kind}\n${s.workspace}\n${s.file}\n${s.where}`);
}
