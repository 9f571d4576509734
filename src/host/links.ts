import * as vscode from 'vscode';

/**
 * Opens a link from model text (an untrusted answer) only after the user saw the full URL and agreed, and only
 * for http/https: `command:`, `vscode:`, `file:`, `javascript:` and `data:` links never act.
 */
export async function openModelLink(raw: string, log: vscode.LogOutputChannel): Promise<{ opened: boolean }> {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    log.warn(`link from a model answer ignored (not a URL): ${raw.slice(0, 200)}`);
    return { opened: false };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    log.warn(`link from a model answer refused (${url.protocol} links never open): ${raw.slice(0, 200)}`);
    void vscode.window.showWarningMessage(vscode.l10n.t('CODI: The answer links to a {0} address; only http and https links can be opened.', url.protocol));
    return { opened: false };
  }
  // The normalised form shows the host in punycode, so a look-alike domain is visible as what it is.
  const shown = url.href;
  const open = vscode.l10n.t('Open Link');
  const picked = await vscode.window.showWarningMessage(
    vscode.l10n.t("Open a link from the model's answer?"),
    { modal: true, detail: vscode.l10n.t('{0}\n\nHost: {1}\nThe answer is written by a model: check the address before you open it.', shown, url.host) },
    open,
  );
  if (picked !== open) return { opened: false };
  const opened = await vscode.env.openExternal(vscode.Uri.parse(shown, true));
  log.info(`opened a link from a model answer: ${shown}`);
  return { opened };
}
