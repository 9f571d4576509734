import * as vscode from 'vscode';
import type { TraceFilter } from '../../core/store/queries';
import type { TraceAnnotation } from '../../shared/annotation';
import type { TraceSummary } from '../../shared/types';
import { scoreBand } from '../../shared/types';
import { annotationLine } from '../../shared/annotation';
import { Disposable } from '../disposable';
import type { FilterChoices } from './traceFilter';
import { describeFilter, filterFor, isFiltered, parseChoices } from './traceFilter';

const FILTER_KEY = 'codi.traces.filter';
const SCOPE_KEY = 'codi.traces.scope';

export type Grouping = 'day' | 'thread';
/** Every trace of the shared store (the CLI's and other windows' too), or only those recorded in this window's workspace folders. */
export type Scope = 'all' | 'workspace';

export type Node =
  /** A day, or a thread when grouped by thread (`key`: the day label or the thread id). */
  | { kind: 'day'; label: string; key: string; traces: TraceSummary[]; annotations?: Map<string, TraceAnnotation> }
  | { kind: 'trace'; trace: TraceSummary; annotation?: TraceAnnotation }
  /** The way out of a filter that matches nothing (the view's message names the filter). */
  | { kind: 'action'; label: string; icon: string; command: string };

const TYPE_ICONS: Record<TraceSummary['type'], string> = {
  explain: 'comment-discussion',
  summarize: 'list-flat',
  generate: 'wand',
  judge: 'law',
  experiment: 'beaker',
};

