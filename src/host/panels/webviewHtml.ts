import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { PanelKind } from '../../shared/protocol';

export interface WebviewHtmlOptions {
  webview: vscode.Webview;
  extensionUri: vscode.Uri;
  panel: PanelKind;
  title: string;
}

/** Options every CODI webview is created with: scripts on, resources only from what we ship. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/**
 * The HTML shell of a CODI panel. Everything it loads comes from `dist/`; the only script is the panel's
 * bundle, allowed by a fresh nonce. Styles only from files (no 'unsafe-inline'): the bundles build their
 * DOM with createElement and set geometry through CSSOM, which CSP does not restrict.
 */
export function renderWebviewHtml(opts: WebviewHtmlOptions): string {
  const { webview, extensionUri, panel, title } = opts;
  const asset = (...parts: string[]): string =>
    escapeHtml(webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...parts)).toString());
  const nonce = randomBytes(16).toString('base64');
  const src = webview.cspSource;
  const csp = [
    "default-src 'none'",
    `img-src ${src} data:`,
    `style-src ${src}`,
    `font-src ${src}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');

  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link id="vscode-codicon-stylesheet" rel="stylesheet" href="${asset('dist', 'codicons', 'codicon.css')}">
  <link rel="stylesheet" href="${asset('dist', 'webview', `${panel}.css`)}">
  <title>${escapeHtml(title)}</title>
</head>
<body data-panel="${panel}">
  <div id="app" aria-busy="true"></div>
  <script nonce="${nonce}" src="${asset('dist', 'webview', `${panel}.js`)}"></script>
</body>
</html>`;
}
