import * as vscode from 'vscode';
import type { ExplainInput } from '../core/pipelines/explain';
import { explain } from '../core/pipelines/explain';
import type { HostAction, ResultViewState } from '../shared/protocol';
import { actionsFor, showFailure } from './errors';
import { ResultPanel } from './panels/resultPanel';
import type { Session } from './session';
import { readSettings } from './settings';

export interface ExplainDeps {
  session: Session;
  extensionUri: vscode.Uri;
  extensionVersion: string;
  log: vscode.LogOutputChannel;
  viewTrace(traceId: string): Promise<void>;
  runAction(action: HostAction): Promise<void>;
}

let trustConfirmed = false;

/** Asks once per window before sending code from an untrusted workspace to a model. */
async function confirmTrust(): Promise<boolean> {
  if (vscode.workspace.isTrusted || trustConfirmed) return true;
  const send = 'Send to Gemini';
  const picked = await vscode.window.showWarningMessage(
    'This workspace is not trusted. Send the selected code to Gemini?',
    { modal: true, detail: 'CODI sends the selection to the Gemini API to explain it. Nothing is sent unless you agree.' },
    send,
  );
  trustConfirmed = picked === send;
  return trustConfirmed;
}

/** Reads the selection of the active editor as the pipeline's input; null (after a message) if there is none. */
export function selectionInput(editor: vscode.TextEditor | undefined): ExplainInput | null {
  if (!editor) {
    void vscode.window.showWarningMessage('CODI: Open a file and select the code to explain.');
    return null;
  }
  const sel = editor.selection;
  if (sel.isEmpty) {
    void vscode.window.showWarningMessage('CODI: Select the code to explain first (or use the editor context menu on a selection).');
    return null;
  }
  const doc = editor.document;
  // A selection ending at column 0 of a line does not include that line.
  const endLine = sel.end.character === 0 && sel.end.line > sel.start.line ? sel.end.line - 1 : sel.end.line;
  return {
    code: doc.getText(sel),
    language: doc.languageId,
    file: vscode.workspace.asRelativePath(doc.uri, false),
    startLine: sel.start.line + 1,
    endLine: endLine + 1,
  };
}

/**
 * Runs "Explain Selection": progress notification with Cancel, streaming into the result panel, the
 * judge's badge, and a recorded trace in every outcome. Resolves with the trace id.
 */
export async function runExplain(input: ExplainInput, deps: ExplainDeps): Promise<string | null> {
  if (!(await confirmTrust())) return null;
  const settings = readSettings();
  const initial: ResultViewState = {
    kind: 'explain',
    traceId: null,
    title: `Explain ${input.file}:${input.startLine}–${input.endLine}`,
    status: 'running',
    markdown: '',
    model: settings.model,
    usage: null,
    costUsd: null,
    latencyMs: null,
    judge: null,
    judgeStatus: settings.judgeEnabled ? 'pending' : 'off',
    judgeError: null,
    error: null,
  };
  const panel = ResultPanel.show(deps.extensionUri, { viewTrace: deps.viewTrace, runAction: deps.runAction }, deps.log, initial);
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `CODI: Explaining ${input.file}:${input.startLine}–${input.endLine}`, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort());
      try {
        const ctx = await deps.session.modelContext(abort.signal);
        progress.report({ message: 'waiting for Gemini…' });
        let first = true;
        return await explain(input, {
          ...ctx,
          model: ctx.settings.model,
          judgeModel: ctx.settings.judgeModel,
          judgeEnabled: ctx.settings.judgeEnabled,
          maxInputChars: ctx.settings.maxInputChars,
          clientVersion: `vscode-codi/${deps.extensionVersion}`,
          onStart: (traceId) => panel.update({ traceId }),
          onText: (d) => {
            if (first) progress.report({ message: 'streaming…' });
            first = false;
            panel.append(d);
          },
          onJudging: () => {
            progress.report({ message: 'judging…' });
            panel.update({ status: 'judging' });
          },
        });
      } finally {
        sub.dispose();
      }
    },
  );
  const t = result.trace;
  const e = result.error;
  panel.update({
    traceId: t.id,
    status: e ? (e.kind === 'cancelled' ? 'cancelled' : 'error') : 'done',
    markdown: result.output,
    usage: t.usage,
    costUsd: t.costUsd,
    latencyMs: t.endTime === null ? null : t.endTime - t.startTime,
    judge: result.judge,
    judgeStatus: !settings.judgeEnabled ? 'off' : result.judge ? 'done' : result.judgeError ? 'error' : e ? 'off' : 'pending',
    judgeError: result.judgeError?.message ?? null,
    error: e && e.kind !== 'cancelled' ? { ...e.toInfo(), actions: actionsFor(e.kind) } : null,
  });
  deps.log.info(`explain ${t.id}: ${e ? `${e.kind}: ${e.message}` : `ok, score ${result.judge?.score ?? 'none'}`}, ${t.usage?.totalTokens ?? 0} tokens`);
  if (result.judgeError) deps.log.warn(`judge failed for ${t.id}: ${result.judgeError.message}`);
  if (e) {
    const action = await showFailure(e, deps.log, 'Explain');
    if (action === 'retry') return runExplain(input, deps);
  }
  return t.id;
}
