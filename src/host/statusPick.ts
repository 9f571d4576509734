import * as vscode from 'vscode';
import type { FixId, HealthCheck, HealthReport } from '../core/health/types';
import type { StatusController } from './statusController';
import { createPicker } from './pickers';

/** What each fix runs in the editor: a CODI command, or the Settings editor on the right setting. */
const FIXES: Record<FixId, { label: () => string; run: () => Thenable<unknown> }> = {
  'set-gemini-key': { label: () => vscode.l10n.t('Set Gemini API Key'), run: () => vscode.commands.executeCommand('codi.setGeminiApiKey') },
  'gemini-endpoint': { label: () => vscode.l10n.t('Open Endpoint Setting'), run: () => vscode.commands.executeCommand('workbench.action.openSettings', 'codi.apiBaseUrl') },
  'model-settings': { label: () => vscode.l10n.t('Open Model Settings'), run: () => vscode.commands.executeCommand('workbench.action.openSettings', 'codi.model') },
  'enable-opik': { label: () => vscode.l10n.t('Enable Opik Export'), run: () => vscode.commands.executeCommand('codi.enableOpikExport') },
  'set-opik-key': { label: () => vscode.l10n.t('Set Opik API Key'), run: () => vscode.commands.executeCommand('codi.setOpikApiKey') },
  'opik-settings': { label: () => vscode.l10n.t('Open Opik Settings'), run: () => vscode.commands.executeCommand('workbench.action.openSettings', 'codi.opik') },
  'sync-opik': { label: () => vscode.l10n.t('Sync to Opik Now'), run: () => vscode.commands.executeCommand('codi.syncOpikNow') },
  'otlp-settings': { label: () => vscode.l10n.t('Open OTLP Setting'), run: () => vscode.commands.executeCommand('workbench.action.openSettings', 'codi.otlp') },
  'store-compact': { label: () => vscode.l10n.t('Show Log'), run: () => vscode.commands.executeCommand('codi.showLog') },
  'store-settings': { label: () => vscode.l10n.t('Show Log'), run: () => vscode.commands.executeCommand('codi.showLog') },
  'budget-settings': { label: () => vscode.l10n.t('Open Budget Setting'), run: () => vscode.commands.executeCommand('workbench.action.openSettings', 'codi.budget.dailyUsd') },
  'show-log': { label: () => vscode.l10n.t('Show Log'), run: () => vscode.commands.executeCommand('codi.showLog') },
};

const ICONS: Record<HealthCheck['level'], string> = { ok: '$(pass)', warn: '$(warning)', error: '$(error)', skipped: '$(circle-slash)' };

interface CheckItem extends vscode.QuickPickItem {
  check: HealthCheck;
}

function itemsOf(report: HealthReport): CheckItem[] {
  return report.checks.map((c) => ({
    check: c,
    label: `${ICONS[c.level]} ${c.label}`,
    description: c.fix ? `$(tools) ${FIXES[c.fix.id].label()}` : '',
    detail: c.fix && c.level !== 'ok' ? `${c.message} ${c.fix.text}` : c.message,
  }));
}

/**
 * "CODI: Show Status": every check in one list, the network probes included. Opens at once (busy) and fills
 * in when the checks are done; Enter on a line runs its fix (Set API Key, Open Settings, Sync Now…).
 * Resolves with the report the list shows (the end-to-end tests read it).
 */
export async function showStatus(status: StatusController): Promise<HealthReport | null> {
  const pick = createPicker<CheckItem>();
  pick.title = vscode.l10n.t('CODI Status');
  pick.placeholder = vscode.l10n.t('Checking the key, the endpoint, Opik and the trace store…');
  pick.matchOnDetail = true;
  pick.busy = true;
  const refresh: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('refresh'), tooltip: vscode.l10n.t('Check Again') };
  pick.buttons = [refresh];
  let report: HealthReport | null = null;
  const load = async () => {
    pick.busy = true;
    report = await status.check(true);
    pick.items = itemsOf(report);
    const problems = report.checks.filter((c) => c.level === 'error' || c.level === 'warn').length;
    pick.placeholder = problems ? vscode.l10n.t('{0} problem(s): select a line to run its fix', problems) : vscode.l10n.t('No problems found');
    pick.busy = false;
  };
  const done = new Promise<void>((resolve) => {
    pick.onDidTriggerButton((b) => b === refresh && void load());
    pick.onDidAccept(() => {
      const fix = pick.selectedItems[0]?.check.fix;
      pick.hide();
      if (fix) void FIXES[fix.id].run();
    });
    pick.onDidHide(() => {
      pick.dispose();
      resolve();
    });
  });
  pick.show();
  await load().catch((e: unknown) => {
    pick.busy = false;
    pick.placeholder = vscode.l10n.t('The checks failed: {0}', e instanceof Error ? e.message : String(e));
  });
  void done;
  return report;
}
