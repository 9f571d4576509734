/**
 * A small durable `OutboxStore` in one JSON file, for tests and as the reference semantics for the
 * journal store's implementation. Every mutation rewrites the file atomically (write a temp file, fsync,
 * rename over the old one, fsync the folder), so a crash leaves either the old or the new state.
 * Several processes (VS Code windows, the CLI) share the file: every mutation takes a lock file, re-reads
 * the file, applies the change and writes it back, and every read re-reads it, so no process works from a
 * stale copy or overwrites another's entries. A file that cannot be parsed is moved aside (`.corrupt-<time>`) and an
 * empty outbox is started; `warnings` says so.
 */
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { withFileLock } from '../store/fileLock';
import type { CarriedOutboxEntry } from './outboxPort';
import type { DueExperiment, DueScoreUpdate, DueTrace, FailureMark, OutboxScoreEntry, OutboxStatus, OutboxStore, OutboxTraceEntry } from './outbox';
import { failedEntry, isDue, newEntry, retriedEntry, sentEntry, statusOf } from './outboxEntry';

interface FileData {
  version: 1;
  traces: Record<string, OutboxTraceEntry>;
  scores: Record<string, OutboxScoreEntry>;
  /** Experiments by run id (absent in files written before experiments were exported). */
  experiments?: Record<string, OutboxTraceEntry>;
}

const empty = (): FileData => ({ version: 1, traces: {}, scores: {} });

function isFileData(v: unknown): v is FileData {
  const d = v as FileData | null;
  return !!d && d.version === 1 && typeof d.traces === 'object' && d.traces !== null && typeof d.scores === 'object' && d.scores !== null;
}

let tmpCounter = 0;

export class FileOutboxStore implements OutboxStore {
  private chain: Promise<void> = Promise.resolve();
  readonly warnings: string[] = [];
  /** Where an unreadable outbox file was moved on open (its queued trace ids can be salvaged from it), or null. */
  setAside: string | null = null;

  private constructor(
    readonly path: string,
    private data: FileData,
  ) {}

  static async open(path: string): Promise<FileOutboxStore> {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    let text: string | null = null;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (text === null) return new FileOutboxStore(path, empty());
    try {
      const parsed: unknown = JSON.parse(text);
      if (!isFileData(parsed)) throw new Error('unexpected content');
      return new FileOutboxStore(path, parsed);
    } catch (err) {
      const aside = `${path}.corrupt-${Date.now()}`;
      await rename(path, aside);
      const store = new FileOutboxStore(path, empty());
      store.setAside = aside;
      store.warnings.push(`Opik outbox ${path} was unreadable (${err instanceof Error ? err.message : String(err)}); moved to ${aside}.`);
      return store;
    }
  }

  /** Re-reads the file (other processes may have changed it); keeps the current data if it is unreadable. */
  private async reload(): Promise<void> {
    try {
      const parsed: unknown = JSON.parse(await readFile(this.path, 'utf8'));
      if (isFileData(parsed)) this.data = parsed;
    } catch {
      // Missing (nothing written yet) or mid-replacement on a platform without atomic rename: keep ours.
    }
  }

  /** Waits for this process's writes, then returns the file's current data. */
  private async read(): Promise<FileData> {
    await this.chain;
    await this.reload();
    return this.data;
  }

