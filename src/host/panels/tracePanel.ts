import * as vscode from 'vscode';
import type { TraceViewState, UserRating } from '../../shared/protocol';
import { Disposable } from '../disposable';
import { ACTION_COMMANDS } from '../errors';
import { WebviewChannel } from './webviewChannel';
import { renderWebviewHtml, webviewOptions } from './webviewHtml';
import { openModelLink } from '../links';

export interface TracePanelActions {
  show(traceId: string): Promise<void>;
  openInOpik(traceId: string): Promise<void>;
  rate(traceId: string, rating: UserRating): Promise<void>;
}

/** The trace panel: the span waterfall, inputs and outputs, judge criteria, rating, Opik link. One panel, reused. */
export class TracePanel extends Disposable {
  private static current: TracePanel | undefined;
  private readonly channel: WebviewChannel;

  static show(extensionUri: vscode.Uri, log: vscode.LogOutputChannel, state: TraceViewState, actions: TracePanelActions): TracePanel {
    const existing = TracePanel.current;
    if (existing && !existing.isDisposed) {
      existing.setState(state);
      existing.panel.reveal(undefined, false);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel('codi.trace', 'CODI Trace', { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, webviewOptions(extensionUri));
    TracePanel.current = new TracePanel(panel, extensionUri, log, state, actions);
    return TracePanel.current;
  }

  static currentTraceId(): string | null {
    const p = TracePanel.current;
    return p && !p.isDisposed ? p.state.trace.id : null;
  }

  /** Updates the panel if it is open (same or another trace). */
  static update(state: TraceViewState): void {
    const p = TracePanel.current;
    if (p && !p.isDisposed) p.setState(state);
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    log: vscode.LogOutputChannel,
    private state: TraceViewState,
    actions: TracePanelActions,
  ) {
    super();
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'codi.svg');
    this._register(panel.onDidDispose(() => this.dispose()));
    const ok = { ok: true } as const;
    this.channel = this._register(
      new WebviewChannel(
        panel.webview,
        {
          viewTrace: async ({ traceId }) => (await actions.show(traceId), ok),
          runAction: async ({ action }) => (action !== 'retry' && (await vscode.commands.executeCommand(ACTION_COMMANDS[action])), ok),
          copy: async ({ text }) => {
            await vscode.env.clipboard.writeText(text);
            void vscode.window.setStatusBarMessage('CODI: copied to the clipboard', 2000);
            return ok;
          },
          openInOpik: async ({ traceId }) => (await actions.openInOpik(traceId), ok),
          rate: async ({ traceId, rating }) => (await actions.rate(traceId, rating), ok),
          openLink: ({ url }) => openModelLink(url, log),
        },
        () => this.channel.post('trace/state', this.state),
        log,
      ),
    );
    this.setTitle();
    panel.webview.html = renderWebviewHtml({ webview: panel.webview, extensionUri, panel: 'trace', title: 'CODI Trace' });
  }

  setState(state: TraceViewState): void {
    this.state = state;
    this.setTitle();
    this.channel.post('trace/state', state);
  }

  private setTitle(): void {
    this.panel.title = `CODI Trace · ${this.state.trace.name}`;
  }

  override dispose(): void {
    if (TracePanel.current === this) TracePanel.current = undefined;
    this.panel.dispose();
    super.dispose();
  }
}
