import { randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { promises as fs, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { HeaderBody, RawRecord, SegmentRole } from './codec';
import { checkFrame, encodeRecord, parseBody, RecordKind } from './codec';

/**
 * Journal segments: append-only files of framed records (see codec.ts), one per writing process, so
 * processes never interleave bytes and need no lock to write. A writer acknowledges a record only after
 * fdatasync; several records waiting at once share one write and one sync (group commit).
 */

export const SEGMENT_EXT = '.cdj';
export const PROCESS_START = Date.now() - Math.round(process.uptime() * 1000);

/** A new, unique segment file name; names sort by creation time. */
export function newSegmentName(now = Date.now()): string {
  return `${now.toString(36).padStart(9, '0')}-${randomBytes(5).toString('hex')}${SEGMENT_EXT}`;
}

export async function listSegments(journalDir: string): Promise<string[]> {
  const names = await fs.readdir(journalDir).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? [] : Promise.reject(e)));
  return names.filter((n) => n.endsWith(SEGMENT_EXT)).sort();
}

/** Makes a new directory entry (created or renamed file) durable. Not possible on Windows: skipped. */
export async function syncDir(dir: string): Promise<void> {
  let d: FileHandle | null = null;
  try {
    d = await fs.open(dir, 'r');
    await d.sync();
  } catch {
    // EISDIR/EPERM on Windows, where directory entries cannot be synced this way.
  } finally {
    await d?.close().catch(() => undefined);
  }
}

export function headerFor(name: string, role: SegmentRole, schema: number, supersedes?: string[]): HeaderBody {
  const h: HeaderBody = { format: 'codi-journal', schema, name, role, pid: process.pid, host: hostname(), processStart: PROCESS_START, created: Date.now() };
  if (supersedes) h.supersedes = supersedes;
  return h;
}

