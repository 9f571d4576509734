import * as vscode from 'vscode';
import type { GenerateInput, GenerateResult } from '../../core/pipelines/generate';
import { commentAt } from '../../core/pipelines/generateContext';
import type { GeneratedCode } from '../../shared/types';
import type { Proposal, Proposals } from './proposal';
import type { RunDeps } from './runner';
import { runInPanel } from './runner';
import { askText } from '../pickers';

export interface GenerateRequest {
  input: GenerateInput;
  /** The document the code is for, and where it goes; null for a request without an editor. */
  target: { doc: vscode.TextDocument; at: vscode.Position } | null;
}

const COMMENT_LINE = /^\s*(\/\/|#|--|;|\/\*|\*|<!--)/;

/** Whether `next` continues the comment block of `line` (same line-comment marker, or `*` lines of a block comment). */
function continuesComment(line: string, next: string): boolean {
  const a = COMMENT_LINE.exec(line)?.[1];
  const b = COMMENT_LINE.exec(next)?.[1];
  return !!a && !!b && (a === b || ((a === '/*' || a === '*') && b === '*'));
}

/**
 * Asks what to generate: the input box is prefilled with the comment at the cursor, if any, so "generate
 * from the comment" is one Enter. The code goes after the cursor's line, or after the comment block.
 */
export async function askGenerateRequest(editor: vscode.TextEditor | undefined): Promise<GenerateRequest | null> {
  const doc = editor?.document;
  const line = editor ? editor.selection.active.line : 0;
  const comment = doc ? commentAt(doc.getText(), line + 1) : null;
  const prompt = await askText({
    title: vscode.l10n.t('CODI: Generate Code'),
    prompt: comment ? vscode.l10n.t('Generate from the comment at the cursor, or describe something else.') : vscode.l10n.t('Describe the code to generate. The current file is sent as context.'),
    value: comment ?? '',
    placeHolder: vscode.l10n.t('e.g. a function that parses ISO durations like "PT1H30M" into milliseconds'),
    validateInput: (v) => (v.trim() ? undefined : vscode.l10n.t('Describe what to generate.')),
  });
  if (prompt === undefined) return null;
  if (!doc) return { input: { prompt }, target: null };
  // Skip down past the comment block the cursor is in, so the code lands under it.
  let after = line;
  // Only this block: a doc comment below a `//` comment belongs to the code under it.
  if (comment) while (after + 1 < doc.lineCount && continuesComment(doc.lineAt(after).text, doc.lineAt(after + 1).text)) after++;
  const at = after + 1 < doc.lineCount ? new vscode.Position(after + 1, 0) : doc.lineAt(doc.lineCount - 1).range.end;
  return {
    input: { prompt, language: doc.languageId, file: vscode.workspace.asRelativePath(doc.uri, false), fileText: doc.getText(), cursorLine: after + 1 },
    target: { doc, at },
  };
}

/** Holds the proposal of the last generate run for the panel's Accept / Reject / Show diff buttons. */
export class GenerateSession {
  proposal: Proposal | null = null;
  generated: GeneratedCode | null = null;
  constructor(readonly proposals: Proposals) {}
}

/** "Generate Code": streams the answer, runs the checks and the judge, then opens the change as a diff. */
export async function runGenerate(req: GenerateRequest, deps: RunDeps, session: GenerateSession): Promise<GenerateResult | null> {
  session.proposal = null;
  session.generated = null;
  const result = await runInPanel(
    {
      kind: 'generate',
      title: req.input.file ? vscode.l10n.t('Generate for {0}:{1}', req.input.file, req.input.cursorLine ?? '') : vscode.l10n.t('Generate'),
      thread: { kind: 'generate', file: req.input.file ?? '', where: req.input.prompt.trim() },
      input: req.input,
      hooks: (panel) => ({ onChecks: (g) => panel.patch({ generated: { ...g, state: 'proposed' } }) }),
      finish: (r) => (r.generated ? { generated: { ...r.generated, state: 'proposed' } } : {}),
    },
    deps,
    () => runGenerate(req, deps, session),
  );
  if (result?.generated?.code && !result.error) {
    session.generated = result.generated;
    if (req.target) {
      session.proposal = session.proposals.propose(req.target.doc, new vscode.Range(req.target.at, req.target.at), result.generated.code);
      await session.proposals.showDiff(session.proposal);
    }
  }
  return result;
}
