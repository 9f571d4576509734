import * as vscode from 'vscode';
import type { ReviewItem } from '../../core/store/annotations';
import { Disposable } from '../disposable';
import { badgeIcon, formatDuration, traceLabel } from './tracesTree';

export type ReviewNode = { kind: 'review'; item: ReviewItem };

/** "5 min ago", "3 h ago", "2 d ago". */
function ago(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return vscode.l10n.t('just now');
  if (s < 3600) return vscode.l10n.t('{0} min ago', Math.round(s / 60));
  if (s < 86_400) return vscode.l10n.t('{0} h ago', Math.round(s / 3600));
  return vscode.l10n.t('{0} d ago', Math.round(s / 86_400));
}

/**
 * The "Review" view: traces marked for review and not reviewed yet, oldest first (by when they were
 * queued), with the count on the view's badge. It follows the store (marks made in the trace panel,
 * another window or `codi traces annotate`).
 */
export class ReviewTree extends Disposable implements vscode.TreeDataProvider<ReviewNode> {
  private readonly changed = this._register(new vscode.EventEmitter<ReviewNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private viewRef: vscode.TreeView<ReviewNode> | undefined;
  /** How many traces the last load found (also the badge). */
  count = 0;

  /** @param load the review queue, oldest first */
  constructor(private readonly load: () => Promise<ReviewItem[]>) {
    super();
  }

  set view(view: vscode.TreeView<ReviewNode> | undefined) {
    this.viewRef = view;
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  /** Loads the queue and sets the badge; the badge is kept current even while the view is collapsed. */
  async items(): Promise<ReviewItem[]> {
    const items = await this.load();
    this.count = items.length;
    if (this.viewRef) {
      this.viewRef.badge = items.length ? { value: items.length, tooltip: items.length === 1 ? vscode.l10n.t('1 trace to review') : vscode.l10n.t('{0} traces to review', items.length) } : undefined;
      this.viewRef.message = items.length ? undefined : vscode.l10n.t('No trace waits for review. Use "Mark for Review" on a trace in the Traces view or in its panel.');
    }
    return items;
  }

  async getChildren(node?: ReviewNode): Promise<ReviewNode[]> {
    if (node) return [];
    return (await this.items()).map((item) => ({ kind: 'review', item }));
  }

  getTreeItem(node: ReviewNode): vscode.TreeItem {
    const { trace: t, annotation: a } = node.item;
    const title = traceLabel(t);
    const item = new vscode.TreeItem(title, vscode.TreeItemCollapsibleState.None);
    item.id = `review:${t.id}`;
    item.iconPath = badgeIcon(t);
    const queued = a.queuedAt === null ? '' : vscode.l10n.t('queued {0}', ago(a.queuedAt));
    item.description = [queued, t.type, a.labels.join(', ')].filter(Boolean).join(' · ');
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`$(eye) **${vscode.l10n.t('To review')}** · \`${t.id}\`\n\n`);
    md.appendText(`${t.name}\n`);
    md.appendMarkdown(`\n| | |\n|---|---|\n| ${vscode.l10n.t('Queued')} | ${a.queuedAt === null ? '—' : new Date(a.queuedAt).toLocaleString()} |\n| ${vscode.l10n.t('Score')} | ${t.score === null ? '—' : t.score.toFixed(2)} |\n| ${vscode.l10n.t('Duration')} | ${formatDuration(t.durationMs) || '—'} |\n| ${vscode.l10n.t('Labels')} | ${a.labels.join(', ') || '—'} |\n`);
    if (a.note) md.appendMarkdown(`\n**${vscode.l10n.t('Note')}**: `).appendText(a.note);
    item.tooltip = md;
    item.contextValue = 'trace.review';
    item.command = { command: 'codi.showTrace', title: vscode.l10n.t('Show Trace'), arguments: [t.id] };
    item.accessibilityInformation = { label: vscode.l10n.t('To review: {0} {1}', t.type, [title, queued, a.labels.length ? vscode.l10n.t('labels {0}', a.labels.join(', ')) : ''].filter(Boolean).join(', ')) };
    return item;
  }
}
