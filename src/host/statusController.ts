import * as vscode from 'vscode';
import { spentTodayIn } from '../core/budget';
import type { OutboxDepth } from '../core/health/opik';
import { problemLines, runHealthChecks } from '../core/health/report';
import type { HealthInput } from '../core/health/report';
import type { HealthReport } from '../core/health/types';
import type { TraceStore } from '../core/store/traceStore';
import { Disposable } from './disposable';
import type { OpikController } from './opikController';
import { readOpikSettings } from './opikController';
import type { Secrets } from './secrets';
import type { Session } from './session';
import { readSettings } from './settings';

const DEBOUNCE_MS = 500;

/** `codi.otlp.endpoint` (machine scope), else `CODI_OTLP_ENDPOINT`. */
function otlpEndpoint(): string | null {
  const v = vscode.workspace.getConfiguration('codi.otlp').get<unknown>('endpoint');
  return (typeof v === 'string' && v.trim()) || process.env.CODI_OTLP_ENDPOINT?.trim() || null;
}

/**
 * The one CODI status bar item, always there: "$(sparkle) CODI" when all is well, "$(warning) CODI" on a
 * warning background when a check needs attention (no key, Opik misconfigured or failing, store damage,
 * budget nearly used), its tooltip one line per problem. It re-checks what is local (no network) when the
 * key, the settings, the store or the outbox change; "CODI: Show Status" runs every check, network
 * probes included (models.get, Opik's projects/retrieve, the OTLP receiver). Sets the `codi.hasGeminiKey`
 * context key the walkthrough's first step completes on.
 */
export class StatusController extends Disposable {
  private readonly item = this._register(vscode.window.createStatusBarItem('codi.status', vscode.StatusBarAlignment.Right, 100));
  private timer: NodeJS.Timeout | undefined;
  private storeOpen = false;
  private last: HealthReport | null = null;
  private running: Promise<HealthReport> | null = null;

  constructor(
    private readonly session: Session,
    private readonly secrets: Secrets,
    private readonly opik: OpikController,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.item.name = vscode.l10n.t('CODI Status');
    this.item.command = 'codi.showStatus';
    this.item.text = '$(sparkle) CODI';
    this.item.tooltip = vscode.l10n.t('CODI: click to check the key, the endpoint, Opik and the trace store.');
    this.item.show();
    this._register(session.onDidOpenStore(() => ((this.storeOpen = true), this.schedule())));
    this._register(session.onDidChangeTraces(() => this.schedule()));
    this._register(secrets.onDidChange(() => this.schedule()));
    this._register(opik.onDidChange(() => this.schedule()));
    this._register(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('codi') && this.schedule()));
    this._register({ dispose: () => clearTimeout(this.timer) });
  }

  /** A local check soon (debounced). Activation calls it from a timer: nothing here runs on the activation path. */
  schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.check(false).catch((e: unknown) => this.log.warn(`status: ${String(e)}`)), DEBOUNCE_MS);
  }

  /** Runs the checks (with `probe`, the network ones too), updates the item and returns the report. */
  async check(probe: boolean): Promise<HealthReport> {
    const run = this.gather(probe).then((input) => runHealthChecks(input));
    this.running = run;
    const report = await run;
    // A local check that finished after a full one must not hide what the full one found.
    if (this.running === run || probe) this.render(report);
    return report;
  }

  private async gather(probe: boolean): Promise<HealthInput> {
    // Quietly: a status check never asks about workspace-provided settings (a run does).
    const settings = readSettings((k) => this.session.gate.value(k));
    const key = (await this.session.getApiKey()) ?? null;
    void vscode.commands.executeCommand('setContext', 'codi.hasGeminiKey', Boolean(key));
    const opik = readOpikSettings();
    let store: TraceStore | null = null;
    let openError: string | null = null;
    if (this.storeOpen || probe) {
      store = await this.session.getStore().catch((e: unknown) => ((openError = e instanceof Error ? e.message : String(e)), null));
    }
    const outbox: OutboxDepth | null = store || opik.enabled ? await this.opik.depth().catch(() => null) : null;
    return {
      surface: 'editor',
      probe,
      gemini: { apiKey: key, baseUrl: settings.apiBaseUrl || undefined, apiVersion: settings.apiVersion, models: [settings.model, settings.judgeEnabled ? settings.judgeModel : '', settings.fallbackModel] },
      opik: { enabled: opik.enabled, settings: { url: opik.url || undefined, workspace: opik.workspace || undefined, project: opik.project }, apiKey: (await this.secrets.get('codi.opikApiKey')) ?? null, outbox },
      otlpEndpoint: otlpEndpoint(),
      store: { dir: this.session.storeDir, traces: store ? store.count() : null, issues: store ? [...store.issues] : [], openError: store ? null : (openError ?? (probe ? 'unknown error' : null)) },
      cost: { spentUsd: store ? spentTodayIn(store) : null, dailyUsd: settings.dailyBudgetUsd },
    };
  }

  private render(report: HealthReport): void {
    this.last = report;
    const problems = problemLines(report);
    const attention = report.level !== 'ok';
    this.item.text = attention ? '$(warning) CODI' : '$(sparkle) CODI';
    this.item.backgroundColor = attention ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(attention ? `**${vscode.l10n.t('CODI needs attention')}**\n\n` : `**${vscode.l10n.t('CODI: no problems found')}**\n\n`);
    for (const p of problems) md.appendText(`${p}\n`).appendMarkdown('\n');
    md.appendMarkdown(vscode.l10n.t('Click for the full status and fixes.'));
    this.item.tooltip = md;
    this.item.accessibilityInformation = { label: attention ? vscode.l10n.t('CODI needs attention: {0} problem(s)', problems.length) : vscode.l10n.t('CODI: no problems found') };
  }

  /** The last report and what the item shows (for the end-to-end tests). */
  get statusBar(): { text: string; tooltip: string; attention: boolean; level: HealthReport['level'] | null } {
    const t = this.item.tooltip;
    return { text: this.item.text, tooltip: typeof t === 'string' ? t : (t?.value ?? ''), attention: this.item.backgroundColor !== undefined, level: this.last?.level ?? null };
  }
}
