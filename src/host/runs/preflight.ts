import * as vscode from 'vscode';
import { CodiError } from '../../core/errors';
import { checkTextInput } from '../../core/pipelines/input';
import type { Session } from '../session';

/** What a run sends, checked before any panel opens or any trace is written. */
export interface InputCheck {
  text: string;
  /** The pipeline's own limit (explain: `codi.maxInputChars`; summarize chunks long input). */
  maxChars: number;
}

/**
 * Problems found before any model call (no key, empty, binary or too large input) are the user's to fix,
 * not runs that failed: they get a notification with the way out, and no result panel and no error trace.
 * With no key, "Set API Key" asks for one and, once it is set, lets the run go on.
 */
export async function preflight(session: Session, input: InputCheck | null): Promise<boolean> {
  if (input) {
    try {
      checkTextInput(input.text, input.maxChars);
    } catch (err) {
      if (!(err instanceof CodiError)) throw err;
      const tooLarge = input.text.length > input.maxChars;
      const pick = await vscode.window.showWarningMessage(vscode.l10n.t('CODI: {0}', err.message), ...(tooLarge ? [vscode.l10n.t('Open Settings')] : []));
      if (pick) await vscode.commands.executeCommand('workbench.action.openSettings', 'codi.maxInputChars');
      return false;
    }
  }
  if (await session.getApiKey()) return true;
  const set = vscode.l10n.t('Set API Key');
  const getKey = vscode.l10n.t('Get a Key');
  const pick = await vscode.window.showWarningMessage(vscode.l10n.t('CODI needs a Gemini API key to call the model. Get one free at Google AI Studio.'), set, getKey);
  if (pick === getKey) await vscode.env.openExternal(vscode.Uri.parse('https://aistudio.google.com/apikey'));
  if (pick !== set) return false;
  await vscode.commands.executeCommand('codi.setGeminiApiKey');
  return !!(await session.getApiKey());
}
