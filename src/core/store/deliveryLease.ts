/**
 * A delivery lease kept as a file in the store folder (the DeliveryLease port of core/delivery/lease.ts):
 * one per outbox queue, so a VS Code window and a `codi` command never deliver the same entries at once.
 *
 * - Taking it: the holder's JSON (pid, host, client, token) is written to a private temporary file and
 *   hard-linked to the lease path, which fails if the lease exists: no reader ever sees half a lease.
 *   (Where hard links are not supported, an O_EXCL create does the same with a short torn window.)
 * - Holding it: the file's time is refreshed every RENEW_MS; `renew()` also checks the token is still ours.
 * - Expiry: a lease not refreshed for STALE_MS, or whose holder's pid is gone on this machine, is broken by
 *   renaming it aside (atomic: of two breakers only one moves it) and checking that what was moved is the
 *   stale lease; a fresh one moved by mistake is linked back. The previous holder notices on its next
 *   renew (before each request) and stops.
 * - Giving it back: the file is removed if it still carries our token.
 * Unlike fileLock.ts (work that must finish: compaction) a lease is never waited for by default: a process
 * that does not get it leaves the queue to the holder and tries again later.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import type { DeliveryLease, LeaseHolder } from '../delivery/lease';

/** A lease nobody refreshed for this long belongs to a hung or crashed process (or one on another machine). */
export const LEASE_STALE_MS = 30_000;
const RENEW_MS = 5_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const code = (e: unknown) => (e as NodeJS.ErrnoException).code;

async function readHolder(path: string): Promise<{ holder: LeaseHolder | null; mtimeMs: number } | null> {
  try {
    const [st, text] = await Promise.all([fs.stat(path), fs.readFile(path, 'utf8')]);
    let holder: LeaseHolder | null = null;
    try {
      const h = JSON.parse(text) as LeaseHolder;
      if (typeof h.pid === 'number' && typeof h.token === 'string') holder = h;
    } catch {
      // Torn or foreign content: only its age can tell whether it is stale.
    }
    return { holder, mtimeMs: st.mtimeMs };
  } catch (e) {
    if (code(e) === 'ENOENT') return null;
    throw e;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return code(e) !== 'ESRCH';
  }
}

export class FileDeliveryLease implements DeliveryLease {
  private readonly token = randomUUID();
  private holds = 0;
  private beat: NodeJS.Timeout | null = null;

  constructor(
    readonly path: string,
    private readonly client: string,
    private readonly staleMs = LEASE_STALE_MS,
  ) {}

  async tryAcquire(): Promise<boolean> {
    if (this.holds > 0) {
      this.holds += 1;
      return true;
    }
    for (let i = 0; i < 2; i++) {
      if (await this.create()) {
        this.holds = 1;
        this.beat = setInterval(() => void this.renew().catch(() => undefined), RENEW_MS);
        this.beat.unref?.();
        return true;
      }
      const cur = await readHolder(this.path);
      if (cur && !this.isStale(cur)) return false;
      if (cur) await this.breakStale(cur.holder?.token);
    }
    return false;
  }

  async acquire(waitMs: number): Promise<boolean> {
    const deadline = Date.now() + Math.max(0, waitMs);
    for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
      if (await this.tryAcquire()) return true;
      if (Date.now() >= deadline) return false;
      await sleep(Math.min(delay, Math.max(1, deadline - Date.now())));
    }
  }

  async renew(): Promise<boolean> {
    if (this.holds === 0) return false;
    const cur = await readHolder(this.path);
    if (cur?.holder?.token !== this.token) {
      this.stopBeat();
      return false;
    }
    const now = new Date();
    await fs.utimes(this.path, now, now).catch(() => undefined);
    return true;
  }

  async release(): Promise<void> {
    if (this.holds === 0 || --this.holds > 0) return;
    this.stopBeat();
    if ((await readHolder(this.path))?.holder?.token === this.token) await fs.rm(this.path, { force: true });
  }

  async holder(): Promise<LeaseHolder | null> {
    const cur = await readHolder(this.path);
    return cur && !this.isStale(cur) ? cur.holder : null;
  }

  private stopBeat(): void {
    if (this.beat) clearInterval(this.beat);
    this.beat = null;
  }

  private isStale(cur: { holder: LeaseHolder | null; mtimeMs: number }): boolean {
    if (Date.now() - cur.mtimeMs > this.staleMs) return true;
    const h = cur.holder;
    return !!h && h.token !== this.token && h.host === hostname() && !alive(h.pid);
  }

  private async create(): Promise<boolean> {
    const me: LeaseHolder = { pid: process.pid, host: hostname(), client: this.client, since: Date.now(), token: this.token };
    const tmp = `${this.path}.${this.token}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(me), { mode: 0o600 });
    try {
      await fs.link(tmp, this.path);
      return true;
    } catch (e) {
      if (code(e) === 'EEXIST') return false;
      if (code(e) !== 'EPERM' && code(e) !== 'ENOTSUP' && code(e) !== 'ENOSYS') throw e;
      return this.createExclusive(JSON.stringify(me));
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  /** For file systems without hard links. */
  private async createExclusive(text: string): Promise<boolean> {
    try {
      await fs.writeFile(this.path, text, { flag: 'wx', mode: 0o600 });
      return true;
    } catch (e) {
      if (code(e) === 'EEXIST') return false;
      throw e;
    }
  }

  /** Moves a stale lease aside; a fresh one moved by a racing breaker's mistake goes back. */
  private async breakStale(staleToken: string | undefined): Promise<void> {
    const aside = `${this.path}.${this.token}.stale`;
    try {
      await fs.rename(this.path, aside);
    } catch (e) {
      if (code(e) === 'ENOENT') return;
      throw e;
    }
    const moved = await readHolder(aside);
    if (moved?.holder?.token !== staleToken) await fs.link(aside, this.path).catch(() => undefined);
    await fs.rm(aside, { force: true });
  }
}