function dayLabel(ms: number, now = new Date()): string {
  const d = new Date(ms);
  const startOf = (x: Date) => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
  const diff = Math.round((startOf(now) - startOf(d)) / 86_400_000);
  if (diff === 0) return 'Today';
  if (diff === 1) return 'Yesterday';
  return d.toLocaleDateString(undefined, { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric' });
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return '';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * The label of a trace: what it ran on, the same way for every type ("src/lru.ts:29-36", "src/a.ts: parse
 * ISO dates"); the type is in the description and the tooltip.
 */
export function traceLabel(t: TraceSummary): string {
  return t.name.replace(/^(Explain|Summarize|Generate)\s+/, '') || t.name;
}

/** The badge of a trace: codicon and theme colour by score band, or an error marker. */
export function badgeIcon(t: TraceSummary): vscode.ThemeIcon {
  if (t.error) return new vscode.ThemeIcon(t.error.kind === 'cancelled' ? 'circle-slash' : 'error', new vscode.ThemeColor(t.error.kind === 'cancelled' ? 'disabledForeground' : 'testing.iconFailed'));
  switch (scoreBand(t.score)) {
    case 'good':
      return new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed'));
    case 'fair':
      return new vscode.ThemeIcon('warning', new vscode.ThemeColor('editorWarning.foreground'));
    case 'poor':
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
    case 'none':
      return new vscode.ThemeIcon(TYPE_ICONS[t.type]);
  }
}

/** The "Traces" tree: newest first, grouped by day; each item shows type, title, score badge and duration. */
export class TracesTree extends Disposable implements vscode.TreeDataProvider<Node> {
  private readonly changed = this._register(new vscode.EventEmitter<Node | undefined>());
  readonly onDidChangeTreeData = this.changed.event;

  private choices: FilterChoices = {};
  /** The view showing this tree: the active filter is spelled out in its message and description. */
  private viewRef: vscode.TreeView<Node> | undefined;

  /**
   * @param load the newest traces matching a filter, how many match in all, and their annotations (tooltips)
   * @param memento where the filter and the scope are kept, so they survive a reload
   * @param workspaceRoots this window's workspace folders (the "this workspace" scope)
   */
  constructor(
    private readonly load: (filter: TraceFilter) => Promise<{ items: TraceSummary[]; total: number; annotations?: Map<string, TraceAnnotation> }>,
    private readonly memento?: vscode.Memento,
    private readonly workspaceRoots: () => string[] = () => [],
  ) {
    super();
    this.choices = parseChoices(memento?.get(FILTER_KEY));
    this.scopeValue = memento?.get(SCOPE_KEY) === 'workspace' ? 'workspace' : 'all';
    void vscode.commands.executeCommand('setContext', 'codi.tracesFiltered', isFiltered(this.choices));
    void vscode.commands.executeCommand('setContext', 'codi.tracesThisWorkspace', this.scopeValue === 'workspace');
  }

  set view(view: vscode.TreeView<Node> | undefined) {
    this.viewRef = view;
    this.describe();
  }

  private scopeValue: Scope;

  get scope(): Scope {
    return this.scopeValue;
  }

  /** Shows every trace, or only this workspace's (kept per workspace). */
  setScope(scope: Scope): void {
    this.scopeValue = scope;
    void this.memento?.update(SCOPE_KEY, scope === 'workspace' ? scope : undefined);
    void vscode.commands.executeCommand('setContext', 'codi.tracesThisWorkspace', scope === 'workspace');
    this.describe();
    this.refresh();
  }

  /** The view's description says what narrows the list: "this workspace", "filtered". */
  private describe(): void {
    if (!this.viewRef) return;
    const parts = [this.scopeValue === 'workspace' ? vscode.l10n.t('this workspace') : '', isFiltered(this.choices) ? vscode.l10n.t('filtered') : ''].filter(Boolean);
    this.viewRef.description = parts.length ? parts.join(' · ') : undefined;
  }

  get view(): vscode.TreeView<Node> | undefined {
    return this.viewRef;
  }

  /** The active filter, as chosen. */
  get filter(): FilterChoices {
    return { ...this.choices };
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  setFilter(choices: FilterChoices): void {
    this.choices = parseChoices(choices);
    void this.memento?.update(FILTER_KEY, isFiltered(this.choices) ? this.choices : undefined);
    void vscode.commands.executeCommand('setContext', 'codi.tracesFiltered', isFiltered(this.choices));
    this.describe();
    this.refresh();
  }

  /** Groups by day (newest first) or by thread (re-asks on the same code; the newest thread first). */
  private grouping: Grouping = 'day';

  setGrouping(g: Grouping): void {
    this.grouping = g;
    this.refresh();
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (node?.kind === 'trace' || node?.kind === 'action') return [];
    if (node?.kind === 'day') return node.traces.map((trace) => ({ kind: 'trace', trace, annotation: node.annotations?.get(trace.id) }));
    const scoped = this.scopeValue === 'workspace';
    const { items: traces, total, annotations } = await this.load({ ...filterFor(this.choices), ...(scoped ? { workspace: this.workspaceRoots() } : {}) });
    const on = isFiltered(this.choices);
    if (scoped && !on && total === 0) {
      // Never mistaken for an empty history: the CLI's and other workspaces' traces are one click away.
      if (this.viewRef) this.viewRef.message = vscode.l10n.t('This workspace only: no trace was recorded in this workspace yet.');
      return [{ kind: 'action', label: vscode.l10n.t('Show Traces of All Workspaces'), icon: 'root-folder-opened', command: 'codi.showAllWorkspacesTraces' }];
    }
    // Filtered: say what is shown, so an empty or short list is never mistaken for an empty history.
    if (this.viewRef) this.viewRef.message = on ? (total === 0 ? vscode.l10n.t('Filter: {0} — no trace matches', describeFilter(this.choices)) : total === 1 ? vscode.l10n.t('Filter: {0} — 1 match', describeFilter(this.choices)) : vscode.l10n.t('Filter: {0} — {1} matches', describeFilter(this.choices), total.toLocaleString('en-US'))) : undefined;
    if (on && total === 0) {
      return [
        { kind: 'action', label: vscode.l10n.t('Change Filter…'), icon: 'filter', command: 'codi.filterTraces' },
        { kind: 'action', label: vscode.l10n.t('Clear Filter'), icon: 'clear-all', command: 'codi.clearTracesFilter' },
      ];
    }
    const groups = new Map<string, Node & { kind: 'day' }>();
    for (const t of traces) {
      const key = this.grouping === 'day' ? dayLabel(t.startTime) : (t.threadId ?? '');
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { kind: 'day', key, label: this.grouping === 'day' ? key : key ? t.name : vscode.l10n.t('Not in a thread'), traces: [], annotations }));
      g.traces.push(t);
    }
    const list = [...groups.values()];
    // Threads: the unthreaded group last (Map order is already newest first).
    return this.grouping === 'thread' ? [...list.filter((g) => g.key), ...list.filter((g) => !g.key)] : list;
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'action') {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
      item.id = `action:${node.command}`;
      item.iconPath = new vscode.ThemeIcon(node.icon);
      item.contextValue = 'filterAction';
      item.command = { command: node.command, title: node.label };
      return item;
    }
    if (node.kind === 'day') {
      const item = new vscode.TreeItem(node.label, this.grouping === 'day' ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `${this.grouping}:${node.key}`;
      item.description = node.traces.length === 1 ? vscode.l10n.t('1 trace') : vscode.l10n.t('{0} traces', node.traces.length.toLocaleString('en-US'));
      item.contextValue = 'day';
      return item;
    }
    const t = node.trace;
    const title = traceLabel(t);
    const item = new vscode.TreeItem(title, vscode.TreeItemCollapsibleState.None);
    item.id = t.id;
    item.iconPath = badgeIcon(t);
    const score = t.score === null ? null : t.score.toFixed(2);
    const time = new Date(t.startTime).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
    // The score (or what went wrong) first: it is what a narrow sidebar must not cut off.
    item.description = [t.error ? t.error.kind : (score ?? '—'), t.type, formatDuration(t.durationMs), time].filter(Boolean).join(' · ');
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`$(${TYPE_ICONS[t.type]}) **${t.type}** · \`${t.id}\`\n\n`);
    md.appendText(`${t.name}\n`);
    const model = t.model === null ? '—' : t.tags.includes('fallback') ? vscode.l10n.t('{0} (fallback model)', t.model) : t.model;
    md.appendMarkdown(`\n| | |\n|---|---|\n| ${vscode.l10n.t('Score')} | ${score ?? '—'} |\n| ${vscode.l10n.t('Duration')} | ${formatDuration(t.durationMs) || '—'} |\n| ${vscode.l10n.t('Model')} | ${model} |\n| ${vscode.l10n.t('Tokens')} | ${t.totalTokens?.toLocaleString() ?? '—'} |\n| ${vscode.l10n.t('Cost')} | ${t.costUsd === null ? '—' : `$${t.costUsd.toFixed(5)}`} |\n`);
    if (t.error) md.appendMarkdown(`\n$(error) **${t.error.kind}**: `).appendText(t.error.message);
    const review = annotationLine(node.annotation, 200);
    if (review) md.appendMarkdown(`\n\n$(${node.annotation?.review === 'queued' ? 'eye' : 'tag'}) **${vscode.l10n.t('Review')}**: `).appendText(review);
    item.tooltip = md;
    item.contextValue = t.error ? 'trace.error' : 'trace';
    item.command = { command: 'codi.showTrace', title: vscode.l10n.t('Show Trace'), arguments: [t.id] };
    item.accessibilityInformation = { label: t.error ? vscode.l10n.t('{0} {1}, failed: {2}, {3}', t.type, title, t.error.kind, formatDuration(t.durationMs)) : vscode.l10n.t('{0} {1}, score {2}, {3}', t.type, title, score ?? vscode.l10n.t('none'), formatDuration(t.durationMs)) };
    return item;
  }
}
