import type { FileHandle } from 'node:fs/promises';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { HeaderBody, SegmentRole } from './codec';
import { encodeRecord, RecordKind } from './codec';
import { headerFor, newSegmentName, syncDir, writeAll } from './journal';

const FLUSH_BYTES = 4 * 1024 * 1024;
export const TMP_SUFFIX = '.tmp';

/**
 * Writes a whole sealed segment (compaction output, migrated traces) under a temporary name, then
 * publishes it with one rename: readers see all of it or none of it.
 */
export class SegmentBuilder {
  private size = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  private constructor(
    private readonly journalDir: string,
    readonly name: string,
    readonly header: HeaderBody,
    private readonly fh: FileHandle,
  ) {}

  private get tmpPath(): string {
    return join(this.journalDir, `.${this.name}${TMP_SUFFIX}`);
  }

  static async create(journalDir: string, role: SegmentRole, schema: number, supersedes?: string[]): Promise<SegmentBuilder> {
    const name = newSegmentName();
    const header = headerFor(name, role, schema, supersedes);
    const fh = await fs.open(join(journalDir, `.${name}${TMP_SUFFIX}`), 'wx', 0o600);
    const b = new SegmentBuilder(journalDir, name, header, fh);
    await b.add(encodeRecord(RecordKind.Header, header));
    return b;
  }

  /** Adds a frame; returns its offset in the segment. */
  async add(frame: Buffer): Promise<number> {
    const off = this.size;
    this.pending.push(frame);
    this.pendingBytes += frame.length;
    this.size += frame.length;
    if (this.pendingBytes >= FLUSH_BYTES) await this.flush();
    return off;
  }

  private async flush(): Promise<void> {
    if (!this.pendingBytes) return;
    const buf = Buffer.concat(this.pending, this.pendingBytes);
    const at = this.size - this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    await writeAll(this.fh, buf, at);
  }

  /** Seals, syncs and publishes the segment. Returns its final size. */
  async commit(): Promise<number> {
    await this.add(encodeRecord(RecordKind.Seal, { at: Date.now() }));
    await this.flush();
    await this.fh.sync();
    await this.fh.close();
    await fs.rename(this.tmpPath, join(this.journalDir, this.name));
    await syncDir(this.journalDir);
    return this.size;
  }

  async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await fs.rm(this.tmpPath, { force: true });
  }
}
