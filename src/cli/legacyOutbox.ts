/**
 * The Opik outbox file earlier versions of the CLI kept (`$CODI_HOME/opik-outbox.json`), carried into the trace
 * store's journal outbox (outboxRecords.ts) the first time a command uses the outbox.
 */
import { existsSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { FileOutboxStore } from '../core/opik/fileOutbox';
import { withFileLock } from '../core/store/fileLock';
import type { JournalOutboxStore } from '../core/store/outboxRecords';
import type { TraceStore } from '../core/store/traceStore';
import { note, storeDir } from './common';


/** The outbox file of earlier versions of the CLI, carried into the store's journal on first use. */
export function legacyOutboxPath(): string {
  return join(storeDir(), 'opik-outbox.json');
}

/**
 * Carries `opik-outbox.json` (earlier versions) into the store's journal: every entry the journal lacks is
 * adopted (so an interrupted move and a re-run add nothing twice), then the file is renamed
 * `opik-outbox.json.migrated-<time>`, never deleted. Under the file's own lock, which earlier versions take too.
 */
export async function adoptLegacyOutbox(traces: TraceStore): Promise<void> {
  const path = legacyOutboxPath();
  if (!existsSync(path)) return;
  await withFileLock(`${path}.lock`, async () => {
    if (!existsSync(path)) return;
    const file = await FileOutboxStore.open(path);
    for (const w of file.warnings) note(`codi: ${w}`);
    const outbox = traces.outbox();
    if (file.setAside) await salvage(outbox, file.setAside);
    const adopted = await outbox.adopt(await file.entries(), Date.now());
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    if (existsSync(path)) await fs.rename(path, `${path}.migrated-${stamp}`);
    if (adopted) note(`codi: moved ${adopted} Opik outbox entr${adopted === 1 ? 'y' : 'ies'} from ${path} into the trace store (the file is kept as ${path}.migrated-${stamp}).`);
  });
}

let salvaged: { aside: string; recovered: number } | null = null;

/**
 * An outbox file that cannot be parsed (truncated, edited by hand) is moved aside by FileOutboxStore; the
 * traces it queued are not dropped silently: every trace id still readable in it that was not marked sent
 * is queued again (ids are stable: a trace Opik already has is not duplicated).
 */
async function salvage(store: JournalOutboxStore, aside: string): Promise<void> {
  const text = await fs.readFile(aside, 'utf8').catch(() => '');
  const ids = new Set<string>();
  for (const m of text.matchAll(/"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"\s*:\s*\{([^{}]*)/g)) {
    if (!/"state"\s*:\s*"sent"/.test(m[2]!) && !/"seq"\s*:/.test(m[2]!)) ids.add(m[1]!);
  }
  for (const id of ids) await store.enqueue(id, Date.now());
  salvaged = { aside, recovered: ids.size };
  note(ids.size ? `codi: re-queued ${ids.size} trace(s) found in the unreadable outbox (kept as ${aside}).` : `codi: no queued trace could be read from the unreadable outbox (kept as ${aside}); \`codi opik sync <trace id>…\` queues traces again.`);
}


/** What was recovered from an unreadable outbox in this process (null: the outbox was fine). */
export function salvagedOutbox(): { aside: string; recovered: number } | null {
  return salvaged;
}
