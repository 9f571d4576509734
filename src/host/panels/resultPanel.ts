import * as vscode from 'vscode';
import type { HostAction, ResultViewState, UserRating } from '../../shared/protocol';
import type { PanelHandlers } from './panelBase';
import { copyToClipboard, PanelBase } from './panelBase';
import { webviewOptions } from './webviewHtml';
import { openModelLink } from '../links';

export interface ResultPanelActions {
  viewTrace(traceId: string): Promise<void>;
  runAction(action: HostAction): Promise<void>;
  /** Generate results: show the diff, apply the code, or discard it. */
  generated(action: 'showDiff' | 'accept' | 'reject'): Promise<void>;
  openInOpik(traceId: string): Promise<void>;
  rate(traceId: string, rating: UserRating): Promise<void>;
  /** Stops the run in progress (the panel's Stop button). */
  cancel(): void;
}

/**
 * The result panel beside the editor: one panel, reused by each run, showing the streamed answer,
 * its judge badge and criteria, and follow-up actions.
 */
export class ResultPanel extends PanelBase {
  static readonly viewType = 'codi.result';
  private static current: ResultPanel | undefined;

  static show(extensionUri: vscode.Uri, actions: ResultPanelActions, log: vscode.LogOutputChannel, initial: ResultViewState): ResultPanel {
    const existing = ResultPanel.current;
    if (existing && !existing.closed) {
      existing.panel.reveal(vscode.ViewColumn.Beside, true);
      existing.replace(initial);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(ResultPanel.viewType, 'CODI', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      ...webviewOptions(extensionUri),
      retainContextWhenHidden: true,
    });
    return ResultPanel.adopt(panel, extensionUri, actions, log, initial);
  }

  /** Takes over a panel VS Code restored after a reload (see serializers.ts), or a new one. */
  static adopt(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, actions: ResultPanelActions, log: vscode.LogOutputChannel, state: ResultViewState): ResultPanel {
    if (ResultPanel.current && !ResultPanel.current.closed) ResultPanel.current.dispose();
    ResultPanel.current = new ResultPanel(panel, extensionUri, actions, log, state);
    return ResultPanel.current;
  }

  private constructor(
    panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly actions: ResultPanelActions,
    log: vscode.LogOutputChannel,
    private state: ResultViewState,
  ) {
    super(panel, { extensionUri, log, kind: 'result', title: 'CODI' });
    this.updateTitle();
  }

  protected handlers(): PanelHandlers {
    const ok = { ok: true } as const;
    // Read `this.actions` when a request comes: this runs in the base constructor, before it is set.
    const a = (): ResultPanelActions => this.actions;
    return {
      viewTrace: async ({ traceId }) => (await a().viewTrace(traceId), ok),
      runAction: async ({ action }) => (await a().runAction(action), ok),
      copy: ({ text }) => copyToClipboard(text),
      generated: async ({ action }) => (await a().generated(action), ok),
      openInOpik: async ({ traceId }) => (await a().openInOpik(traceId), ok),
      rate: async ({ traceId, rating }) => (await a().rate(traceId, rating), ok),
      cancelRun: () => (a().cancel(), ok),
      openLink: ({ url }) => openModelLink(url, this.log),
    };
  }

  protected onReady(): void {
    this.channel.post('result/state', this.state);
  }

  /** Updates the visible panel, if any (e.g. after Accept was chosen in the diff editor's title bar). */
  static patchCurrent(patch: Partial<ResultViewState>): void {
    if (ResultPanel.current && !ResultPanel.current.closed) ResultPanel.current.update(patch);
  }

  /** The state the visible panel shows, if a panel is open. */
  static currentState(): ResultViewState | null {
    const p = ResultPanel.current;
    return p && !p.closed ? p.state : null;
  }

  static currentTraceId(): string | null {
    return ResultPanel.currentState()?.traceId ?? null;
  }

  /** The generated code the panel currently shows, if it shows a generate result. */
  static currentGenerated(): ResultViewState['generated'] | undefined {
    return ResultPanel.currentState()?.generated;
  }

  get traceId(): string | null {
    return this.state.traceId;
  }

  /** Starts showing another run. */
  replace(state: ResultViewState): void {
    this.state = state;
    this.updateTitle();
    this.channel.post('result/state', state);
  }

  /** Updates fields of the current run (status, judge, usage…). */
  update(patch: Partial<ResultViewState>): void {
    this.state = { ...this.state, ...patch };
    this.updateTitle();
    this.channel.post('result/state', this.state);
  }

  /** Appends streamed text without resending the whole state. */
  append(text: string): void {
    this.state = { ...this.state, markdown: this.state.markdown + text };
    this.channel.post('result/append', { traceId: this.state.traceId, text });
  }

  private updateTitle(): void {
    this.panel.title = vscode.l10n.t('CODI · {0}', this.state.title);
  }

  override dispose(): void {
    if (ResultPanel.current === this) ResultPanel.current = undefined;
    super.dispose();
  }
}
