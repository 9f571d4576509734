import * as vscode from 'vscode';
import type { TraceFilter } from '../../core/store/queries';
import type { TraceSummary } from '../../shared/types';
import { scoreBand } from '../../shared/types';
import { Disposable } from '../disposable';

export type Node = { kind: 'day'; label: string; key: string; traces: TraceSummary[] } | { kind: 'trace'; trace: TraceSummary };
export type Grouping = 'day' | 'thread';

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

  private filter: TraceFilter = {};
  /** The view showing this tree, to put the active filter in its description. */
  view: vscode.TreeView<Node> | undefined;
  /** What the filter shows, for the view's description; empty when unfiltered. */
  filterLabel = '';

  constructor(private readonly load: (filter: TraceFilter) => Promise<TraceSummary[]>) {
    super();
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  setFilter(filter: TraceFilter, label: string): void {
    this.filter = filter;
    this.filterLabel = label;
    void vscode.commands.executeCommand('setContext', 'codi.tracesFiltered', label !== '');
    if (this.view) this.view.description = label ? `filter: ${label}` : undefined;
    this.refresh();
  }

  /** Groups by day (newest first) or by thread (re-asks on the same code; the newest thread first). */
  private grouping: Grouping = 'day';

  setGrouping(g: Grouping): void {
    this.grouping = g;
    this.refresh();
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (node?.kind === 'trace') return [];
    if (node?.kind === 'day') return node.traces.map((trace) => ({ kind: 'trace', trace }));
    const traces = await this.load(this.filter);
    const groups = new Map<string, Node & { kind: 'day' }>();
    for (const t of traces) {
      const key = this.grouping === 'day' ? dayLabel(t.startTime) : (t.threadId ?? '');
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { kind: 'day', key, label: this.grouping === 'day' ? key : key ? t.name : 'Not in a thread', traces: [] }));
      g.traces.push(t);
    }
    const list = [...groups.values()];
    // Threads: the unthreaded group last (Map order is already newest first).
    return this.grouping === 'thread' ? [...list.filter((g) => g.key), ...list.filter((g) => !g.key)] : list;
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'day') {
      const item = new vscode.TreeItem(node.label, this.grouping === 'day' ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `${this.grouping}:${node.key}`;
      item.description = `${node.traces.length} trace${node.traces.length === 1 ? '' : 's'}`;
      item.contextValue = 'day';
      return item;
    }
    const t = node.trace;
    const title = t.name.replace(/^Explain /, '');
    const item = new vscode.TreeItem(title, vscode.TreeItemCollapsibleState.None);
    item.id = t.id;
    item.iconPath = badgeIcon(t);
    const score = t.score === null ? null : t.score.toFixed(2);
    const time = new Date(t.startTime).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
    item.description = [t.type, t.error ? t.error.kind : score, formatDuration(t.durationMs), time].filter(Boolean).join(' · ');
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${t.type}** · $(${TYPE_ICONS[t.type]}) \`${t.id}\`\n\n`);
    md.appendText(`${t.name}\n`);
    md.appendMarkdown(`\n| | |\n|---|---|\n| Score | ${score ?? '—'} |\n| Duration | ${formatDuration(t.durationMs) || '—'} |\n| Model | ${t.model ?? '—'} |\n| Tokens | ${t.totalTokens?.toLocaleString() ?? '—'} |\n| Cost | ${t.costUsd === null ? '—' : `$${t.costUsd.toFixed(5)}`} |\n`);
    if (t.error) md.appendMarkdown(`\n$(error) **${t.error.kind}**: `).appendText(t.error.message);
    item.tooltip = md;
    item.contextValue = t.error ? 'trace.error' : 'trace';
    item.command = { command: 'codi.showTrace', title: 'Show Trace', arguments: [t.id] };
    item.accessibilityInformation = { label: `${t.type} ${title}, score ${score ?? 'none'}, ${formatDuration(t.durationMs)}` };
    return item;
  }
}
