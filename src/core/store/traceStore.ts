import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Database, SqlJsStatic } from 'sql.js';
import type { TraceRecord, TraceSummary } from '../../shared/types';
import type { TraceSink } from '../tracing/tracer';
import { withFileLock } from './fileLock';

export const SCHEMA_VERSION = 1;
const DB_FILE = 'traces.sqlite';

export interface TraceStoreOptions {
  /** Folder that holds the store (created if missing). */
  dir: string;
  /** Path of sql-wasm.wasm (shipped in dist/). */
  wasmPath: string;
}

export interface ListOptions {
  limit?: number;
}

let sqlJs: Promise<SqlJsStatic> | null = null;
function loadSqlJs(wasmPath: string): Promise<SqlJsStatic> {
  // Loaded on first use so activation never pays for the wasm.
  sqlJs ??= import('sql.js').then((m) => (m.default ?? (m as unknown as typeof m.default))({ locateFile: () => wasmPath }));
  return sqlJs;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS traces (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  start_time INTEGER NOT NULL,
  end_time INTEGER,
  score REAL,
  tags TEXT NOT NULL,
  thread_id TEXT,
  model TEXT,
  total_tokens INTEGER,
  cost_usd REAL,
  error TEXT,
  record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS traces_start ON traces(start_time DESC);
`;

/** Overall judge score of a trace: the trace-level judge score named "overall", if any. */
export function overallScore(t: TraceRecord): number | null {
  const s = t.scores.find((x) => x.source === 'judge' && x.name === 'overall' && !x.spanId);
  return s ? s.value : null;
}

/**
 * The local trace store: a SQLite database held by sql.js and persisted as one file.
 *
 * Writes go through a lock file and merge traces other processes (another window, the CLI) wrote since
 * we last read the file, so concurrent writers keep each other's traces. The file is replaced atomically
 * (write to a temp file, fsync, rename): a crash leaves either the old or the new file, never half of one.
 */
export class TraceStore implements TraceSink {
  private chain: Promise<unknown> = Promise.resolve();
  private fileStamp = '';
  private listeners = new Set<() => void>();

  private constructor(
    private readonly db: Database,
    private readonly SQL: SqlJsStatic,
    private readonly dir: string,
  ) {}

  static async open(opts: TraceStoreOptions): Promise<TraceStore> {
    const SQL = await loadSqlJs(opts.wasmPath);
    await fs.mkdir(opts.dir, { recursive: true });
    const store = new TraceStore(new SQL.Database(), SQL, opts.dir);
    // Read through the same path as a refresh: the stamp is taken before the file, so a write that lands
    // in between is merged at the next pull instead of being missed.
    store.createSchema();
    await store.pullIfChanged(true);
    return store;
  }

  get file(): string {
    return join(this.dir, DB_FILE);
  }

  /** Called after this store saw new traces (its own or another process's). */
  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private createSchema(): void {
    this.db.run(SCHEMA);
    this.db.run("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)", [String(SCHEMA_VERSION)]);
  }

  /** The schema version a database file was written with (0 when it has none). */
  private static versionOf(db: Database): number {
    try {
      const row = db.exec("SELECT value FROM meta WHERE key = 'schema_version'");
      return row[0] ? Number(row[0].values[0]![0]) : 0;
    } catch {
      return 0;
    }
  }

  /**
   * The generation token of the file on disk. Each write stores a fresh random token beside the file
   * (before the rename, under the lock), so a changed file is always noticed: file times are too coarse
   * and inode numbers get reused, so stat() alone misses fast writers.
   */
  private async stamp(): Promise<string> {
    return fs.readFile(`${this.file}.gen`, 'utf8').catch(() => '');
  }

  private insert(t: TraceRecord, db: Database = this.db): void {
    db.run(
      `INSERT OR REPLACE INTO traces (id, name, type, start_time, end_time, score, tags, thread_id, model, total_tokens, cost_usd, error, record)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        t.id,
        t.name,
        t.type,
        t.startTime,
        t.endTime,
        overallScore(t),
        JSON.stringify(t.tags),
        t.threadId,
        typeof t.metadata.model === 'string' ? t.metadata.model : null,
        t.usage?.totalTokens ?? null,
        t.costUsd,
        t.error ? JSON.stringify(t.error) : null,
        JSON.stringify(t),
      ],
    );
  }

  /** Copies traces another process wrote into our database (ours win on id clashes: same trace). */
  private mergeFrom(bytes: Uint8Array): number {
    const other = new this.SQL.Database(bytes);
    try {
      const version = TraceStore.versionOf(other);
      if (version > SCHEMA_VERSION) {
        throw new Error(`The trace store at ${this.dir} was written by a newer CODI (schema ${version}; this version reads ${SCHEMA_VERSION}). Update CODI; the store was not changed.`);
      }
      // Older schemas migrate forward here: each row's record JSON is re-inserted in the current shape.
      const rows = other.exec('SELECT record FROM traces');
      let added = 0;
      for (const [record] of rows[0]?.values ?? []) {
        const t = JSON.parse(String(record)) as TraceRecord;
        const exists = this.db.exec('SELECT 1 FROM traces WHERE id = ?', [t.id]).length > 0;
        if (!exists) {
          this.insert(t);
          added++;
        }
      }
      return added;
    } finally {
      other.close();
    }
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Saves a trace; resolves once it is durably on disk. */
  saveTrace(trace: TraceRecord): Promise<void> {
    return this.serialize(async () => {
      await withFileLock(join(this.dir, 'traces.lock'), async () => {
        await this.pullIfChanged();
        this.insert(trace);
        await this.persist();
      });
      this.emit();
    });
  }

  /** Reloads traces other processes wrote since we last looked. Returns how many were new. */
  refresh(): Promise<number> {
    return this.serialize(async () => {
      const added = await withFileLock(join(this.dir, 'traces.lock'), () => this.pullIfChanged());
      if (added > 0) this.emit();
      return added;
    });
  }

  private async pullIfChanged(force = false): Promise<number> {
    const now = await this.stamp();
    if (now === this.fileStamp && !force) return 0;
    const bytes = await fs.readFile(this.file).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : Promise.reject(e)));
    const added = bytes ? this.mergeFrom(bytes) : 0;
    this.fileStamp = now;
    return added;
  }

  private async persist(): Promise<void> {
    const data = this.db.export();
    // export() resets pragmas, which is fine: we set none.
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fh = await fs.open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    const gen = randomUUID();
    await fs.writeFile(`${this.file}.gen`, gen);
    await fs.rename(tmp, this.file);
    this.fileStamp = gen;
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }

  list(opts: ListOptions = {}): TraceSummary[] {
    const limit = Math.max(1, Math.min(opts.limit ?? 200, 10_000));
    const res = this.db.exec(
      `SELECT id, name, type, start_time, end_time, score, tags, thread_id, model, total_tokens, cost_usd, error
       FROM traces ORDER BY start_time DESC, id DESC LIMIT ?`,
      [limit],
    );
    return (res[0]?.values ?? []).map((v) => {
      const [id, name, type, start, end, score, tags, thread, model, tokens, cost, error] = v;
      const startTime = Number(start);
      const endTime = end === null ? null : Number(end);
      return {
        id: String(id),
        name: String(name),
        type: String(type) as TraceSummary['type'],
        startTime,
        endTime,
        durationMs: endTime === null ? null : endTime - startTime,
        score: score === null ? null : Number(score),
        tags: JSON.parse(String(tags)) as string[],
        threadId: thread === null ? null : String(thread),
        model: model === null ? null : String(model),
        totalTokens: tokens === null ? null : Number(tokens),
        costUsd: cost === null ? null : Number(cost),
        error: error === null ? null : (JSON.parse(String(error)) as TraceSummary['error']),
      };
    });
  }

  /** A whole trace, or null. Accepts a unique id prefix (at least 8 characters) for the CLI. */
  get(idOrPrefix: string): TraceRecord | null {
    const exact = this.db.exec('SELECT record FROM traces WHERE id = ?', [idOrPrefix]);
    let row = exact[0]?.values[0];
    if (!row && idOrPrefix.length >= 8) {
      const like = this.db.exec('SELECT record FROM traces WHERE id LIKE ? LIMIT 2', [`${idOrPrefix.replace(/[%_]/g, '')}%`]);
      if (like[0]?.values.length === 1) row = like[0].values[0];
    }
    return row ? (JSON.parse(String(row[0])) as TraceRecord) : null;
  }

  count(): number {
    return Number(this.db.exec('SELECT COUNT(*) FROM traces')[0]!.values[0]![0]);
  }

  /** Waits for pending writes, then releases memory. */
  async close(): Promise<void> {
    await this.chain;
    this.db.close();
  }
}
