import * as vscode from 'vscode';
import { CodiError, toCodiError } from '../../core/errors';
import type { BatchItem, BatchSummary } from '../../core/run/batch';
import { batchSummary } from '../../core/run/batch';
import { runPipeline } from '../../core/run/registry';
import { confirmTrust } from './runner';
import type { RunDeps } from './runner';
import { documentInput } from './summarizeRun';

/** The files of an Explorer multi-selection (`(clicked, selected[])`), folders left out. */
export async function selectedFiles(clicked: unknown, selected: unknown): Promise<vscode.Uri[]> {
  const uris = (Array.isArray(selected) && selected.length ? selected : [clicked]).filter((u): u is vscode.Uri => u instanceof vscode.Uri);
  const files: vscode.Uri[] = [];
  for (const u of uris) {
    try {
      if ((await vscode.workspace.fs.stat(u)).type & vscode.FileType.File) files.push(u);
    } catch {
      // Gone since it was selected: reported by its absence in the count.
    }
  }
  return files;
}

/**
 * "Summarize Files": one summarize trace per file, one after another (a batch is an experiment without
 * expectations), progress with Cancel, then one notification: how many succeeded, failures grouped by kind.
 */
export async function runBatchSummarize(files: vscode.Uri[], deps: RunDeps): Promise<BatchSummary | undefined> {
  if (!files.length) {
    void vscode.window.showWarningMessage(vscode.l10n.t('CODI: Select one or more files in the Explorer to summarize (folders are skipped).'));
    return undefined;
  }
  // Without a key every case would fail the same way: say it once, with its next step.
  if (!(await deps.session.getApiKey())) throw new CodiError('no-key', vscode.l10n.t('No Gemini API key is set. Run "CODI: Set Gemini API Key".'));
  if (!(await confirmTrust())) return undefined;
  const items: BatchItem[] = [];
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: files.length === 1 ? vscode.l10n.t('CODI: Summarize 1 file') : vscode.l10n.t('CODI: Summarize {0} files', files.length), cancellable: true }, async (progress, token) => {
    const abort = new AbortController();
    const sub = token.onCancellationRequested(() => abort.abort());
    try {
      const { config, settings: _settings, ...ctx } = await deps.session.modelContext(abort.signal);
      for (const [i, uri] of files.entries()) {
        if (abort.signal.aborted) break;
        const label = vscode.workspace.asRelativePath(uri, false);
        progress.report({ increment: i ? 100 / files.length : 0, message: vscode.l10n.t('file {0}/{1} · {2}', i + 1, files.length, label) });
        try {
          const input = documentInput(await vscode.workspace.openTextDocument(uri));
          const r = await runPipeline('summarize', input, config, { ...ctx, tracer: ctx.tracer.with({ tags: ['batch'] }), clientVersion: `vscode-codi/${deps.extensionVersion}` });
          items.push({ label, error: r.error ? { kind: r.error.kind, message: r.error.message } : null });
          if (r.error) deps.log.warn(`summarize ${label} (${r.trace.id}): [${r.error.kind}] ${r.error.message}`);
          await deps.finished?.(r.trace.id).catch((e: unknown) => deps.log.warn(`after ${r.trace.id}: ${String(e)}`));
        } catch (err) {
          // The file could not be read (binary, too large, deleted): no trace, but it counts as failed.
          const e = toCodiError(err);
          items.push({ label, error: { kind: e.kind, message: e.message } });
          deps.log.warn(`summarize ${label}: [${e.kind}] ${e.message}`);
        }
      }
    } finally {
      sub.dispose();
    }
  });
  const s = batchSummary(items, files.length);
  deps.log.info(`batch summarize: ${s.text}`);
  const failed = s.failed.filter((g) => g.kind !== 'cancelled').length > 0;
  const show = failed ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  void show(vscode.l10n.t('CODI: {0}', s.text), vscode.l10n.t('Show Log')).then((a) => a && deps.log.show(true));
  return s;
}
