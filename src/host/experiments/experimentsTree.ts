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
    item.description = [`${pct} of ${e.cases}`, e.status === 'cancelled' ? 'cancelled' : '', date].filter(Boolean).join(' · ');
    item.tooltip = `${e.name} · dataset ${e.dataset}\n${pct} of ${e.cases} cases passed${e.status === 'cancelled' ? ' (cancelled)' : ''}\n${new Date(e.startedAt).toLocaleString()}\nrun ${e.runId}`;
    item.contextValue = 'experiment';
    item.command = { command: 'codi.openExperiment', title: 'Open Experiment', arguments: [e.runId] };
    item.accessibilityInformation = { label: `${e.name}, ${pct} passed, ${date}` };
    return item;
  }
}
