import * as vscode from 'vscode';
import type { TraceType } from '../../shared/types';
import type { TraceStore } from '../../core/store/traceStore';
import type { FilterChoices } from './traceFilter';
import { formatDateRange, parseDateRange } from './traceFilter';
import { traceLabel } from './tracesTree';
import { askText, createPicker } from '../pickers';

type Item = vscode.QuickPickItem & { apply: (c: FilterChoices) => void; on: (c: FilterChoices) => boolean; range?: true; score?: 'low' | 'good' };

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
    sep(vscode.l10n.t('Outcome')),
    { label: `$(error) ${vscode.l10n.t('Errors only')}`, apply: (c) => (c.errors = true), on: (c) => !!c.errors },
    { label: `$(warning) ${vscode.l10n.t('Low scores')}`, description: vscode.l10n.t('below 0.6'), score: 'low', apply: (c) => (c.score = 'low'), on: (c) => c.score === 'low' },
    { label: `$(pass) ${vscode.l10n.t('Good scores')}`, description: vscode.l10n.t('0.8 and above'), score: 'good', apply: (c) => (c.score = 'good'), on: (c) => c.score === 'good' },
    sep(vscode.l10n.t('Type')),
    typeItem('explain', 'comment-discussion', vscode.l10n.t('Explain')),
    typeItem('summarize', 'list-flat', vscode.l10n.t('Summarize')),
    typeItem('generate', 'wand', vscode.l10n.t('Generate')),
    sep(vscode.l10n.t('When')),
    since('today', vscode.l10n.t('Today')),
    since('7d', vscode.l10n.t('Last 7 days')),
    since('30d', vscode.l10n.t('Last 30 days')),
    since('90d', vscode.l10n.t('Last 90 days')),
    {
      label: `$(calendar) ${vscode.l10n.t('Date range…')}`,
      description: current.range ? formatDateRange(current.range) : vscode.l10n.t('asks for the days after Enter'),
      range: true,
      apply: (c) => current.range && (c.range = current.range),
      on: (c) => !!c.range,
    },
    sep(vscode.l10n.t('Review')),
    { label: `$(eye) ${vscode.l10n.t('To review')}`, description: vscode.l10n.t('in the review queue'), apply: (c) => (c.toReview = true), on: (c) => !!c.toReview },
    ...labels.map((l): Item => ({ label: `$(bookmark) ${l}`, description: vscode.l10n.t('label'), apply: (c) => (c.labels = [...(c.labels ?? []), l]), on: (c) => !!c.labels?.includes(l) })),
  ];
  if (tags.length) list.push(sep(vscode.l10n.t('Tag (any of)')), ...tags.map((t) => listItem('tags', 'tag', t)));
  if (models.length) list.push(sep(vscode.l10n.t('Model (any of)')), ...models.map((m) => listItem('models', 'hubot', m)));
  if (threads.length) {
    list.push(
      sep(vscode.l10n.t('Thread (re-asks on the same code)')),
      ...threads.map((t): Item => ({ label: `$(comment-discussion) ${t.label}`, description: t.id.slice(0, 8), apply: (c) => (c.thread = { id: t.id, label: t.label }), on: (c) => c.thread?.id === t.id })),
    );
  }
  return list.map((i) => ({ ...i, alwaysShow: true }));
}

/** Asks for the days of "Date range…"; undefined when dismissed. */
async function askRange(current: FilterChoices['range']): Promise<FilterChoices['range'] | undefined> {
  const text = await askText({
    title: vscode.l10n.t('CODI: Filter Traces by Date'),
    prompt: vscode.l10n.t('First and last day, both included (one day alone is fine)'),
    placeHolder: vscode.l10n.t('2026-11-01..2026-11-20'),
    value: current ? formatDateRange(current) : '',
    validateInput: (v) => (parseDateRange(v) ? undefined : vscode.l10n.t('Type the days as YYYY-MM-DD..YYYY-MM-DD, the first not after the last, e.g. 2026-11-01..2026-11-20')),
  });
  return text === undefined ? undefined : (parseDateRange(text) ?? undefined);
}

/**
 * One quick pick for every filter: type words to search, tick any filters, Enter applies them together.
 * Ticks in one group (types, tags, models) mean any of them; groups combine. It opens with the current
 * filter ticked and its search typed in. Resolves with the new choices, or undefined when dismissed.
 */
export function pickFilter(current: FilterChoices, offer: FilterOffer = { tags: [], models: [], threads: [] }, labels: readonly string[] = []): Promise<FilterChoices | undefined> {
  const qp = createPicker<Item>();
  qp.title = vscode.l10n.t('CODI: Filter Traces');
  qp.placeholder = vscode.l10n.t('Type words to search titles, inputs and outputs; tick filters to combine; Enter applies');
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
      const picked = (score: Item['score']) => qp.selectedItems.some((i) => i.score === score);
      // Low and good scores exclude each other; both ticked means no score filter.
      if (picked('low') && picked('good')) delete next.score;
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
