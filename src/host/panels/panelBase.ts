import * as vscode from 'vscode';
import type { PanelKind } from '../../shared/protocol';
import { Disposable } from '../disposable';
import type { RequestHandlers } from './webviewChannel';
import { WebviewChannel } from './webviewChannel';
import { renderWebviewHtml, webviewOptions } from './webviewHtml';

export interface PanelBaseOptions {
  extensionUri: vscode.Uri;
  log: vscode.LogOutputChannel;
  kind: PanelKind;
  /** The HTML document's title (the tab's title is set by the panel). */
  title: string;
}

export type PanelHandlers = Partial<Omit<RequestHandlers, 'ready'>>;

/**
 * What every CODI webview panel shares: the typed channel, the `ready` gate (the subclass posts its full
 * state from {@link onReady}), the icon, the HTML shell, and disposal with the panel. Works for a panel
 * made by `createWebviewPanel` and for one VS Code restored after a reload (a serializer's panel), whose
 * options are set again here because a restored panel does not keep them.
 */
export abstract class PanelBase extends Disposable {
  protected readonly channel: WebviewChannel;
  protected readonly log: vscode.LogOutputChannel;

  protected constructor(
    readonly panel: vscode.WebviewPanel,
    opts: PanelBaseOptions,
  ) {
    super();
    this.log = opts.log;
    panel.iconPath = vscode.Uri.joinPath(opts.extensionUri, 'media', 'codi.svg');
    panel.webview.options = webviewOptions(opts.extensionUri);
    this._register(panel.onDidDispose(() => this.dispose()));
    this.channel = this._register(new WebviewChannel(panel.webview, this.handlers(), () => this.onReady(), opts.log));
    panel.webview.html = renderWebviewHtml({ webview: panel.webview, extensionUri: opts.extensionUri, panel: opts.kind, title: opts.title });
  }

  /**
   * The requests this panel answers (others are refused by the channel). Called once, from the base
   * constructor: the handlers may use `this` when they run, not while they are made.
   */
  protected abstract handlers(): PanelHandlers;

  /** The webview (first load, or a reload after it moved) asks for the full state: post it. */
  protected abstract onReady(): void;

  get closed(): boolean {
    return this.isDisposed;
  }

  override dispose(): void {
    if (this.isDisposed) return;
    super.dispose();
    this.panel.dispose();
  }
}

/** Copies text for a panel's Copy buttons, with a short confirmation in the status bar. */
export async function copyToClipboard(text: string): Promise<{ ok: true }> {
  await vscode.env.clipboard.writeText(text);
  void vscode.window.setStatusBarMessage(vscode.l10n.t('CODI: copied to the clipboard'), 2000);
  return { ok: true };
}
