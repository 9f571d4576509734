import * as vscode from 'vscode';
import { frustrationScore } from '../core/analysis/frustration';
import type { AnnotationChange } from '../shared/annotation';
import { ratingScore } from '../shared/annotation';
import type { UserRating } from '../shared/protocol';
import type { TraceRecord } from '../shared/types';
import type { OpikController } from './opikController';
import { ResultPanel } from './panels/resultPanel';
import { TracePanel } from './panels/tracePanel';
import type { Session } from './session';
import { readAnnotationLabels } from './settings';

/** Where a trace's input came from: a workspace-relative (or absolute) file and 1-based lines. */
export function codeLocation(t: TraceRecord): { file: string; startLine: number; endLine: number } | null {
  const input = typeof t.input === 'object' && t.input !== null ? (t.input as Record<string, unknown>) : {};
  const file = typeof input.file === 'string' && input.file ? input.file : typeof t.metadata.file === 'string' ? t.metadata.file : null;
  if (!file) return null;
  const line = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null);
  const start = line(input.startLine) ?? line(input.cursorLine) ?? 1;
  return { file, startLine: start, endLine: Math.max(start, line(input.endLine) ?? start) };
}

/** What the panels and the Traces view can do with a trace: open it, open it in Opik, rate it, reveal its code, delete it. */
export class TraceActions {
  constructor(
    private readonly session: Session,
    private readonly opik: OpikController,
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  readonly show = async (traceId: string): Promise<void> => {
    const trace = await (await this.session.getStore()).get(traceId);
    if (!trace) {
      void vscode.window.showWarningMessage(vscode.l10n.t('CODI: Trace {0} is not in the local history (it may have been deleted).', traceId));
      return;
    }
    TracePanel.show(this.extensionUri, this.log, { trace, opik: await this.opik.status(traceId), labels: readAnnotationLabels() }, this);
    // The walkthrough's "Read the trace" step completes on this context key.
    void vscode.commands.executeCommand('setContext', 'codi.traceViewed', true);
  };

  readonly openInOpik = (traceId: string): Promise<void> => this.opik.open(traceId);

  /**
   * Stores a rating as a `user` score named "rating" (0..1; stars n → (n-1)/4; the kind in `reason`),
   * then queues it for Opik as a feedback-score update. The latest rating is the one that counts.
   */
  readonly rate = async (traceId: string, rating: UserRating): Promise<void> => {
    const store = await this.session.getStore();
    if (!(await store.get(traceId))) {
      await this.refreshPanels(traceId);
      throw new Error(vscode.l10n.t('This trace was deleted from the local history, so the rating cannot be stored.'));
    }
    await store.addScores(traceId, [ratingScore(rating)]);
    this.log.info(`rated ${traceId}: ${rating.kind} ${rating.value}`);
    await this.opik.scoresChanged(traceId);
    if (ResultPanel.currentTraceId() === traceId) ResultPanel.patchCurrent({ rating });
    await this.refreshPanels(traceId);
  };

  /**
   * Changes a trace's review state, note or labels ("Mark for Review", the trace panel's review section),
   * then queues the change for Opik (labels as categorical scores, the note as a comment). Views follow
   * the store's change event.
   */
  readonly annotate = async (traceId: string, change: AnnotationChange): Promise<void> => {
    const store = await this.session.getStore();
    if (!(await store.get(traceId))) {
      await this.refreshPanels(traceId);
      throw new Error(vscode.l10n.t('This trace was deleted from the local history, so the review cannot be stored.'));
    }
    const a = await store.annotations().update(traceId, change);
    this.log.info(`annotated ${traceId}: review ${a.review ?? 'none'}, ${a.labels.length} label(s), note ${a.note ? 'set' : 'empty'}`);
    await this.opik.scoresChanged(traceId);
    await this.refreshPanels(traceId);
  };

  /** Opens the file the trace's code came from and selects its lines. */
  readonly revealCode = async (traceId: string): Promise<void> => {
    const trace = await (await this.session.getStore()).get(traceId);
    const where = trace ? codeLocation(trace) : null;
    if (!where) {
      void vscode.window.showInformationMessage(vscode.l10n.t('CODI: This trace does not come from a file (it was run on a prompt alone).'));
      return;
    }
    const uri = await this.resolve(where.file);
    if (!uri) {
      void vscode.window.showWarningMessage(vscode.l10n.t('CODI: {0} is not in this workspace (the trace may come from another folder or the CLI).', where.file));
      return;
    }
    const doc = await vscode.workspace.openTextDocument(uri);
    const last = Math.min(where.endLine, doc.lineCount) - 1;
    const range = new vscode.Range(Math.min(where.startLine - 1, last), 0, last, doc.lineAt(last).text.length);
    await vscode.window.showTextDocument(doc, { selection: range, viewColumn: vscode.ViewColumn.One });
  };

  readonly copyId = async (traceId: string): Promise<void> => {
    await vscode.env.clipboard.writeText(traceId);
    void vscode.window.setStatusBarMessage(vscode.l10n.t('CODI: trace ID {0} copied', traceId), 3000);
  };

  /** Deletes one trace after a confirmation; open panels showing it say so. */
  readonly delete = async (traceId: string, name: string): Promise<void> => {
    const yes = vscode.l10n.t('Delete Trace');
    const pick = await vscode.window.showWarningMessage(vscode.l10n.t('Delete the trace "{0}"?', name), { modal: true, detail: vscode.l10n.t('A copy already exported to Opik stays there.') }, yes);
    if (pick !== yes) return;
    const { deleted } = await (await this.session.getStore()).deleteTraces([traceId]);
    this.log.info(`deleted trace ${traceId} (${deleted})`);
    await this.refreshPanels(traceId);
  };

  private async resolve(file: string): Promise<vscode.Uri | null> {
    const candidates = file.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(file)
      ? [vscode.Uri.file(file)]
      : (vscode.workspace.workspaceFolders ?? []).flatMap((f) => [vscode.Uri.joinPath(f.uri, file), vscode.Uri.joinPath(f.uri, '..', file)]);
    for (const uri of candidates) {
      if (await vscode.workspace.fs.stat(uri).then(() => true, () => false)) return uri;
    }
    return null;
  }

  /**
   * Brings open panels in line with the store: new scores and Opik state for the trace they show, and a
   * "deleted" state once it is gone (Clear History, Delete, retention, another window). `null`: any trace.
   */
  /**
   * After a run: if its thread shows frustration (three asks on the same code within ten minutes, or a
   * re-ask after a thumbs-down), records a `frustration` heuristic score on it, exported to Opik as feedback.
   */
  readonly checkFrustration = async (traceId: string): Promise<void> => {
    const store = await this.session.getStore();
    const threadId = (await store.get(traceId))?.threadId;
    if (!threadId) return;
    const runs = store.analysis().thread(threadId);
    if (runs[0]?.id !== traceId) return; // only the thread's latest run is scored
    const score = frustrationScore(runs);
    if (!score) return;
    await store.addScores(traceId, [score]);
    this.log.info(`frustration on thread ${threadId}: ${score.reason}`);
    await this.opik.scoresChanged(traceId);
  };

  /** Re-sends a trace (new scores, new Opik state) to the trace panel if it shows that trace. */
  async refreshPanels(traceId: string | null): Promise<void> {
    const store = await this.session.getStore();
    const shown = TracePanel.currentTraceId();
    if (shown && (traceId === null || shown === traceId)) {
      const trace = await store.get(shown);
      if (trace) TracePanel.update({ trace, opik: await this.opik.status(shown), labels: readAnnotationLabels() });
      else TracePanel.markDeleted();
    }
    const result = ResultPanel.currentState();
    const id = result?.traceId;
    if (!result || !id || (traceId !== null && id !== traceId)) return;
    // A running result's trace is written when the run ends: only a finished one can have been deleted.
    const finished = result.status !== 'running' && result.status !== 'judging';
    if (finished && !(await store.get(id))) {
      if (!result.deleted) ResultPanel.patchCurrent({ deleted: true, opik: null });
      return;
    }
    ResultPanel.patchCurrent({ opik: await this.opik.status(id) });
  }
}
