import * as vscode from 'vscode';
import { Disposable } from '../disposable';

export const PROPOSAL_SCHEME = 'codi-proposed';

/**
 * Generated code waiting for the user's decision. Nothing touches the file until `accept()`: the diff
 * shows the file as it would be, served from memory by a content provider.
 */
export class Proposal {
  constructor(
    readonly target: vscode.Uri,
    /** Where the code goes: inserted at this position (an empty range) or replacing the selection. */
    readonly range: vscode.Range,
    readonly code: string,
    readonly proposedUri: vscode.Uri,
  ) {}
}

/** Serves proposed file contents for the diff editor and applies or discards proposals. */
export class Proposals extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly contents = new Map<string, string>();
  private readonly changed = this._register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changed.event;
  private counter = 0;
  current: Proposal | null = null;

  constructor() {
    super();
    this._register(vscode.workspace.registerTextDocumentContentProvider(PROPOSAL_SCHEME, this));
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }

  /** Records a proposal for a document; the diff can be shown at once or later. */
  propose(doc: vscode.TextDocument, range: vscode.Range, code: string): Proposal {
    const text = doc.getText();
    const start = doc.offsetAt(range.start);
    const end = doc.offsetAt(range.end);
    // Inserted code ends its own line; at the end of a line with text (the last line of a file without a final
    // newline) it also starts one, instead of being glued to that line.
    const atLineEnd = range.isEmpty && range.start.character > 0 && range.start.character === doc.lineAt(range.start.line).text.length;
    const insert = range.isEmpty ? `${atLineEnd ? '\n' : ''}${code}${code.endsWith('\n') ? '' : '\n'}` : code;
    const name = doc.uri.path.split('/').pop() ?? 'untitled';
    const proposedUri = vscode.Uri.from({ scheme: PROPOSAL_SCHEME, path: `/${++this.counter}/${name}` });
    this.contents.set(proposedUri.toString(), text.slice(0, start) + insert + text.slice(end));
    this.changed.fire(proposedUri);
    this.current = new Proposal(doc.uri, range, insert, proposedUri);
    return this.current;
  }

  async showDiff(p: Proposal): Promise<void> {
    const name = p.target.path.split('/').pop();
    await vscode.commands.executeCommand('vscode.diff', p.target, p.proposedUri, vscode.l10n.t('{0} ↔ CODI proposal', name ?? ''), { preview: true, viewColumn: vscode.ViewColumn.One });
  }

  /** Applies the proposal to the document (unsaved, undoable). Returns false when the file changed underneath. */
  async accept(p: Proposal): Promise<boolean> {
    const edit = new vscode.WorkspaceEdit();
    edit.replace(p.target, p.range, p.code);
    const ok = await vscode.workspace.applyEdit(edit);
    if (ok) await this.close(p);
    return ok;
  }

  async reject(p: Proposal): Promise<void> {
    await this.close(p);
  }

  private async close(p: Proposal): Promise<void> {
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.toString() === p.proposedUri.toString());
    if (tabs.length) await vscode.window.tabGroups.close(tabs);
    this.contents.delete(p.proposedUri.toString());
    if (this.current === p) this.current = null;
  }
}
