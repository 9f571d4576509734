import { createReadStream, promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import * as vscode from 'vscode';
import type { ImportResult } from '../core/export/jsonl';
import { describeImport, exportTraces, importTraces, jsonlText } from '../core/export/jsonl';
import { otlpJson } from '../core/export/otlp';
import { createRedactor } from '../core/redact/redact';
import { plural } from '../shared/text';
import type { CommandId } from './commandIds';
import { pickOne } from './pickers';
import type { Session } from './session';
import { readSettings } from './settings';
import { describeFilter, filterFor, isFiltered } from './views/traceFilter';
import type { TracesTree } from './views/tracesTree';

type Handler = (...args: unknown[]) => unknown;
export type ExportCommandId = Extract<CommandId, 'codi.exportTraces' | 'codi.importTraces'>;
type Format = 'jsonl' | 'otlp';

export interface ExportCommandContext {
  session: Session;
  tree: TracesTree;
  log: vscode.LogOutputChannel;
  version: string;
}

/** Tests and other extensions may pass `{format, path}` instead of answering the pickers. */
function argOf(arg: unknown): { format?: Format; path?: string } {
  if (!arg || typeof arg !== 'object') return {};
  const o = arg as Record<string, unknown>;
  return { format: o.format === 'jsonl' || o.format === 'otlp' ? o.format : undefined, path: typeof o.path === 'string' ? o.path : undefined };
}

/** "CODI: Export Traces…" and "CODI: Import Traces…": their part of the one command table. */
export function exportCommands(c: ExportCommandContext): Record<ExportCommandId, Handler> {
  const today = () => new Date().toISOString().slice(0, 10);

  const exportTo = async (format: Format, path: string): Promise<number | undefined> => {
    const store = await c.session.getStore();
    await store.refresh();
    const filter = filterFor(c.tree.filter);
    const total = store.query({ ...filter, limit: 1, withTotal: true }).total ?? 0;
    const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
    const opts = { redactor: createRedactor(readSettings().redactPatterns), version: c.version, client: 'vscode' };
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: total === 1 ? vscode.l10n.t('CODI: Exporting 1 trace') : vscode.l10n.t('CODI: Exporting {0} traces', total), cancellable: true }, async (progress, token) => {
      const file = await fs.open(tmp, 'w');
      let n = 0;
      try {
        for await (const line of exportTraces(store, filter)) {
          if (token.isCancellationRequested) break;
          await file.write(`${format === 'jsonl' ? jsonlText(line) : Buffer.from(otlpJson([line.trace], opts)).toString('utf8')}\n`);
          n += 1;
          if (total) progress.report({ increment: 100 / total, message: vscode.l10n.t('{0} of {1}', n, total) });
        }
        await file.sync();
      } finally {
        await file.close();
      }
      // Nothing half written: a cancelled export leaves no file, a finished one appears whole.
      if (token.isCancellationRequested) {
        await fs.rm(tmp, { force: true });
        return undefined;
      }
      await fs.rename(tmp, path);
      return n;
    });
  };

  const importFrom = async (path: string): Promise<ImportResult> => {
    const store = await c.session.getStore();
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('CODI: Importing {0}', basename(path)) }, (progress) =>
      importTraces(store, createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity }), (r) => progress.report({ message: vscode.l10n.t('{0} imported, {1} already there', r.imported, r.skipped) })),
    );
  };

  return {
    'codi.exportTraces': async (arg?: unknown) => {
      const given = argOf(arg);
      const format =
        given.format ??
        (
          await pickOne(
            [
              { label: 'JSONL', description: vscode.l10n.t('lossless; CODI can import it again (prompt versions included)'), format: 'jsonl' as const },
              { label: 'OTLP JSON', description: vscode.l10n.t('OpenTelemetry GenAI spans for AI Toolkit, Phoenix or any OTLP backend (secrets redacted)'), format: 'otlp' as const },
            ],
            { title: isFiltered(c.tree.filter) ? vscode.l10n.t('CODI: Export Traces ({0})', describeFilter(c.tree.filter)) : vscode.l10n.t('CODI: Export Traces') },
          )
        )?.format;
      if (!format) return undefined;
      const path =
        given.path ??
        (
          await vscode.window.showSaveDialog({
            title: vscode.l10n.t('CODI: Export Traces'),
            defaultUri: vscode.Uri.file(join(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? homedir(), `codi-traces-${today()}${format === 'otlp' ? '.otlp' : ''}.jsonl`)),
            filters: { [vscode.l10n.t('JSON Lines')]: ['jsonl'], [vscode.l10n.t('All files')]: ['*'] },
          })
        )?.fsPath;
      if (!path) return undefined;
      const n = await exportTo(format, path);
      if (n === undefined) {
        void vscode.window.showInformationMessage(vscode.l10n.t('CODI: Export cancelled; no file was written.'));
        return undefined;
      }
      c.log.info(`export: ${plural(n, 'trace')} as ${format} to ${path}`);
      void vscode.window.showInformationMessage(n === 1 ? vscode.l10n.t('CODI: Exported 1 trace to {0}.', basename(path)) : vscode.l10n.t('CODI: Exported {0} traces to {1}.', n, basename(path)), vscode.l10n.t('Open File')).then((a) => (a ? vscode.window.showTextDocument(vscode.Uri.file(path)) : undefined));
      return n;
    },
    'codi.importTraces': async (arg?: unknown) => {
      const path =
        argOf(arg).path ??
        (await vscode.window.showOpenDialog({ title: vscode.l10n.t('CODI: Import Traces'), canSelectMany: false, openLabel: vscode.l10n.t('Import'), filters: { [vscode.l10n.t('CODI JSONL export')]: ['jsonl', 'json'], [vscode.l10n.t('All files')]: ['*'] } }))?.[0]?.fsPath;
      if (!path) return undefined;
      const r = await importFrom(path);
      c.tree.refresh();
      for (const b of r.bad) c.log.warn(`import ${basename(path)}: line ${b.line}: ${b.message}`);
      c.log.info(`import ${path}: ${describeImport(r, 0)}`);
      const msg = vscode.l10n.t('CODI: {0}: {1}.', basename(path), describeImport(r, 3));
      if (r.bad.length) void vscode.window.showWarningMessage(msg, vscode.l10n.t('Show Log')).then((a) => a && c.log.show(true));
      else void vscode.window.showInformationMessage(msg);
      return r;
    },
  };
}
