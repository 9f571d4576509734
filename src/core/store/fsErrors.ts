/**
 * File-system failures of the trace store in words a user can act on. Editor-agnostic: the CLI prints
 * them, the extension can show them.
 */

/** What went wrong, in words ("the disk is full"), with the errno code when there is one. */
export interface FsFailure {
  reason: string;
  code: string | null;
  /** What the user can do about it. */
  next: string;
}

const REASONS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exhausted',
  EACCES: 'permission denied',
  EPERM: 'the operation is not permitted',
  EROFS: 'the file system is read-only',
  EISDIR: 'a folder is where a file should be',
  ENOTDIR: 'a file is where a folder should be',
  EEXIST: 'a file is in the way',
  EMFILE: 'too many files are open',
  ENFILE: 'too many files are open',
  EIO: 'the disk reported an input/output error',
  // mkdir -p on a read-only or vanished parent reports ENOENT.
  ENOENT: 'the folder cannot be created (a parent folder is missing or read-only)',
};

/** The errno code of `e` (ENOSPC, EACCES…), or null. */
export function errnoOf(e: unknown): string | null {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : null;
}

/** Whether `e` is a file-system failure this module can explain. */
export function isFsFailure(e: unknown): boolean {
  const code = errnoOf(e);
  return code !== null && code in REASONS;
}

/** `e` as reason + next step, for a store in `dir`. */
export function describeFsFailure(e: unknown, dir: string): FsFailure {
  const code = errnoOf(e);
  const reason = (code && REASONS[code]) ?? (e instanceof Error ? e.message : String(e));
  let next: string;
  if (code === 'ENOSPC' || code === 'EDQUOT') next = `Free some space on the disk that holds ${dir}, or point CODI_HOME at another folder.`;
  else if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOENT') next = `Make ${dir} writable by you (e.g. \`chmod -R u+rwX ${dir}\`), or point CODI_HOME at a writable folder.`;
  else if (code === 'EISDIR' || code === 'ENOTDIR' || code === 'EEXIST') next = `Move the item that is in the way out of ${dir} (\`codi store check\` says what it found), or point CODI_HOME at another folder.`;
  else next = `Check ${dir} and the disk it is on, or point CODI_HOME at another folder.`;
  return { reason, code, next };
}
