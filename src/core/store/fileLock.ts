import { promises as fs } from 'node:fs';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A lock held longer than this is taken to belong to a crashed process. */
const STALE_MS = 15_000;

/**
 * Runs `fn` while holding an exclusive lock file (O_EXCL create), so two processes never rewrite the
 * store at the same time. The file holds the owner's pid; a lock whose owner is gone, or that is older
 * than STALE_MS, is broken.
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    try {
      const fh = await fs.open(path, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (await isStale(path)) {
        await fs.rm(path, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`The trace store is locked by another process (${path}). Close other CODI windows or remove the lock file.`);
      await sleep(delay);
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(path, { force: true });
  }
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
