import * as vscode from 'vscode';
import type { AlertEvent, AlertState } from '../core/analysis/alerts';
import { evaluateAlerts } from '../core/analysis/alerts';
import { Disposable } from './disposable';
import type { Session } from './session';
import { readAlertSettings } from './settings';

const STATE_KEY = 'codi.alerts.state';
const SNOOZE_KEY = 'codi.alerts.snoozedUntil';
const DEBOUNCE_MS = 500;

/**
 * Quality and error-rate alerts (`codi.alerts.*`): one warning when the rolling value over the latest runs
 * crosses its threshold ("Open Dashboard", "Don't show again today"), a status bar warning until it
 * recovers, nothing repeated while it stays low. The breached state is kept in globalState, so a reload
 * does not warn again; it is evaluated when the store opens and when traces arrive (never at activation:
 * no I/O there).
 */
export class AlertsController extends Disposable {
  private readonly item = this._register(vscode.window.createStatusBarItem('codi.alerts', vscode.StatusBarAlignment.Right, 49));
  private timer: NodeJS.Timeout | undefined;
  private lastMessages: Partial<Record<AlertEvent['kind'], string>> = {};
  private shown = false;

  constructor(
    private readonly session: Session,
    private readonly memento: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.item.name = vscode.l10n.t('CODI Alerts');
    this.item.command = 'codi.openDashboard';
    this._register(session.onDidChangeTraces(() => this.schedule()));
    this._register(session.onDidOpenStore(() => this.schedule()));
    this._register(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('codi.alerts') && this.schedule()));
    this._register({ dispose: () => clearTimeout(this.timer) });
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.evaluate().catch((e: unknown) => this.log.warn(`alerts: ${String(e)}`)), DEBOUNCE_MS);
  }

  /** Evaluates now; returns the events it raised (for tests). */
  async evaluate(): Promise<AlertEvent[]> {
    const settings = readAlertSettings();
    const store = await this.session.getStore();
    const previous = this.memento.get<AlertState>(STATE_KEY) ?? { quality: false, errors: false };
    const status = evaluateAlerts(store.analysis().recent(settings.window), settings, previous);
    if (status.events.length) await this.memento.update(STATE_KEY, status.state);
    for (const e of status.events) {
      this.log.info(`alert ${e.kind} ${e.change}: ${e.message}`);
      if (e.change === 'raised') {
        this.lastMessages[e.kind] = e.message;
        void this.notify(e);
      }
    }
    this.render(status.state, status.meanScore, status.errorRate, settings.window);
    return status.events;
  }

  private async notify(e: AlertEvent): Promise<void> {
    const until = this.memento.get<number>(SNOOZE_KEY) ?? 0;
    if (Date.now() < until) return;
    const dashboard = vscode.l10n.t('Open Dashboard');
    const snooze = vscode.l10n.t("Don't Show Again Today");
    const pick = await vscode.window.showWarningMessage(vscode.l10n.t('CODI: {0}', e.message), dashboard, snooze);
    if (pick === dashboard) await vscode.commands.executeCommand('codi.openDashboard');
    if (pick === snooze) {
      const end = new Date();
      end.setHours(24, 0, 0, 0);
      await this.memento.update(SNOOZE_KEY, end.getTime());
    }
  }

  private render(state: AlertState, meanScore: number | null, errorRate: number | null, window: number): void {
    this.shown = state.quality || state.errors;
    if (!this.shown) {
      this.item.hide();
      return;
    }
    const parts = [state.quality && meanScore !== null ? vscode.l10n.t('quality {0}', meanScore.toFixed(2)) : '', state.errors && errorRate !== null ? vscode.l10n.t('errors {0}%', Math.round(errorRate * 100)) : ''].filter(Boolean);
    this.item.text = `$(warning) CODI ${parts.join(' · ')}`;
    this.item.tooltip = vscode.l10n.t('{0}\nClick to open the dashboard.', [this.lastMessages.quality, this.lastMessages.errors].filter(Boolean).join('\n') || vscode.l10n.t('Over the last {0} runs.', window));
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    this.item.show();
  }

  /** What the status bar shows (for the end-to-end tests). */
  get statusBar(): { visible: boolean; text: string } {
    return { visible: this.shown, text: this.item.text };
  }
}
