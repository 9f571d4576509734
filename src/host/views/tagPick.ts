import * as vscode from 'vscode';
import { createPicker } from '../pickers';

type Item = vscode.QuickPickItem & { tag: string };

/**
 * One quick pick to edit a trace's tags: its tags ticked, the store's other tags offered unticked; untick to
 * remove, tick to add, type new tags (commas between several) and press Enter to add them. Resolves with the
 * tags to add and remove, or undefined when dismissed.
 */
export function pickTags(traceName: string, current: readonly string[], known: readonly string[]): Promise<{ add: string[]; remove: string[] } | undefined> {
  const qp = createPicker<Item>();
  qp.title = vscode.l10n.t('CODI: Edit Tags — {0}', traceName);
  qp.placeholder = vscode.l10n.t('Tick the tags this trace keeps; type new tags (comma between several), Enter applies');
  qp.canSelectMany = true;
  const all = [...new Set([...current, ...known])];
  qp.items = all.map((tag) => ({ label: tag, tag, alwaysShow: true, ...(current.includes(tag) ? { description: vscode.l10n.t('on this trace') } : {}) }));
  qp.selectedItems = qp.items.filter((i) => current.includes(i.tag));
  return new Promise((resolve) => {
    let done = false;
    qp.onDidAccept(() => {
      const kept = new Set(qp.selectedItems.map((i) => i.tag));
      const typed = qp.value.split(',').map((t) => t.trim()).filter(Boolean);
      done = true;
      resolve({ add: [...[...kept].filter((t) => !current.includes(t)), ...typed], remove: current.filter((t) => !kept.has(t)) });
      qp.hide();
    });
    qp.onDidHide(() => {
      if (!done) resolve(undefined);
      qp.dispose();
    });
    qp.show();
  });
}
