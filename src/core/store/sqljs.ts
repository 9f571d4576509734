import type { BindParams, Database, SqlJsStatic, SqlValue, Statement } from 'sql.js';

let sqlJs: Promise<SqlJsStatic> | null = null;

/** sql.js, loaded on first use so activation never pays for the wasm (the build maps this import to a lazy bundle). */
export function loadSqlJs(wasmPath: string): Promise<SqlJsStatic> {
  sqlJs ??= import('sql.js').then((m) => (m.default ?? (m as unknown as typeof m.default))({ locateFile: () => wasmPath }));
  sqlJs.catch(() => (sqlJs = null));
  return sqlJs;
}

/** A sql.js database with cached prepared statements and small query helpers. */
export class Sql {
  private cache = new Map<string, Statement>();

  constructor(readonly db: Database) {
    this.pragmas();
  }

  /** The index is derived data held in memory: no rollback journal on disk, no syncs. */
  private pragmas(): void {
    this.db.run('PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY;');
  }

  private stmt(sql: string): Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  run(sql: string, params?: BindParams): void {
    this.stmt(sql).run(params ?? undefined);
  }

  all(sql: string, params?: BindParams): SqlValue[][] {
    const s = this.stmt(sql);
    try {
      if (params) s.bind(params);
      const rows: SqlValue[][] = [];
      while (s.step()) rows.push(s.get());
      return rows;
    } finally {
      s.reset();
    }
  }

  one(sql: string, params?: BindParams): SqlValue[] | undefined {
    const s = this.stmt(sql);
    try {
      if (params) s.bind(params);
      return s.step() ? s.get() : undefined;
    } finally {
      s.reset();
    }
  }

  /** Runs `fn` in one transaction (synchronously, so nothing else can interleave). */
  tx<T>(fn: () => T): T {
    this.db.run('BEGIN');
    try {
      const r = fn();
      this.db.run('COMMIT');
      return r;
    } catch (e) {
      this.db.run('ROLLBACK');
      throw e;
    }
  }

  /** The whole database file. sql.js's export() frees every statement and resets pragmas: redo both. */
  export(): Uint8Array {
    for (const s of this.cache.values()) s.free();
    this.cache.clear();
    const bytes = this.db.export();
    this.pragmas();
    return bytes;
  }

  close(): void {
    for (const s of this.cache.values()) s.free();
    this.cache.clear();
    this.db.close();
  }
}
