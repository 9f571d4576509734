import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { TraceRecord } from '../../src/shared/types';
import { encodeRecord, RecordKind } from '../../src/core/store/codec';
import { headerFor, newSegmentName } from '../../src/core/store/journal';
import { STORE_VERSION } from '../../src/core/store/manifest';

/** Helpers for the store tests: child writers, hand-made segments, byte-exact folder fingerprints. */

const WRITER = require.resolve('./storeWriter');

export interface Writer {
  child: ChildProcess;
  /** Ids acknowledged so far (printed after saveTrace resolved). */
  acked: string[];
  /** Resolves once the store is open in the child. */
  opened: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a writer process (node --import tsx test/support/storeWriter.ts …). */
export function startWriter(dir: string, prefix: string, count: number, parallel = 1, end: 'close' | 'exit' = 'close'): Writer {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir, prefix, String(count), String(parallel), end], { stdio: ['ignore', 'pipe', 'inherit'] });
  const acked: string[] = [];
  let buffered = '';
  let openedResolve: () => void = () => undefined;
  const opened = new Promise<void>((r) => (openedResolve = r));
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop()!; // only complete lines count: an id is acknowledged once its newline arrived
    for (const l of lines) {
      if (l === 'open') openedResolve();
      else if (l) acked.push(l);
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      openedResolve();
      resolve({ code, signal });
    }),
  );
  return { child, acked, opened, exited };
}

/** The pid of a process that has exited (so it is not alive). */
export function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

/**
 * Writes a journal segment as a process that has since died would have left it: header, one record per
 * trace, and a seal only if `sealed`. Returns its path and each record's [offset, length].
 */
export async function writeDeadSegment(dir: string, traces: TraceRecord[], sealed = false): Promise<{ path: string; records: Array<[number, number]> }> {
  const name = newSegmentName();
  const header = { ...headerFor(name, 'writer', STORE_VERSION), pid: deadPid(), processStart: 1 };
  const frames = [encodeRecord(RecordKind.Header, header)];
  const records: Array<[number, number]> = [];
  let off = frames[0]!.length;
  for (const trace of traces) {
    const f = encodeRecord(RecordKind.Trace, { at: Date.now(), trace });
    records.push([off, f.length]);
    off += f.length;
    frames.push(f);
  }
  if (sealed) frames.push(encodeRecord(RecordKind.Seal, { at: Date.now() }));
  const path = join(dir, 'journal', name);
  await fs.mkdir(join(dir, 'journal'), { recursive: true });
  await fs.writeFile(path, Buffer.concat(frames));
  return { path, records };
}

/** Every file under `dir` with a hash of its bytes: equal fingerprints mean nothing was created, changed or removed. */
export async function fingerprint(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string) => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        out[`${p}/`] = 'dir';
        await walk(p);
      } else out[p] = createHash('sha256').update(await fs.readFile(p)).digest('hex');
    }
  };
  await walk(dir);
  return out;
}

export async function journalFiles(dir: string): Promise<string[]> {
  return (await fs.readdir(join(dir, 'journal'))).filter((n) => n.endsWith('.cdj')).sort();
}

/** The walking skeleton's store (store version 1): one sql.js database file, traces.sqlite, exactly as it wrote it. */
export async function writeSkeletonStore(dir: string, wasmPath: string, traces: TraceRecord[], schemaVersion = 1): Promise<Buffer> {
  const initSqlJs = (await import('sql.js')).default;
  const SQL = await initSqlJs({ locateFile: () => wasmPath });
  const db = new SQL.Database();
  db.run(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS traces (id TEXT PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL, start_time INTEGER NOT NULL, end_time INTEGER,
      score REAL, tags TEXT NOT NULL, thread_id TEXT, model TEXT, total_tokens INTEGER, cost_usd REAL, error TEXT, record TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS traces_start ON traces(start_time DESC);`);
  db.run("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)", [String(schemaVersion)]);
  for (const t of traces) {
    db.run('INSERT OR REPLACE INTO traces VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [t.id, t.name, t.type, t.startTime, t.endTime, null, JSON.stringify(t.tags), t.threadId, null, null, t.costUsd, null, JSON.stringify(t)]);
  }
  const bytes = Buffer.from(db.export());
  db.close();
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(join(dir, 'traces.sqlite'), bytes);
  await fs.writeFile(join(dir, 'traces.sqlite.gen'), 'skeleton-generation');
  return bytes;
}
