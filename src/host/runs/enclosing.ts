import * as vscode from 'vscode';

/** Symbols worth explaining on their own: code with a body, not a variable or a property. */
const BODY_KINDS = new Set([
  vscode.SymbolKind.Function,
  vscode.SymbolKind.Method,
  vscode.SymbolKind.Constructor,
  vscode.SymbolKind.Class,
  vscode.SymbolKind.Interface,
  vscode.SymbolKind.Enum,
  vscode.SymbolKind.Struct,
  vscode.SymbolKind.Module,
  vscode.SymbolKind.Namespace,
]);

/** The innermost symbol with a body around `pos`, from the language's document symbols. */
async function symbolAround(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.Range | null> {
  const symbols = await vscode.commands.executeCommand<(vscode.DocumentSymbol | vscode.SymbolInformation)[] | undefined>('vscode.executeDocumentSymbolProvider', doc.uri);
  let best: vscode.Range | null = null;
  const visit = (list: readonly (vscode.DocumentSymbol | vscode.SymbolInformation)[]): void => {
    for (const s of list) {
      const range = 'range' in s ? s.range : s.location.range;
      if (!range.contains(pos)) continue;
      if (BODY_KINDS.has(s.kind) && !range.isSingleLine && (!best || best.contains(range))) best = range;
      if ('children' in s) visit(s.children);
    }
  };
  visit(symbols ?? []);
  return best;
}

/**
 * What "Expand Selection" grows to around `pos` until it spans whole lines of a block (the language's
 * selection ranges: a statement, a block, a function…), for languages without document symbols.
 */
async function blockAround(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.Range | null> {
  const ranges = await vscode.commands.executeCommand<vscode.SelectionRange[] | undefined>('vscode.executeSelectionRangeProvider', doc.uri, [pos]);
  for (let r: vscode.SelectionRange | undefined = ranges?.[0]; r; r = r.parent) {
    if (r.range.end.line - r.range.start.line >= 2 && r.range.end.line - r.range.start.line < doc.lineCount - 1) return r.range;
  }
  return null;
}

/**
 * The code an empty selection stands for: the function, method or class around the cursor (as the
 * editor's outline knows it), else the block "Expand Selection" finds. Null when neither applies.
 */
export async function enclosingRange(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.Range | null> {
  const fromSymbols = await symbolAround(doc, pos).catch(() => null);
  if (fromSymbols) return fromSymbols;
  return blockAround(doc, pos).catch(() => null);
}
