import { promises as fs } from 'node:fs';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A lock whose file has not been touched for this long is taken to belong to a hung or crashed process. */
const STALE_MS = 30_000;
/** While held, the lock file's time is refreshed this often, so long work (compaction) never looks stale. */
const HEARTBEAT_MS = 5_000;

async function acquire(path: string): Promise<boolean> {
  try {
    const fh = await fs.open(path, 'wx', 0o600);
    try {
      await fh.writeFile(String(process.pid));
    } catch (e) {
      // A full disk: an empty lock file left behind would block everyone until it looks stale.
      await fh.close().catch(() => undefined);
      await fs.rm(path, { force: true }).catch(() => undefined);
      throw e;
    }
    await fh.close();
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    if (await isStale(path)) await fs.rm(path, { force: true });
    return false;
  }
}

async function holding<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const beat = setInterval(() => {
    const now = new Date();
    void fs.utimes(path, now, now).catch(() => undefined);
  }, HEARTBEAT_MS);
  beat.unref?.();
  try {
    return await fn();
  } finally {
    clearInterval(beat);
    await fs.rm(path, { force: true });
  }
}

/**
 * Runs `fn` while holding an exclusive lock file (O_EXCL create). The file holds the owner's pid; a lock
 * whose owner is gone, or that nobody refreshed for STALE_MS, is broken. Used for work that must not run
 * twice at once (compaction, migration); appending traces never takes it.
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 5; !(await acquire(path)); delay = Math.min(delay * 2, 100)) {
    if (Date.now() > deadline) throw new Error(`The trace store is locked by another process (${path}). Close other CODI windows or remove the lock file.`);
    await sleep(delay);
  }
  return holding(path, fn);
}

/** Like withFileLock, but gives up at once (returns `busy`) when another process holds the lock. */
export async function tryFileLock<T>(path: string, fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
  if (!(await acquire(path)) && !(await acquire(path))) return { ran: false };
  return { ran: true, value: await holding(path, fn) };
}

async function isStale(path: string): Promise<boolean> {
  const [st, owner] = await Promise.all([fs.stat(path).catch(() => null), fs.readFile(path, 'utf8').catch(() => '')]);
  if (!st) return false;
  const pid = Number(owner);
  if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) {
    try {
      process.kill(pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') return true;
    }
  }
  return Date.now() - st.mtimeMs > STALE_MS;
}
