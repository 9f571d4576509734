import * as vscode from 'vscode';
import type { ExplainInput, ExplainResult } from '../../core/pipelines/explain';
import type { RunDeps } from './runner';
import { threadKey } from './threads';
import { runInPanel } from './runner';

/** Reads the selection of the active editor as the pipeline's input; null (after a message) if there is none. */
export function selectionInput(editor: vscode.TextEditor | undefined, verb: string): ExplainInput | null {
  if (!editor) {
    void vscode.window.showWarningMessage(`CODI: Open a file and select the code to ${verb}.`);
    return null;
  }
  const sel = editor.selection;
  if (sel.isEmpty) {
    void vscode.window.showWarningMessage(`CODI: Select the code to ${verb} first (or use the editor context menu on a selection).`);
    return null;
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
      title: `Explain ${input.file}:${input.startLine}–${input.endLine}`,
      threadKey: threadKey('explain', input),
      input,
    },
    deps,
    () => runExplain(input, deps),
  );
}