  /** Runs a mutation after the previous ones, under the cross-process lock, on fresh data; persists before resolving. */
  private mutate<T>(f: (d: FileData) => T): Promise<T> {
    const next = this.chain.then(() =>
      withFileLock(`${this.path}.write.lock`, async () => {
        await this.reload();
        const out = f(this.data);
        await this.persist();
        return out;
      }),
    );
    this.chain = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  private async persist(): Promise<void> {
    const tmp = `${this.path}.${process.pid}.${++tmpCounter}.tmp`;
    try {
      await writeFile(tmp, JSON.stringify(this.data), { mode: 0o600 });
      const fd = openSync(tmp, 'r+');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      await rename(tmp, this.path);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    try {
      const dfd = openSync(dirname(this.path), 'r');
      try {
        fsyncSync(dfd);
      } finally {
        closeSync(dfd);
      }
    } catch {
      // Directory fsync is not supported everywhere (Windows); the rename is still atomic.
    }
  }

  /** Waits for pending writes (tests). */
  async flush(): Promise<void> {
    await this.chain;
  }

  enqueue(traceId: string, now: number): Promise<void> {
    return this.mutate((d) => {
      if (d.traces[traceId]) return;
      d.traces[traceId] = { state: 'pending', enqueuedAt: now, attempts: 0, nextAttemptAt: null, lastError: null, sentAt: null, projectId: null, url: null };
    });
  }

  async due(now: number, limit: number): Promise<DueTrace[]> {
    return Object.entries((await this.read()).traces)
      .filter(([, e]) => e.state === 'pending' && (e.nextAttemptAt === null || e.nextAttemptAt <= now))
      .sort((a, b) => a[1].enqueuedAt - b[1].enqueuedAt || (a[0] < b[0] ? -1 : 1))
      .slice(0, limit)
      .map(([traceId, e]) => ({ traceId, attempts: e.attempts }));
  }

  markSent(traceId: string, info: { projectId: string | null; url: string | null; at: number }): Promise<void> {
    return this.mutate((d) => {
      const e = d.traces[traceId];
      if (!e) return;
      Object.assign(e, { state: 'sent', sentAt: info.at, projectId: info.projectId, url: info.url, lastError: null, nextAttemptAt: null });
    });
  }

  markFailed(traceId: string, info: FailureMark): Promise<void> {
    return this.mutate((d) => {
      const e = d.traces[traceId];
      if (!e || e.state === 'sent') return;
      e.attempts += 1;
      e.lastError = info.error;
      e.nextAttemptAt = info.permanent ? null : info.nextAttemptAt;
      e.state = info.permanent ? 'failed' : 'pending';
    });
  }

  async state(traceId: string): Promise<OutboxStatus> {
    const e = (await this.read()).traces[traceId];
    if (!e) return { state: 'off', url: null, lastError: null, attempts: 0, nextAttemptAt: null, sentAt: null, projectId: null };
    return { state: e.state, url: e.url, lastError: e.lastError, attempts: e.attempts, nextAttemptAt: e.nextAttemptAt, sentAt: e.sentAt, projectId: e.projectId };
  }

  async pendingCount(): Promise<number> {
    const d = await this.read();
    const traces = Object.values(d.traces).filter((e) => e.state === 'pending').length;
    const scores = Object.entries(d.scores).filter(([id, s]) => !s.permanent && d.traces[id]?.state === 'sent').length;
    return traces + scores + Object.values(d.experiments ?? {}).filter((e) => e.state === 'pending').length;
  }

  async failedCount(): Promise<number> {
    const d = await this.read();
    return [...Object.values(d.traces), ...Object.values(d.experiments ?? {})].filter((e) => e.state === 'failed').length;
  }

  retryFailed(now: number): Promise<number> {
    return this.mutate((d) => {
      let n = 0;
      for (const e of Object.values(d.traces)) {
        if (e.state !== 'failed') continue;
        Object.assign(e, { state: 'pending', attempts: 0, nextAttemptAt: now, lastError: null });
        n += 1;
      }
      for (const s of Object.values(d.scores)) if (s.permanent) Object.assign(s, { permanent: false, attempts: 0, nextAttemptAt: now });
      for (const [id, e] of Object.entries(d.experiments ?? {})) {
        if (e.state !== 'failed') continue;
        d.experiments![id] = retriedEntry(e, now);
        n += 1;
      }
      return n;
    });
  }

  /** Permanently failed traces and experiments (`experiment: true`, id = run id), oldest first, with why (for `codi opik status`). */
  async failedEntries(): Promise<Array<{ traceId: string; lastError: string | null; attempts: number; enqueuedAt: number; experiment?: true }>> {
    const d = await this.read();
    const failed = (m: Record<string, OutboxTraceEntry>, experiment: boolean) =>
      Object.entries(m).filter(([, e]) => e.state === 'failed').map(([traceId, e]) => ({ traceId, lastError: e.lastError, attempts: e.attempts, enqueuedAt: e.enqueuedAt, ...(experiment ? { experiment: true as const } : {}) }));
    return [...failed(d.traces, false), ...failed(d.experiments ?? {}, true)].sort((a, b) => a.enqueuedAt - b.enqueuedAt);
  }

  /** Every entry, to carry this outbox into the trace store's journal (JournalOutboxStore.adopt). */
  async entries(): Promise<CarriedOutboxEntry[]> {
    const d = await this.read();
    const ids = [...new Set([...Object.keys(d.traces), ...Object.keys(d.scores)])];
    return ids.map((traceId) => ({ traceId, trace: d.traces[traceId] ?? null, scores: d.scores[traceId] ?? null }));
  }

  /** When the earliest pending trace may be tried again (Retry-After or backoff), or null when any is due now. */
  async nextAttemptAt(): Promise<number | null> {
    const pending = Object.values((await this.read()).traces).filter((e) => e.state === 'pending');
    if (!pending.length || pending.some((e) => e.nextAttemptAt === null)) return null;
    return Math.min(...pending.map((e) => e.nextAttemptAt!));
  }

  /** Forgets permanently failed traces (and their score updates) and experiments: they are no longer exported. Returns their ids. */
  dropFailed(): Promise<string[]> {
    return this.mutate((d) => {
      const ids = Object.keys(d.traces).filter((id) => d.traces[id]!.state === 'failed');
      for (const id of ids) {
        delete d.traces[id];
        delete d.scores[id];
      }
      for (const [id, e] of Object.entries(d.experiments ?? {})) {
        if (e.state !== 'failed') continue;
        delete d.experiments![id];
        ids.push(id);
      }
      return ids;
    });
  }

  enqueueScoreUpdate(traceId: string, now: number): Promise<void> {
    return this.mutate((d) => {
      const s = d.scores[traceId];
      d.scores[traceId] = { seq: (s?.seq ?? 0) + 1, requestedAt: now, attempts: 0, nextAttemptAt: null, lastError: null, permanent: false };
    });
  }

  async dueScoreUpdates(now: number, limit: number): Promise<DueScoreUpdate[]> {
    const d = await this.read();
    return Object.entries(d.scores)
      .filter(([id, s]) => !s.permanent && d.traces[id]?.state === 'sent' && (s.nextAttemptAt === null || s.nextAttemptAt <= now))
      .sort((a, b) => a[1].requestedAt - b[1].requestedAt)
      .slice(0, limit)
      .map(([traceId, s]) => ({ traceId, seq: s.seq, attempts: s.attempts }));
  }

  markScoresSent(traceId: string, seq: number, _at?: number): Promise<void> {
    return this.mutate((d) => {
      if (d.scores[traceId]?.seq === seq) delete d.scores[traceId];
    });
  }

  markScoresFailed(traceId: string, seq: number, info: FailureMark): Promise<void> {
    return this.mutate((d) => {
      const s = d.scores[traceId];
      if (!s || s.seq !== seq) return;
      Object.assign(s, { attempts: s.attempts + 1, lastError: info.error, nextAttemptAt: info.nextAttemptAt, permanent: info.permanent });
    });
  }

  enqueueExperiment(runId: string, now: number): Promise<void> {
    return this.mutate((d) => {
      d.experiments ??= {};
      d.experiments[runId] ??= newEntry(now);
    });
  }

  async dueExperiments(now: number, limit: number): Promise<DueExperiment[]> {
    return Object.entries((await this.read()).experiments ?? {})
      .filter(([, e]) => isDue(e, now))
      .sort((a, b) => a[1].enqueuedAt - b[1].enqueuedAt || (a[0] < b[0] ? -1 : 1))
      .slice(0, limit)
      .map(([runId, e]) => ({ runId, attempts: e.attempts }));
  }

  markExperimentSent(runId: string, info: { projectId: string | null; url: string | null; at: number }): Promise<void> {
    return this.mutate((d) => {
      const e = d.experiments?.[runId];
      if (e) d.experiments![runId] = sentEntry(e, info);
    });
  }

  markExperimentFailed(runId: string, info: FailureMark): Promise<void> {
    return this.mutate((d) => {
      const e = d.experiments?.[runId];
      const next = e && failedEntry(e, info);
      if (next) d.experiments![runId] = next;
    });
  }

  async experimentState(runId: string): Promise<OutboxStatus> {
    return statusOf((await this.read()).experiments?.[runId]);
  }
}
