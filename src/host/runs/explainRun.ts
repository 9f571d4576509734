import * as vscode from 'vscode';
import type { ExplainInput, ExplainResult } from '../../core/pipelines/explain';
import type { RunDeps } from './runner';
import { enclosingRange } from './enclosing';
import { runInPanel } from './runner';

/**
 * Reads the selection of the active editor as the pipeline's input. An empty selection stands for the
 * function or symbol around the cursor, which gets selected so the user sees what is sent. Null (after a
 * message) when there is no editor or nothing around the cursor.
 */
export async function selectionInput(editor: vscode.TextEditor | undefined, verb: 'explain' | 'summarize'): Promise<ExplainInput | null> {
  if (!editor) {
    void vscode.window.showWarningMessage(verb === 'explain' ? vscode.l10n.t('CODI: Open a file and select the code to explain.') : vscode.l10n.t('CODI: Open a file and select the code to summarize.'));
    return null;
  }
  let sel: vscode.Selection = editor.selection;
  if (sel.isEmpty) {
    const around = await enclosingRange(editor.document, sel.active);
    if (!around) {
      void vscode.window.showWarningMessage(verb === 'explain' ? vscode.l10n.t('CODI: There is no function or block around the cursor. Select the code to explain.') : vscode.l10n.t('CODI: There is no function or block around the cursor. Select the code to summarize.'));
      return null;
    }
    sel = new vscode.Selection(around.start, around.end);
    editor.selection = sel;
    editor.revealRange(around, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }
  const doc = editor.document;
  // A selection ending at column 0 of a line does not include that line.
  const endLine = sel.end.character === 0 && sel.end.line > sel.start.line ? sel.end.line - 1 : sel.end.line;
  return {
    code: doc.getText(sel),
    language: doc.languageId,
    file: vscode.workspace.asRelativePath(doc.uri, false),
    startLine: sel.start.line + 1,
    endLine: endLine + 1,
  };
}

/** "Explain Selection": streams the explanation, then the judge's verdict. */
export function runExplain(input: ExplainInput, deps: RunDeps): Promise<ExplainResult | null> {
  return runInPanel(
    {
      kind: 'explain',
      title: vscode.l10n.t('Explain {0}:{1}-{2}', input.file, input.startLine, input.endLine),
      thread: { kind: 'explain', file: input.file, where: `${input.startLine}-${input.endLine}` },
      input,
      check: (settings) => ({ text: input.code, maxChars: settings.maxInputChars }),
    },
    deps,
    () => runExplain(input, deps),
  );
}
