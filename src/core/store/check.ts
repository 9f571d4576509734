import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { JOURNAL_DIR } from './manifest';
import { listSegments, readHeader, writerAlive } from './journal';
import { scanSegment } from './scan';

/** One problem `checkStore` found on disk. */
export interface CheckFinding {
  kind: 'damaged-bytes' | 'torn-tail' | 'damaged-header' | 'quarantined' | 'stale-temporary' | 'not-a-file';
  /** Path relative to the store folder. */
  path: string;
  offset?: number;
  bytes?: number;
  detail: string;
}

export interface CheckReport {
  segments: number;
  records: number;
  bytes: number;
  findings: CheckFinding[];
}

/**
 * Reads every journal segment from its first byte and lists what cannot be read: damaged ranges, torn
 * tails of writers that are gone, damaged headers, segments compaction set aside, and leftovers. Reads
 * only; changes nothing. (The store reports damage once, when it first reads it; this finds it again.)
 */
export async function checkStore(dir: string): Promise<CheckReport> {
  const journal = join(dir, JOURNAL_DIR);
  const report: CheckReport = { segments: 0, records: 0, bytes: 0, findings: [] };
  for (const name of await listSegments(journal)) {
    const path = join(journal, name);
    const rel = `${JOURNAL_DIR}/${name}`;
    const st = await fs.stat(path).catch(() => null);
    if (!st) continue;
    if (!st.isFile()) {
      report.findings.push({ kind: 'not-a-file', path: rel, detail: 'a journal segment that is not a regular file' });
      continue;
    }
    report.segments++;
    report.bytes += st.size;
    const header = await readHeader(path);
    if (header === 'missing') continue;
    if (header === 'damaged') report.findings.push({ kind: 'damaged-header', path: rel, offset: 0, detail: 'the segment header cannot be read' });
    const res = await scanSegment(path, 0, (records) => (report.records += records.length));
    if (!res) continue;
    for (const s of res.skipped) report.findings.push({ kind: 'damaged-bytes', path: rel, offset: s.off, bytes: s.end - s.off, detail: `damaged bytes (${s.reason}); the records around them are kept` });
    const live = typeof header === 'object' && header.role === 'writer' && writerAlive(header);
    if (res.tail && !live) report.findings.push({ kind: 'torn-tail', path: rel, offset: res.tail.off, bytes: res.size - res.tail.off, detail: `an incomplete last record (${res.tail.reason}) left by a writer that stopped mid-write` });
  }
  for (const name of await fs.readdir(join(journal, 'damaged')).catch(() => [] as string[])) {
    report.findings.push({ kind: 'quarantined', path: `${JOURNAL_DIR}/damaged/${name}`, detail: 'a segment with damaged records, set aside by compaction (its readable records were kept)' });
  }
  for (const [folder, rel] of [
    [dir, ''],
    [journal, `${JOURNAL_DIR}/`],
  ] as const) {
    for (const name of await fs.readdir(folder).catch(() => [] as string[])) {
      if (name.endsWith('.tmp')) report.findings.push({ kind: 'stale-temporary', path: `${rel}${name}`, detail: 'a temporary file (removed on the next open once its writer is gone)' });
    }
  }
  return report;
}
