import * as vscode from 'vscode';

/**
 * The QuickPick and input box every CODI command step shows, kept open when the workbench moves focus away.
 *
 * A command run from the palette (or a picker's second step) while a webview has focus (a CODI panel, the
 * Experiments panel) shows its picker just as the closing quick input hands focus back to that webview; the
 * webview takes it a moment later and a picker that closes on focus-out is gone before it can be used, the
 * command ending as if the user had pressed Escape (microsoft/vscode#93950, #204522; seen in code-server on
 * "Replay with Another Model…"). Kept open, the picker waits for the user; Escape still dismisses it.
 */
export function pickOne<T extends vscode.QuickPickItem>(items: readonly T[], options: vscode.QuickPickOptions): Thenable<T | undefined> {
  return vscode.window.showQuickPick(items, { ...options, ignoreFocusOut: true });
}

/** An input box shown as a command's step; kept open for the same reason as `pickOne`. */
export function askText(options: vscode.InputBoxOptions): Thenable<string | undefined> {
  return vscode.window.showInputBox({ ...options, ignoreFocusOut: true });
}

/** A QuickPick built by hand (many selections, buttons, live items), kept open for the same reason as `pickOne`. */
export function createPicker<T extends vscode.QuickPickItem>(): vscode.QuickPick<T> {
  const qp = vscode.window.createQuickPick<T>();
  qp.ignoreFocusOut = true;
  return qp;
}
