import * as vscode from 'vscode';
import type { TraceType } from '../../shared/types';
import type { FilterChoices } from './traceFilter';

type Item = vscode.QuickPickItem & { apply: (c: FilterChoices) => void; on: (c: FilterChoices) => boolean };

const typeItem = (type: TraceType, icon: string, label: string): Item => ({
  label: `$(${icon}) ${label}`,
  apply: (c) => (c.types = [...(c.types ?? []), type]),
  on: (c) => !!c.types?.includes(type),
});

function items(labels: readonly string[]): Item[] {
  const sep = (label: string): Item => ({ label, kind: vscode.QuickPickItemKind.Separator, apply: () => undefined, on: () => false });
  const list: Item[] = [
    sep('Outcome'),
    { label: '$(error) Errors only', apply: (c) => (c.errors = true), on: (c) => !!c.errors },
    { label: '$(warning) Low scores', description: 'below 0.6', apply: (c) => (c.score = 'low'), on: (c) => c.score === 'low' },
    { label: '$(pass) Good scores', description: '0.8 and above', apply: (c) => (c.score = 'good'), on: (c) => c.score === 'good' },
    sep('Type'),
    typeItem('explain', 'comment-discussion', 'Explain'),
    typeItem('summarize', 'list-flat', 'Summarize'),
    typeItem('generate', 'wand', 'Generate'),
    sep('When'),
    { label: '$(calendar) Today', apply: (c) => (c.since = 'today'), on: (c) => c.since === 'today' },
    { label: '$(calendar) Last 7 days', apply: (c) => (c.since = '7d'), on: (c) => c.since === '7d' },
    { label: '$(calendar) Last 30 days', apply: (c) => (c.since = '30d'), on: (c) => c.since === '30d' },
    sep('Review'),
    { label: '$(eye) To review', description: 'in the review queue', apply: (c) => (c.toReview = true), on: (c) => !!c.toReview },
    ...labels.map((l): Item => ({ label: `$(tag) ${l}`, description: 'label', apply: (c) => (c.labels = [...(c.labels ?? []), l]), on: (c) => !!c.labels?.includes(l) })),
  ];
  return list.map((i) => ({ ...i, alwaysShow: true }));
}

/**
 * One quick pick for every filter: type words to search, tick any filters, Enter applies them together.
 * It opens with the current filter ticked and its search typed in. Resolves with the new choices, or
 * undefined when dismissed.
 */
export function pickFilter(current: FilterChoices, labels: readonly string[] = []): Promise<FilterChoices | undefined> {
  const qp = vscode.window.createQuickPick<Item>();
  qp.title = 'CODI: Filter Traces';
  qp.placeholder = 'Type words to search titles, inputs and outputs; tick filters to combine; Enter applies';
  qp.canSelectMany = true;
  qp.matchOnDescription = false;
  qp.items = items([...new Set([...labels, ...(current.labels ?? [])])]);
  qp.selectedItems = qp.items.filter((i) => i.on(current));
  qp.value = current.text ?? '';
  return new Promise((resolve) => {
    let done = false;
    qp.onDidAccept(() => {
      const next: FilterChoices = {};
      const text = qp.value.trim();
      if (text) next.text = text;
      for (const i of qp.selectedItems) i.apply(next);
      // Low and good scores exclude each other; both ticked means no score filter.
      if (qp.selectedItems.some((i) => i.label.includes('Low scores')) && qp.selectedItems.some((i) => i.label.includes('Good scores'))) delete next.score;
      done = true;
      resolve(next);
      qp.hide();
    });
    qp.onDidHide(() => {
      if (!done) resolve(undefined);
      qp.dispose();
    });
    qp.show();
  });
}
