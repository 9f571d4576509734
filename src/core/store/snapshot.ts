import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { SqlJsStatic } from 'sql.js';
import { crc32 } from './codec';
import { syncDir, writeAll } from './journal';
import { STORE_VERSION } from './manifest';
import type { StoreIssue } from './replay';
import { IndexFormatError, TraceIndex } from './traceIndex';

/**
 * The index snapshot: the exported sql.js index (which holds the per-segment watermarks it covers) in a
 * small checksummed container, so a damaged or half-written snapshot is detected and the index rebuilt
 * from the journal instead of being trusted. Written with write-temp, fsync, rename: any snapshot on disk
 * is complete, and any complete snapshot is a valid starting point (the journal tails are replayed).
 *
 *   'CDIX' | container version u32 | crc32(payload) u32 | payload length u32 | payload (SQLite file)
 */
export const SNAPSHOT_FILE = 'index.snapshot';
const MAGIC = Buffer.from('CDIX', 'latin1');
const VERSION = 1;
const HEAD = 16;

export async function readSnapshot(dir: string): Promise<{ bytes: Uint8Array } | { damaged: string } | null> {
  let buf: Buffer;
  try {
    buf = await fs.readFile(join(dir, SNAPSHOT_FILE));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    // Something else sits where the snapshot should be: the index is rebuilt from the journal.
    if (code === 'EISDIR') return { damaged: `${SNAPSHOT_FILE} is a folder, not a file` };
    throw e;
  }
  if (buf.length < HEAD || !buf.subarray(0, 4).equals(MAGIC)) return { damaged: 'not a CODI index snapshot' };
  if (buf.readUInt32LE(4) !== VERSION) return { damaged: `snapshot container version ${buf.readUInt32LE(4)}` };
  const len = buf.readUInt32LE(12);
  if (buf.length !== HEAD + len) return { damaged: `length ${buf.length - HEAD}, expected ${len}` };
  const payload = buf.subarray(HEAD);
  if (crc32(payload) !== buf.readUInt32LE(8)) return { damaged: 'checksum mismatch' };
  return { bytes: payload };
}

export async function writeSnapshot(dir: string, payload: Uint8Array): Promise<void> {
  const head = Buffer.alloc(HEAD);
  MAGIC.copy(head, 0);
  head.writeUInt32LE(VERSION, 4);
  head.writeUInt32LE(crc32(payload), 8);
  head.writeUInt32LE(payload.length, 12);
  const tmp = join(dir, `${SNAPSHOT_FILE}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  const fh = await fs.open(tmp, 'wx', 0o600);
  try {
    await writeAll(fh, head, 0);
    await writeAll(fh, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), HEAD);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  await fs.rename(tmp, join(dir, SNAPSHOT_FILE));
  await syncDir(dir);
}

/** Keeps a damaged snapshot for diagnosis (replacing an older damaged one) instead of deleting it. */
export async function setAsideDamagedSnapshot(dir: string): Promise<string> {
  const to = `${SNAPSHOT_FILE}.damaged`;
  await fs.rename(join(dir, SNAPSHOT_FILE), join(dir, to)).catch(() => undefined);
  return to;
}

/**
 * The index from the snapshot, or an empty one (to be filled from the journal) if there is none, it is
 * damaged (an issue), or it has another index format (a CODI update: rebuilt quietly, overwritten later).
 */
export async function loadIndex(SQL: SqlJsStatic, dir: string, issues: StoreIssue[], log?: (message: string) => void): Promise<TraceIndex> {
  const snap = await readSnapshot(dir);
  let damaged: string | null = null;
  if (snap && 'bytes' in snap) {
    try {
      return TraceIndex.fromBytes(SQL, snap.bytes, STORE_VERSION);
    } catch (e) {
      if (e instanceof IndexFormatError) {
        log?.(`The trace index snapshot has another format (${e.message}); the index is rebuilt from the journal.`);
        return TraceIndex.create(SQL, STORE_VERSION);
      }
      damaged = e instanceof Error ? e.message : String(e);
    }
  } else if (snap) {
    damaged = snap.damaged;
  }
  if (damaged) {
    const kept = await setAsideDamagedSnapshot(dir);
    issues.push({ kind: 'damaged-index', message: `The index snapshot could not be used (${damaged}); the index was rebuilt from the journal (the old snapshot is kept as ${kept}).` });
  }
  return TraceIndex.create(SQL, STORE_VERSION);
}
