import * as vscode from 'vscode';
import type { ExperimentsViewState } from '../../shared/experimentsProtocol';
import type { OpikLinkState } from '../../shared/protocol';
import { Disposable } from '../disposable';
import { WebviewChannel } from '../panels/webviewChannel';
import { renderWebviewHtml, webviewOptions } from '../panels/webviewHtml';

/** What the panel needs of the Opik export (OpikController). */
export interface ExperimentOpik {
  experimentStatus(runId: string): Promise<OpikLinkState | null>;
  openExperiment(runId: string): Promise<void>;
  /** Fires when an export state changed (null: possibly an experiment's). */
  readonly onDidChange: vscode.Event<string | null>;
}

export interface ExperimentsPanelActions {
  showTrace: (traceId: string) => Promise<void>;
  opik: ExperimentOpik;
}

/** The Experiments panel: one run (deltas to its previous run) or two runs compared. One panel, reused. */
export class ExperimentsPanel extends Disposable {
  private static current: ExperimentsPanel | undefined;
  private readonly channel: WebviewChannel;

  static show(extensionUri: vscode.Uri, log: vscode.LogOutputChannel, state: ExperimentsViewState, actions: ExperimentsPanelActions): ExperimentsPanel {
    const existing = ExperimentsPanel.current;
    if (existing && !existing.isDisposed) {
      existing.setState(state);
      existing.panel.reveal(undefined, false);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel('codi.experiments', vscode.l10n.t('CODI Experiment'), { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, { ...webviewOptions(extensionUri), retainContextWhenHidden: false });
    ExperimentsPanel.current = new ExperimentsPanel(panel, extensionUri, log, state, actions);
    return ExperimentsPanel.current;
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    log: vscode.LogOutputChannel,
    private state: ExperimentsViewState,
    private readonly actions: ExperimentsPanelActions,
  ) {
    super();
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'codi.svg');
    this._register(panel.onDidDispose(() => this.dispose()));
    this.channel = this._register(
      new WebviewChannel(
        panel.webview,
        {
          viewTrace: async ({ traceId }) => (await actions.showTrace(traceId), { ok: true }),
          openExperimentInOpik: async ({ runId }) => (await actions.opik.openExperiment(runId), { ok: true }),
        },
        () => this.channel.post('experiments/state', this.state),
        log,
      ),
    );
    // The run's Opik state changes after the panel opened (queued → sent): re-read it then.
    this._register(actions.opik.onDidChange((id) => (id === null ? void this.refreshOpik() : undefined)));
    this.setTitle();
    panel.webview.html = renderWebviewHtml({ webview: panel.webview, extensionUri, panel: 'experiments', title: vscode.l10n.t('CODI Experiment') });
    void this.refreshOpik();
  }

  /** The run id and Opik state the open panel shows (end-to-end tests); null when no panel is open. */
  static shownOpik(): { runId: string; opik: ExperimentsViewState['opik'] } | null {
    const p = ExperimentsPanel.current;
    return p && !p.isDisposed ? { runId: p.state.run.runId, opik: p.state.opik ?? null } : null;
  }

  setState(state: ExperimentsViewState): void {
    this.state = { ...state, opik: state.run.runId === this.state.run.runId ? this.state.opik : null };
    this.setTitle();
    this.channel.post('experiments/state', this.state);
    void this.refreshOpik();
  }

  private async refreshOpik(): Promise<void> {
    const runId = this.state.run.runId;
    const opik = await this.actions.opik.experimentStatus(runId).catch(() => null);
    if (this.isDisposed || this.state.run.runId !== runId) return;
    const before = this.state.opik ?? null;
    if (before?.state === opik?.state && before?.url === opik?.url && before?.lastError === opik?.lastError) return;
    this.state = { ...this.state, opik };
    this.channel.post('experiments/state', this.state);
  }

  private setTitle(): void {
    const s = this.state;
    this.panel.title = s.mode === 'compare' && s.other ? vscode.l10n.t('CODI Compare · {0} → {1}', s.other.name, s.run.name) : vscode.l10n.t('CODI Experiment · {0}', s.run.name);
  }

  override dispose(): void {
    if (ExperimentsPanel.current === this) ExperimentsPanel.current = undefined;
    this.panel.dispose();
    super.dispose();
  }
}