/** Whether the process that writes a segment may still append to it. Errs on "alive". */
export function writerAlive(h: { pid: number | null; host: string | null; processStart: number | null }): boolean {
  if (h.pid === null || h.host === null) return false;
  if (h.host !== hostname()) return true;
  if (h.pid === process.pid) return h.processStart === null || Math.abs(h.processStart - PROCESS_START) < 5000;
  try {
    process.kill(h.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

export async function writeAll(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  for (let done = 0; done < buf.length; ) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
    done += bytesWritten;
  }
}

export function writeAllSync(fd: number, buf: Buffer, position: number): void {
  for (let done = 0; done < buf.length; ) done += writeSync(fd, buf, done, buf.length - done, position + done);
}

export async function readAll(fh: FileHandle, buf: Buffer, position: number): Promise<number> {
  let got = 0;
  while (got < buf.length) {
    const { bytesRead } = await fh.read(buf, got, buf.length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}

export class RecordReadError extends Error {
  constructor(
    message: string,
    readonly code: 'missing' | 'damaged',
  ) {
    super(message);
  }
}

/** Reads and checks the frame at (off, len) of a segment. */
export async function readFrameAt(path: string, off: number, len: number): Promise<RawRecord> {
  let fh: FileHandle;
  try {
    fh = await fs.open(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new RecordReadError(`segment ${path} is gone`, 'missing');
    throw e;
  }
  try {
    const buf = Buffer.allocUnsafe(len);
    const got = await readAll(fh, buf, off);
    const check = checkFrame(buf.subarray(0, got), off);
    if (!check.ok || check.record.len !== len) throw new RecordReadError(`the record at ${path}:${off} is damaged (${check.ok ? 'length' : check.reason})`, 'damaged');
    return check.record;
  } finally {
    await fh.close();
  }
}

/** Reads the header record of a segment: the header, 'pending' while it is being written, or 'damaged'. */
export async function readHeader(path: string): Promise<HeaderBody | 'pending' | 'damaged' | 'missing'> {
  let fh: FileHandle;
  try {
    fh = await fs.open(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw e;
  }
  try {
    let buf = Buffer.allocUnsafe(64 * 1024);
    let got = await readAll(fh, buf, 0);
    let check = checkFrame(buf.subarray(0, got), 0);
    if (!check.ok && check.reason === 'short' && got === buf.length) {
      buf = Buffer.allocUnsafe(check.need);
      got = await readAll(fh, buf, 0);
      check = checkFrame(buf.subarray(0, got), 0);
    }
    if (!check.ok) return check.reason === 'short' ? 'pending' : 'damaged';
    if (check.record.kind !== RecordKind.Header) return 'damaged';
    const h = parseBody<HeaderBody>(check.record);
    return h.format === 'codi-journal' ? h : 'damaged';
  } finally {
    await fh.close();
  }
}

export interface Located {
  segment: string;
  off: number;
  len: number;
}

export interface WriterHooks {
  /** A new segment was created and its header is durable. */
  opened(name: string, header: HeaderBody, headerLen: number): void;
  /** The segment was sealed (its last record is a seal) and closed; `size` is its final length. */
  sealed(name: string, size: number): void;
}

export interface AppendHooks {
  /**
   * Runs synchronously once the frame is in the file, while the sync is still in flight (CPU work done
   * here overlaps the disk wait). Returns how to undo it if the sync fails.
   */
  written?(loc: Located): (() => void) | undefined;
  /** Runs synchronously once the frame is durable, before the append resolves, in append order. */
  durable?(loc: Located): void;
}

type Entry = { frame: Buffer; hooks: AppendHooks; resolve: () => void; reject: (e: unknown) => void } | { seal: boolean; resolve: () => void; reject: (e: unknown) => void };

/** This process's writer: one active segment at a time, rotated when it grows past `maxBytes`. */
export class JournalWriter {
  private fh: FileHandle | null = null;
  private name: string | null = null;
  private opening: string | null = null;
  private size = 0;
  private headerLen = 0;
  private queue: Entry[] = [];
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly journalDir: string,
    private readonly schema: number,
    private readonly maxBytes: number,
    private readonly hooks: WriterHooks,
  ) {}

  get activeSegment(): string | null {
    return this.name;
  }

  /** The segment being created (its file may exist before its header is durable). */
  get openingSegment(): string | null {
    return this.opening;
  }

  /** Appends a frame; resolves once it is on disk (fdatasync). See AppendHooks for the callbacks. */
  append(frame: Buffer, hooks: AppendHooks): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ frame, hooks, resolve, reject });
      this.kick();
    });
  }

  /** Seals the active segment so compaction may take it (an empty one only when `force`). */
  seal(force = false): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ seal: force, resolve, reject });
      this.kick();
    });
  }

  /** Waits for every queued append. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private kick(): void {
    this.flushing ??= this.flushLoop().finally(() => {
      this.flushing = null;
      if (this.queue.length) this.kick();
    });
  }

  private async flushLoop(): Promise<void> {
    while (this.queue.length) {
      const first = this.queue[0]!;
      if ('seal' in first) {
        this.queue.shift();
        await this.sealActive(first.seal).then(first.resolve, first.reject);
        continue;
      }
      const batch: Array<Extract<Entry, { frame: Buffer }>> = [];
      while (this.queue.length && !('seal' in this.queue[0]!) && batch.length < 512) batch.push(this.queue.shift() as Extract<Entry, { frame: Buffer }>);
      const bytes = batch.reduce((n, e) => n + e.frame.length, 0);
      try {
        if (this.fh && this.size > this.headerLen && this.size + bytes > this.maxBytes) await this.sealActive(true);
        if (!this.fh) await this.openNew();
        // The write only copies into the page cache (microseconds): done synchronously, it saves a trip
        // through the thread pool; the sync, which waits for the disk, stays asynchronous.
        writeAllSync(this.fh!.fd, batch.length === 1 ? batch[0]!.frame : Buffer.concat(batch.map((e) => e.frame), bytes), this.size);
        const locs: Located[] = [];
        for (let off = this.size, i = 0; i < batch.length; off += batch[i]!.frame.length, i++) locs.push({ segment: this.name!, off, len: batch[i]!.frame.length });
        // Start the sync first (it runs on the thread pool), then do the `written` work while it is in flight.
        const syncing = this.fh!.datasync();
        const undo = batch.map((e, i) => e.hooks.written?.(locs[i]!));
        try {
          await syncing;
        } catch (e) {
          for (const u of undo.reverse()) u?.();
          throw e;
        }
        this.size += bytes;
        batch.forEach((e, i) => e.hooks.durable?.(locs[i]!));
        for (const e of batch) e.resolve();
      } catch (err) {
        // Cut off whatever part of the batch reached the file, then report the failure to each caller.
        await this.fh?.truncate(this.size).catch(() => undefined);
        for (const e of batch) e.reject(err);
      }
    }
  }

  private async openNew(): Promise<void> {
    const name = newSegmentName();
    const header = headerFor(name, 'writer', this.schema);
    const frame = encodeRecord(RecordKind.Header, header);
    this.opening = name;
    try {
      const fh = await fs.open(join(this.journalDir, name), 'wx', 0o600);
      try {
        await writeAll(fh, frame, 0);
        await fh.sync();
        await syncDir(this.journalDir);
      } catch (e) {
        // Disk full or read-only: an empty segment would be read as a damaged one by every later open.
        await fh.close().catch(() => undefined);
        await fs.rm(join(this.journalDir, name), { force: true }).catch(() => undefined);
        throw e;
      }
      this.fh = fh;
      this.name = name;
      this.size = this.headerLen = frame.length;
      this.hooks.opened(name, header, frame.length);
    } finally {
      this.opening = null;
    }
  }

  private async sealActive(force: boolean): Promise<void> {
    const fh = this.fh;
    const name = this.name;
    if (!fh || !name || (!force && this.size === this.headerLen)) return;
    const frame = encodeRecord(RecordKind.Seal, { at: Date.now() });
    await writeAll(fh, frame, this.size);
    await fh.datasync();
    this.size += frame.length;
    await fh.close();
    this.fh = null;
    this.name = null;
    this.hooks.sealed(name, this.size);
  }

  /** Seals the active segment and refuses further appends. */
  async close(): Promise<void> {
    await this.seal(true);
    await this.drain();
  }
}
