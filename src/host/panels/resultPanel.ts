import * as vscode from 'vscode';
import type { HostAction, ResultViewState, UserRating } from '../../shared/protocol';
import { Disposable } from '../disposable';
import { WebviewChannel } from './webviewChannel';
import { renderWebviewHtml, webviewOptions } from './webviewHtml';
import { openModelLink } from '../links';

export interface ResultPanelActions {
  viewTrace(traceId: string): Promise<void>;
  runAction(action: HostAction): Promise<void>;
  /** Generate results: show the diff, apply the code, or discard it. */
  generated(action: 'showDiff' | 'accept' | 'reject'): Promise<void>;
  openInOpik(traceId: string): Promise<void>;
  rate(traceId: string, rating: UserRating): Promise<void>;
}

/**
 * The result panel beside the editor: one panel, reused by each run, showing the streamed answer,
 * its judge badge and criteria, and follow-up actions.
 */
export class ResultPanel extends Disposable {
  private static current: ResultPanel | undefined;
  private state: ResultViewState;
  private readonly channel: WebviewChannel;

  static show(extensionUri: vscode.Uri, actions: ResultPanelActions, log: vscode.LogOutputChannel, initial: ResultViewState): ResultPanel {
    const existing = ResultPanel.current;
    if (existing && !existing.isDisposed) {
      existing.panel.reveal(vscode.ViewColumn.Beside, true);
      existing.replace(initial);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel('codi.result', 'CODI', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      ...webviewOptions(extensionUri),
      retainContextWhenHidden: true,
    });
    ResultPanel.current = new ResultPanel(panel, extensionUri, actions, log, initial);
    return ResultPanel.current;
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    actions: ResultPanelActions,
    log: vscode.LogOutputChannel,
    initial: ResultViewState,
  ) {
    super();
    this.state = initial;
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'codi.svg');
    this._register(panel.onDidDispose(() => this.dispose()));
    this.channel = this._register(
      new WebviewChannel(
        panel.webview,
        {
          viewTrace: async ({ traceId }) => {
            await actions.viewTrace(traceId);
            return { ok: true };
          },
          runAction: async ({ action }) => {
            await actions.runAction(action);
            return { ok: true };
          },
          copy: async ({ text }) => {
            await vscode.env.clipboard.writeText(text);
            void vscode.window.setStatusBarMessage('CODI: copied to the clipboard', 2000);
            return { ok: true };
          },
          generated: async ({ action }) => {
            await actions.generated(action);
            return { ok: true };
          },
          openInOpik: async ({ traceId }) => {
            await actions.openInOpik(traceId);
            return { ok: true };
          },
          rate: async ({ traceId, rating }) => {
            await actions.rate(traceId, rating);
            return { ok: true };
          },
          openLink: ({ url }) => openModelLink(url, log),
        },
        () => this.channel.post('result/state', this.state),
        log,
      ),
    );
    this.updateTitle();
    panel.webview.html = renderWebviewHtml({ webview: panel.webview, extensionUri, panel: 'result', title: 'CODI' });
  }

  /** Updates the visible panel, if any (e.g. after Accept was chosen in the diff editor's title bar). */
  static patchCurrent(patch: Partial<ResultViewState>): void {
    if (ResultPanel.current && !ResultPanel.current.isDisposed) ResultPanel.current.update(patch);
  }

  /** What the visible panel shows (for the end-to-end tests). */
  static currentState(): ResultViewState | null {
    return ResultPanel.current?.state ?? null;
  }

  static currentTraceId(): string | null {
    const p = ResultPanel.current;
    return p && !p.isDisposed ? p.state.traceId : null;
  }

  /** The generated code the panel currently shows, if it shows a generate result. */
  static currentGenerated(): ResultViewState['generated'] | undefined {
    return ResultPanel.current?.state.generated;
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
    this.panel.title = `CODI · ${this.state.title}`;
  }

  override dispose(): void {
    if (ResultPanel.current === this) ResultPanel.current = undefined;
    this.panel.dispose();
    super.dispose();
  }
}
