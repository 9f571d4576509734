import * as vscode from 'vscode';
import type { ExperimentsViewState } from '../../shared/experimentsProtocol';
import { Disposable } from '../disposable';
import { WebviewChannel } from '../panels/webviewChannel';
import { renderWebviewHtml, webviewOptions } from '../panels/webviewHtml';

/** The Experiments panel: one run (deltas to its previous run) or two runs compared. One panel, reused. */
export class ExperimentsPanel extends Disposable {
  private static current: ExperimentsPanel | undefined;
  private readonly channel: WebviewChannel;

  static show(extensionUri: vscode.Uri, log: vscode.LogOutputChannel, state: ExperimentsViewState, showTrace: (traceId: string) => Promise<void>): ExperimentsPanel {
    const existing = ExperimentsPanel.current;
    if (existing && !existing.isDisposed) {
      existing.setState(state);
      existing.panel.reveal(undefined, false);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel('codi.experiments', 'CODI Experiment', { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, { ...webviewOptions(extensionUri), retainContextWhenHidden: false });
    ExperimentsPanel.current = new ExperimentsPanel(panel, extensionUri, log, state, showTrace);
    return ExperimentsPanel.current;
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    log: vscode.LogOutputChannel,
    private state: ExperimentsViewState,
    showTrace: (traceId: string) => Promise<void>,
  ) {
    super();
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'codi.svg');
    this._register(panel.onDidDispose(() => this.dispose()));
    this.channel = this._register(
      new WebviewChannel(panel.webview, { viewTrace: async ({ traceId }) => (await showTrace(traceId), { ok: true }) }, () => this.channel.post('experiments/state', this.state), log),
    );
    this.setTitle();
    panel.webview.html = renderWebviewHtml({ webview: panel.webview, extensionUri, panel: 'experiments', title: 'CODI Experiment' });
  }

  setState(state: ExperimentsViewState): void {
    this.state = state;
    this.setTitle();
    this.channel.post('experiments/state', state);
  }

  private setTitle(): void {
    const s = this.state;
    this.panel.title = s.mode === 'compare' && s.other ? `CODI Compare · ${s.other.name} → ${s.run.name}` : `CODI Experiment · ${s.run.name}`;
  }

  override dispose(): void {
    if (ExperimentsPanel.current === this) ExperimentsPanel.current = undefined;
    this.panel.dispose();
    super.dispose();
  }
}
