/** The end-of-batch summary ("Summarize Files"): what succeeded, and the failures grouped by error kind. */
import type { ErrorKind } from '../../shared/types';

export interface BatchItem {
  /** What was run, e.g. a file path. */
  label: string;
  error: { kind: ErrorKind; message: string } | null;
}

export interface BatchSummary {
  succeeded: number;
  /** Not run because the batch was cancelled first. */
  skipped: number;
  failed: Array<{ kind: ErrorKind; labels: string[]; message: string }>;
  /** One line for a notification. */
  text: string;
}

export function batchSummary(items: readonly BatchItem[], total: number): BatchSummary {
  const groups = new Map<ErrorKind, { kind: ErrorKind; labels: string[]; message: string }>();
  let succeeded = 0;
  for (const i of items) {
    if (!i.error) { succeeded++; continue; }
    const g = groups.get(i.error.kind) ?? { kind: i.error.kind, labels: [], message: i.error.message };
    g.labels.push(i.label);
    groups.set(i.error.kind, g);
  }
  const failed = [...groups.values()].sort((a, b) => b.labels.length - a.labels.length || a.kind.localeCompare(b.kind));
  const skipped = Math.max(0, total - items.length);
  const parts = [`${succeeded} of ${total} file${total === 1 ? '' : 's'} summarized`];
  for (const g of failed) parts.push(`${g.labels.length} ${g.kind} (${g.labels.slice(0, 3).join(', ')}${g.labels.length > 3 ? ', …' : ''}): ${g.message}`);
  if (skipped) parts.push(`${skipped} not run (cancelled)`);
  return { succeeded, skipped, failed, text: parts.join('; ') };
}
