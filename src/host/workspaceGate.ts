import * as vscode from 'vscode';
import type { GateDecisions, GatedSetting } from '../core/workspaceValues';
import { describeWithheld, GATED_SETTINGS, gatedValue, NO_DECISIONS, valueHash } from '../core/workspaceValues';
import { Disposable } from './disposable';

const STATE_KEY = 'codi.workspaceSettings.decisions';

/**
 * Applies `codi.prompts.overrides` and `codi.pricing` from a workspace only after the user allowed them once
 * for this workspace (the decision is kept in workspaceState with a hash of the value, so a changed value asks
 * again), and never in an untrusted workspace. Until then CODI uses the user's own values.
 */
export class WorkspaceGate extends Disposable {
  private asking = false;

  constructor(private readonly state: vscode.Memento, private readonly log: vscode.LogOutputChannel) {
    super();
    this._register(vscode.workspace.onDidChangeConfiguration((e) => GATED_SETTINGS.some((k) => e.affectsConfiguration(`codi.${k}`)) && void this.review()));
  }

  private decisions(): GateDecisions {
    return this.state.get<GateDecisions>(STATE_KEY) ?? NO_DECISIONS;
  }

  /** The value CODI uses for a gated setting. */
  value(key: GatedSetting): unknown {
    const v = vscode.workspace.getConfiguration('codi').inspect(key) ?? {};
    return gatedValue(key, v, vscode.workspace.isTrusted, this.decisions()).value;
  }

  /**
   * Asks about workspace values the user has not answered for (one notification listing them). Not awaited by
   * runs: they go on with the user's own values meanwhile.
   */
  async review(): Promise<void> {
    if (this.asking) return;
    const d = this.decisions();
    const c = vscode.workspace.getConfiguration('codi');
    const pending = GATED_SETTINGS.map((key) => ({ key, r: gatedValue(key, c.inspect(key) ?? {}, vscode.workspace.isTrusted, d) })).filter((p) => p.r.ask);
    if (!pending.length) return;
    this.asking = true;
    try {
      const lines = pending.map((p) => describeWithheld(p.key, p.r.withheld));
      this.log.warn(`workspace settings withheld until allowed: ${lines.join('; ')}`);
      const allow = vscode.l10n.t('Allow for this Workspace');
      const show = vscode.l10n.t('Show Settings');
      const keep = vscode.l10n.t('Keep Mine');
      const picked = await vscode.window.showWarningMessage(
        vscode.l10n.t("CODI: This workspace's settings want to change how CODI prompts and prices: {0}. They are not applied until you allow them.", lines.join('; ')),
        allow,
        show,
        keep,
      );
      if (picked === show) {
        await vscode.commands.executeCommand('workbench.action.openWorkspaceSettingsFile');
        return;
      }
      if (picked !== allow && picked !== keep) return; // dismissed: ask again next time
      const next: GateDecisions = { allowed: { ...d.allowed }, declined: { ...d.declined } };
      for (const p of pending) (picked === allow ? next.allowed : next.declined)[p.key] = valueHash(p.r.withheld);
      await this.state.update(STATE_KEY, next);
      this.log.info(`workspace settings ${picked === allow ? 'allowed' : 'declined'}: ${pending.map((p) => `codi.${p.key}`).join(', ')}`);
    } finally {
      this.asking = false;
    }
  }
}
