import type { FileHandle } from 'node:fs/promises';
import { promises as fs } from 'node:fs';
import type { FrameCheck, RawRecord } from './codec';
import { checkFrame, FRAME_HEADER, MAGIC, MAGIC_BYTES, MAX_BODY } from './codec';
import { readAll } from './journal';

/** Sequential reads of a segment happen in chunks of this size. */
const CHUNK = 4 * 1024 * 1024;
const BATCH = 2000;

/** A sliding read buffer over a file of known length. */
class FileWindow {
  private buf = Buffer.alloc(0);
  private start = 0;

  constructor(
    private readonly fh: FileHandle,
    readonly end: number,
  ) {}

  /** Bytes [from, from + n), clipped to the end of the file. */
  async view(from: number, n: number): Promise<Buffer> {
    const want = Math.max(0, Math.min(n, this.end - from));
    if (from >= this.start && from + want <= this.start + this.buf.length) return this.buf.subarray(from - this.start, from - this.start + want);
    // A fresh buffer each time: records handed out earlier keep pointing at their own bytes.
    const buf = Buffer.allocUnsafe(Math.min(Math.max(want, CHUNK), this.end - from));
    const got = await readAll(this.fh, buf, from);
    this.buf = buf.subarray(0, got);
    this.start = from;
    return this.buf.subarray(0, Math.min(want, got));
  }
}

async function frameAt(win: FileWindow, pos: number): Promise<FrameCheck> {
  const head = await win.view(pos, FRAME_HEADER);
  if (head.length < FRAME_HEADER) return { ok: false, reason: 'short', need: FRAME_HEADER };
  if (head.readUInt32LE(0) !== MAGIC) return { ok: false, reason: 'magic' };
  const bodyLen = head.readUInt32LE(4);
  if (bodyLen > MAX_BODY) return { ok: false, reason: 'length' };
  if (pos + FRAME_HEADER + bodyLen > win.end) return { ok: false, reason: 'short', need: FRAME_HEADER + bodyLen };
  return checkFrame(await win.view(pos, FRAME_HEADER + bodyLen), pos);
}

/** The offset of the next frame that checks out, at or after `from`, or null. */
async function resync(win: FileWindow, from: number): Promise<number | null> {
  for (let p = from; p + FRAME_HEADER <= win.end; ) {
    const v = await win.view(p, CHUNK);
    const i = v.indexOf(MAGIC_BYTES);
    if (i < 0) {
      p += Math.max(1, v.length - (MAGIC_BYTES.length - 1));
      continue;
    }
    const cand = p + i;
    if ((await frameAt(win, cand)).ok) return cand;
    p = cand + 1;
  }
  return null;
}

export interface SkippedRange {
  off: number;
  end: number;
  reason: string;
}

export interface ScanResult {
  /** Size of the file when the scan started. */
  size: number;
  /** Every byte before this offset was read or skipped (and listed in `skipped`). */
  covered: number;
  /** Damaged ranges skipped because a good record follows them. */
  skipped: SkippedRange[];
  /** Bytes at the end that do not form a good record: a record being written, or a torn one. */
  tail: { off: number; reason: string } | null;
}

/**
 * Reads a segment from `from` to its current end, handing good records to `onBatch` in file order.
 * A damaged frame followed by good ones is skipped (resynchronising on the magic); what cannot be
 * resolved at the end is returned as `tail` for the caller to judge (still being written, or torn).
 * Returns null when the file does not exist (any more).
 */
export async function scanSegment(path: string, from: number, onBatch: (records: RawRecord[]) => void): Promise<ScanResult | null> {
  let fh: FileHandle;
  try {
    fh = await fs.open(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const size = (await fh.stat()).size;
    const win = new FileWindow(fh, size);
    const skipped: SkippedRange[] = [];
    let batch: RawRecord[] = [];
    const flush = () => {
      if (batch.length) onBatch(batch);
      batch = [];
    };
    let pos = from;
    while (pos < size) {
      const r = await frameAt(win, pos);
      if (r.ok) {
        batch.push(r.record);
        pos += r.record.len;
        if (batch.length >= BATCH) flush();
        continue;
      }
      const next = await resync(win, pos + 1);
      if (next === null) {
        flush();
        return { size, covered: pos, skipped, tail: { off: pos, reason: r.reason } };
      }
      skipped.push({ off: pos, end: next, reason: r.reason });
      pos = next;
    }
    flush();
    return { size, covered: pos, skipped, tail: null };
  } finally {
    await fh.close();
  }
}
