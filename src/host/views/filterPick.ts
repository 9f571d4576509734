import * as vscode from 'vscode';
import type { TraceType } from '../../shared/types';
import type { TraceStore } from '../../core/store/traceStore';
import type { FilterChoices } from './traceFilter';
import { formatDateRange, parseDateRange } from './traceFilter';
import { traceLabel } from './tracesTree';

type Item = vscode.QuickPickItem & { apply: (c: FilterChoices) => void; on: (c: FilterChoices) => boolean; range?: true };

/** What the store holds, for the pick to offer: tags, answering models, and the latest threads with a title each. */
export interface FilterOffer {
  tags: readonly string[];
  models: readonly string[];
  threads: ReadonlyArray<{ id: string; label: string }>;
}

/** The store's tags and answering models, and the threads of the latest 500 traces (newest first, at most 20). */
export function filterOffer(store: Pick<TraceStore, 'analysis' | 'query'>): FilterOffer {
  const { tags, models } = store.analysis().options();
  const threads = new Map<string, string>();
  for (const t of store.query({ limit: 500 }).items) if (t.threadId && !threads.has(t.threadId) && threads.size < 20) threads.set(t.threadId, traceLabel(t));
  return { tags, models: models.filter(Boolean), threads: [...threads].map(([id, label]) => ({ id, label })) };
}

const typeItem = (type: TraceType, icon: string, label: string): Item => ({
  label: `$(${icon}) ${label}`,
  apply: (c) => (c.types = [...(c.types ?? []), type]),
  on: (c) => !!c.types?.includes(type),
});

const listItem = (key: 'tags' | 'models', icon: string, value: string): Item => ({
  label: `$(${icon}) ${value}`,
  apply: (c) => (c[key] = [...(c[key] ?? []), value]),
  on: (c) => !!c[key]?.includes(value),
});

function items(current: FilterChoices, offer: FilterOffer, labels: readonly string[]): Item[] {
  const sep = (label: string): Item => ({ label, kind: vscode.QuickPickItemKind.Separator, apply: () => undefined, on: () => false });
  const since = (key: NonNullable<FilterChoices['since']>, label: string): Item => ({ label: `$(calendar) ${label}`, apply: (c) => (c.since = key), on: (c) => !c.range && c.since === key });
  // Chosen values stay offered even when the store no longer lists them, so they can be unticked.
  const tags = [...new Set([...(current.tags ?? []), ...offer.tags])];
  const models = [...new Set([...(current.models ?? []), ...offer.models])];
  const threads = current.thread && !offer.threads.some((t) => t.id === current.thread!.id) ? [current.thread, ...offer.threads] : offer.threads;
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
    since('today', 'Today'),
    since('7d', 'Last 7 days'),
    since('30d', 'Last 30 days'),
    since('90d', 'Last 90 days'),
    {
      label: '$(calendar) Date range…',
      description: current.range ? formatDateRange(current.range) : 'asks for the days after Enter',
      range: true,
      apply: (c) => current.range && (c.range = current.range),
      on: (c) => !!c.range,
    },
    sep('Review'),
    { label: '$(eye) To review', description: 'in the review queue', apply: (c) => (c.toReview = true), on: (c) => !!c.toReview },
    ...labels.map((l): Item => ({ label: `$(bookmark) ${l}`, description: 'label', apply: (c) => (c.labels = [...(c.labels ?? []), l]), on: (c) => !!c.labels?.includes(l) })),
  ];
  if (tags.length) list.push(sep('Tag (any of)'), ...tags.map((t) => listItem('tags', 'tag', t)));
  if (models.length) list.push(sep('Model (any of)'), ...models.map((m) => listItem('models', 'hubot', m)));
  if (threads.length) {
    list.push(
      sep('Thread (re-asks on the same code)'),
      ...threads.map((t): Item => ({ label: `$(comment-discussion) ${t.label}`, description: t.id.slice(0, 8), apply: (c) => (c.thread = { id: t.id, label: t.label }), on: (c) => c.thread?.id === t.id })),
    );
  }
  return list.map((i) => ({ ...i, alwaysShow: true }));
}

/** Asks for the days of "Date range…"; undefined when dismissed. */
async function askRange(current: FilterChoices['range']): Promise<FilterChoices['range'] | undefined> {
  const text = await vscode.window.showInputBox({
    title: 'CODI: Filter Traces by Date',
    prompt: 'First and last day, both included (one day alone is fine)',
    placeHolder: '2026-11-01..2026-11-20',
    value: current ? formatDateRange(current) : '',
    validateInput: (v) => (parseDateRange(v) ? undefined : 'Type the days as YYYY-MM-DD..YYYY-MM-DD, the first not after the last, e.g. 2026-11-01..2026-11-20'),
  });
  return text === undefined ? undefined : (parseDateRange(text) ?? undefined);
}

/**
 * One quick pick for every filter: type words to search, tick any filters, Enter applies them together.
 * Ticks in one group (types, tags, models) mean any of them; groups combine. It opens with the current
 * filter ticked and its search typed in. Resolves with the new choices, or undefined when dismissed.
 */
export function pickFilter(current: FilterChoices, offer: FilterOffer = { tags: [], models: [], threads: [] }, labels: readonly string[] = []): Promise<FilterChoices | undefined> {
  const qp = vscode.window.createQuickPick<Item>();
  qp.title = 'CODI: Filter Traces';
  qp.placeholder = 'Type words to search titles, inputs and outputs; tick filters to combine; Enter applies';
  qp.canSelectMany = true;
  qp.matchOnDescription = false;
  qp.items = items(current, offer, [...new Set([...labels, ...(current.labels ?? [])])]);
  qp.selectedItems = qp.items.filter((i) => i.on(current));
  qp.value = current.text ?? '';
  return new Promise((resolve) => {
    let done = false;
    qp.onDidAccept(() => {
      const next: FilterChoices = {};
      const text = qp.value.trim();
      if (text) next.text = text;
      for (const i of qp.selectedItems) i.apply(next);
      const picked = (word: string) => qp.selectedItems.some((i) => i.label.includes(word));
      // Low and good scores exclude each other; both ticked means no score filter.
      if (picked('Low scores') && picked('Good scores')) delete next.score;
      // Two threads ticked: the last one wins (a trace belongs to one thread).
      const wantsRange = qp.selectedItems.some((i) => i.range);
      done = true;
      qp.hide();
      if (!wantsRange) return resolve(next);
      void askRange(current.range).then((range) => {
        if (!range) return resolve(undefined);
        delete next.since;
        resolve({ ...next, range });
      });
    });
    qp.onDidHide(() => {
      if (!done) resolve(undefined);
      qp.dispose();
    });
    qp.show();
  });
}
