import * as vscode from 'vscode';
import type { TraceRecord } from '../../shared/types';
import { Disposable } from '../disposable';
import { ACTION_COMMANDS } from '../errors';
import { WebviewChannel } from './webviewChannel';
import { renderWebviewHtml, webviewOptions } from './webviewHtml';

/** The trace panel: the span waterfall, inputs and outputs, judge criteria. One panel, reused. */
export class TracePanel extends Disposable {
  private static current: TracePanel | undefined;
  private readonly channel: WebviewChannel;

  static show(extensionUri: vscode.Uri, log: vscode.LogOutputChannel, trace: TraceRecord, viewTrace: (id: string) => Promise<void>): TracePanel {
    const existing = TracePanel.current;
    if (existing && !existing.isDisposed) {
      existing.setTrace(trace);
      existing.panel.reveal(undefined, false);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel('codi.trace', 'CODI Trace', { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, webviewOptions(extensionUri));
    TracePanel.current = new TracePanel(panel, extensionUri, log, trace, viewTrace);
    return TracePanel.current;
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    log: vscode.LogOutputChannel,
    private trace: TraceRecord,
    viewTrace: (id: string) => Promise<void>,
  ) {
    super();
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'codi.svg');
    this._register(panel.onDidDispose(() => this.dispose()));
    this.channel = this._register(
      new WebviewChannel(
        panel.webview,
        {
          viewTrace: async ({ traceId }) => {
            await viewTrace(traceId);
            return { ok: true };
          },
          runAction: async ({ action }) => {
            if (action !== 'retry') await vscode.commands.executeCommand(ACTION_COMMANDS[action]);
            return { ok: true };
          },
          copy: async ({ text }) => {
            await vscode.env.clipboard.writeText(text);
            void vscode.window.setStatusBarMessage('CODI: copied to the clipboard', 2000);
            return { ok: true };
          },
        },
        () => this.channel.post('trace/state', { trace: this.trace }),
        log,
      ),
    );
    this.setTitle();
    panel.webview.html = renderWebviewHtml({ webview: panel.webview, extensionUri, panel: 'trace', title: 'CODI Trace' });
  }

  setTrace(trace: TraceRecord): void {
    this.trace = trace;
    this.setTitle();
    this.channel.post('trace/state', { trace });
  }

  private setTitle(): void {
    this.panel.title = `CODI Trace · ${this.trace.name}`;
  }

  override dispose(): void {
    if (TracePanel.current === this) TracePanel.current = undefined;
    this.panel.dispose();
    super.dispose();
  }
}
