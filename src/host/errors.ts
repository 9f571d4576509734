import * as vscode from 'vscode';
import { toCodiError, withNextStep } from '../core/errors';
import type { HostAction } from '../shared/protocol';
import type { ErrorKind } from '../shared/types';

/** The follow-up actions offered for each kind of failure. */
export function actionsFor(kind: ErrorKind): HostAction[] {
  switch (kind) {
    case 'no-key':
    case 'auth':
      return ['setApiKey', 'showLog'];
    case 'quota':
    case 'timeout':
    case 'network':
    case 'service':
      return ['retry', 'openSettings', 'showLog'];
    case 'model-output':
    case 'blocked':
      return ['retry', 'showLog'];
    case 'unknown-model':
    case 'budget':
      return ['openSettings'];
    case 'bad-input':
    case 'cancelled':
      return [];
    case 'internal':
      return ['showLog'];
  }
}

/** The button labels, translated when asked for (not at load time); a pick is compared with the same values. */
export const actionLabels = (): Record<HostAction, string> => ({
  setApiKey: vscode.l10n.t('Set API Key'),
  showLog: vscode.l10n.t('Show Log'),
  openSettings: vscode.l10n.t('Open Settings'),
  retry: vscode.l10n.t('Retry'),
});

export const ACTION_COMMANDS: Record<Exclude<HostAction, 'retry'>, string> = {
  setApiKey: 'codi.setGeminiApiKey',
  showLog: 'codi.showLog',
  openSettings: 'codi.openSettings',
};

/**
 * Shows a failure with its next step and action buttons; logs it. Resolves with the chosen action so
 * the caller can handle "retry" itself.
 */
export async function showFailure(err: unknown, log: vscode.LogOutputChannel, context: string): Promise<HostAction | undefined> {
  const e = toCodiError(err);
  log.error(`${context}: [${e.kind}] ${e.message}${e.stack && e.kind === 'internal' ? `\n${e.stack}` : ''}`);
  if (e.kind === 'cancelled') {
    void vscode.window.showInformationMessage(vscode.l10n.t('CODI: {0} cancelled. The trace is recorded.', context));
    return undefined;
  }
  const actions = actionsFor(e.kind);
  const show = e.kind === 'bad-input' ? vscode.window.showWarningMessage : vscode.window.showErrorMessage;
  const text = `CODI: ${withNextStep(e.message, e.kind, 'editor', e.nextStep)}`;
  // Nothing to choose: the command is over; do not hold it until the notification is dismissed.
  if (actions.length === 0) {
    void show(text);
    return undefined;
  }
  const labels = actionLabels();
  const picked = await show(text, ...actions.map((a) => labels[a]));
  const action = actions.find((a) => labels[a] === picked);
  if (action && action !== 'retry') await vscode.commands.executeCommand(ACTION_COMMANDS[action]);
  return action;
}
