/** Options of the trace store's public API (see traceStore.ts). */

export interface StoreLogger {
  info?(message: string): void;
  warn(message: string): void;
}

export interface TraceStoreOptions {
  /** Folder that holds the store (created if missing). */
  dir: string;
  /** Path of sql-wasm.wasm (shipped in dist/). */
  wasmPath: string;
  /** Where issues (damaged records, rebuilt index, migrations) are reported besides `issues`. */
  logger?: StoreLogger;
  /** A writer starts a new segment past this size (default 64 MB). */
  segmentMaxBytes?: number;
  /** Write a snapshot in the background once this many records were indexed since the last (default 2000; on close, 200 or this if lower). */
  snapshotEvery?: number;
  /** Clock for retention (tests). */
  now?: () => number;
}

export interface ListOptions {
  limit?: number;
}

export interface RetentionOptions {
  /** Keep at most this many traces (the newest). */
  maxTraces?: number;
  /** Remove traces that started more than this many days ago. */
  maxDays?: number;
}
