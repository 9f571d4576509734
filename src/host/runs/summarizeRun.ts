import * as vscode from 'vscode';
import type { SummarizeInput, SummarizeResult } from '../../core/pipelines/summarize';
import { SUMMARIZE_DEFAULTS } from '../../core/pipelines/summarize';
import type { CodStep } from '../../shared/types';
import type { RunDeps } from './runner';
import { runInPanel } from './runner';

/** The whole active file as summarize input; null (after a message) without an editor. */
export function fileInput(editor: vscode.TextEditor | undefined): SummarizeInput | null {
  if (!editor) {
    void vscode.window.showWarningMessage(vscode.l10n.t('CODI: Open the file to summarize first.'));
    return null;
  }
  return documentInput(editor.document);
}

/** A whole document as summarize input (the active file, or each file of "Summarize Files"). */
export function documentInput(doc: vscode.TextDocument): SummarizeInput {
  return { code: doc.getText(), language: doc.languageId, file: vscode.workspace.asRelativePath(doc.uri, false), startLine: 1, endLine: doc.lineCount };
}

/** "Summarize Selection / File": Chain-of-Density steps appear as they are measured, then the judge picks one. */
export function runSummarize(input: SummarizeInput, deps: RunDeps): Promise<SummarizeResult | null> {
  const whole = input.startLine === 1 && input.endLine >= input.code.split('\n').length;
  return runInPanel(
    {
      kind: 'summarize',
      title: whole ? vscode.l10n.t('Summarize {0}', input.file) : vscode.l10n.t('Summarize {0}:{1}-{2}', input.file, input.startLine, input.endLine),
      thread: { kind: 'summarize', file: input.file, where: `${input.startLine}-${input.endLine}` },
      input,
      check: () => ({ text: input.code, maxChars: SUMMARIZE_DEFAULTS.maxInputChars }),
      hooks: (panel, config) => {
        const steps: CodStep[] = [];
        return {
          onChunk: (done, total) => panel.progress(`summarizing chunk ${Math.min(done + 1, total)} of ${total}…`),
          onStep: (step) => {
            steps.push(step);
            panel.progress(`step ${step.index} of ${config.summarize.steps}…`);
            panel.patch({ steps: [...steps] });
          },
        };
      },
      finish: (r) => ({ steps: r.summary.steps, recommendedStep: r.summary.recommendedStep }),
    },
    deps,
    () => runSummarize(input, deps),
  );
}
