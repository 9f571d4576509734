import * as vscode from 'vscode';
import type { ExperimentSummary } from '../../core/eval/experimentStore';
import { Disposable } from '../disposable';

/** The "Experiments" tree: stored runs newest first (name, pass rate, date); a click opens the run. */
export class ExperimentsTree extends Disposable implements vscode.TreeDataProvider<ExperimentSummary> {
  private readonly changed = this._register(new vscode.EventEmitter<undefined>());
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly load: () => Promise<ExperimentSummary[]>) {
    super();
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  getChildren(node?: ExperimentSummary): Promise<ExperimentSummary[]> {
    return node ? Promise.resolve([]) : this.load();
  }

  getTreeItem(e: ExperimentSummary): vscode.TreeItem {
    const pct = `${Math.round(e.passRate * 100)}%`;
    const item = new vscode.TreeItem(e.name, vscode.TreeItemCollapsibleState.None);
    item.id = e.runId;
    const all = e.passRate >= 1 - 1e-9;
    item.iconPath = e.status === 'cancelled' ? new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground')) : new vscode.ThemeIcon(all ? 'pass-filled' : 'error', new vscode.ThemeColor(all ? 'testing.iconPassed' : 'testing.iconFailed'));
    const date = new Date(e.startedAt).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
    item.description = [vscode.l10n.t('{0} of {1}', pct, e.cases), e.status === 'cancelled' ? vscode.l10n.t('cancelled') : '', date].filter(Boolean).join(' · ');
    item.tooltip = e.status === 'cancelled'
      ? vscode.l10n.t('{0} · dataset {1}\n{2} of {3} cases passed (cancelled)\n{4}\nrun {5}', e.name, e.dataset, pct, e.cases, new Date(e.startedAt).toLocaleString(), e.runId)
      : vscode.l10n.t('{0} · dataset {1}\n{2} of {3} cases passed\n{4}\nrun {5}', e.name, e.dataset, pct, e.cases, new Date(e.startedAt).toLocaleString(), e.runId);
    item.contextValue = 'experiment';
    item.command = { command: 'codi.openExperiment', title: vscode.l10n.t('Open Experiment'), arguments: [e.runId] };
    item.accessibilityInformation = { label: vscode.l10n.t('{0}, {1} passed, {2}', e.name, pct, date) };
    return item;
  }
}
