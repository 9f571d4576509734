import * as vscode from 'vscode';
import type { BudgetCheck, BudgetGuard } from '../core/budget';
import { budgetMessage, createBudgetGuard, spentTodayIn, startOfLocalDay, usd } from '../core/budget';
import type { PriceTable } from '../core/gemini/pricing';
import type { TraceStore } from '../core/store/traceStore';
import { Disposable } from './disposable';

/**
 * The daily budget in VS Code: a guard per run (warning at 80%, "Run anyway today" at 100%) and a status bar item
 * with today's spend against `codi.budget.dailyUsd` (hidden when the budget is off).
 */
export class BudgetUi extends Disposable {
  private readonly item = this._register(vscode.window.createStatusBarItem('codi.budget', vscode.StatusBarAlignment.Right, 99));
  /** The local day (start, epoch ms) for which the user chose "Run anyway today". */
  private overrideDay: number | null = null;

  constructor(private readonly log: vscode.LogOutputChannel) {
    super();
    this.item.name = vscode.l10n.t('CODI Daily Budget');
    this.item.command = { title: vscode.l10n.t('Open Settings'), command: 'workbench.action.openSettings', arguments: ['codi.budget.dailyUsd'] };
  }

  /** A guard for one run (null when the budget is off). */
  guard(dailyUsd: number, store: TraceStore, prices: PriceTable): BudgetGuard | null {
    if (!(dailyUsd > 0)) return null;
    return createBudgetGuard({
      dailyUsd,
      spentToday: async () => spentTodayIn(store),
      onWarn: (c) => {
        this.log.info(`budget: ${usd(c.spentUsd)} of ${usd(c.limitUsd)} spent today`);
        void vscode.window.showWarningMessage(vscode.l10n.t("CODI: {0}% of today's budget ({1}) is used or about to be.", Math.round(((c.spentUsd + c.estimateUsd) / c.limitUsd) * 100), usd(c.limitUsd)));
      },
      onExceed: (c) => this.askOverride(c),
    }, prices);
  }

  private async askOverride(c: BudgetCheck): Promise<boolean> {
    if (this.overrideDay === startOfLocalDay(Date.now())) return true;
    const anyway = vscode.l10n.t('Run anyway today');
    const settings = vscode.l10n.t('Open Settings');
    const picked = await vscode.window.showWarningMessage(vscode.l10n.t('CODI: {0}', budgetMessage(c)), { modal: true }, anyway, settings);
    if (picked === settings) void vscode.commands.executeCommand('workbench.action.openSettings', 'codi.budget.dailyUsd');
    if (picked !== anyway) return false;
    this.overrideDay = startOfLocalDay(Date.now());
    this.log.info(`budget: over ${usd(c.limitUsd)}; the user chose to run anyway today`);
    return true;
  }

  /** Refreshes the status bar item (after a run, or when the setting changes). */
  update(dailyUsd: number, store: TraceStore | null): void {
    if (!(dailyUsd > 0) || !store) {
      this.item.hide();
      return;
    }
    const spent = spentTodayIn(store);
    this.item.text = `$(credit-card) ${usd(spent)} / ${usd(dailyUsd)}`;
    this.item.tooltip = vscode.l10n.t("CODI: today's model spend against the daily budget (codi.budget.dailyUsd). Click to change it.");
    this.item.backgroundColor = spent >= dailyUsd ? new vscode.ThemeColor('statusBarItem.errorBackground') : spent >= 0.8 * dailyUsd ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.show();
  }
}
