import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import type * as vscode from 'vscode';
import type { TraceStore } from '../core/store/traceStore';

/** Appends by other processes arrive in bursts (a trace and its prompt versions, a compaction): read them once. */
const SETTLE_MS = 250;

/**
 * Notices other writers (the CLI, other windows) as soon as they append: watches the store's journal folder
 * and catches up (`store.refresh()`, which fires the store's change event when something new was read).
 * The Traces view's poll stays as the fallback where file events do not arrive (network file systems).
 */
export function watchJournal(store: TraceStore, log: vscode.LogOutputChannel): vscode.Disposable {
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  const refresh = () => {
    timer = undefined;
    store.refresh().catch((e: unknown) => log.warn(`store: refresh after a journal change failed: ${String(e)}`));
  };
  try {
    watcher = watch(store.journalDir, { persistent: false }, () => {
      timer ??= setTimeout(refresh, SETTLE_MS);
    });
    watcher.on('error', (e) => log.warn(`store: cannot watch ${store.journalDir} (${String(e)}); other writers are seen by polling`));
  } catch (e) {
    log.warn(`store: cannot watch ${store.journalDir} (${String(e)}); other writers are seen by polling`);
  }
  return { dispose: () => (clearTimeout(timer), watcher?.close()) };
}
