import * as vscode from 'vscode';
import type { OpikExport } from '../core/opik/exporter';
import { experimentExportStatus, exportStatus, startOpikExport } from '../core/opik/exporter';
import type { OutboxStatus, OutboxStore } from '../core/opik/outbox';
import type { OutboxDepth } from '../core/health/opik';
import type { OpikLinkState } from '../shared/protocol';
import { Disposable } from './disposable';
import type { Secrets } from './secrets';
import type { Session } from './session';

export interface OpikSettingsView {
  enabled: boolean;
  url: string;
  workspace: string;
  project: string;
  redact: string[];
}

export function readOpikSettings(): OpikSettingsView {
  const c = vscode.workspace.getConfiguration('codi.opik');
  // The same patterns as before the model call: codi.opik.redact and codi.redact.patterns.
  const redact = [c.get<unknown>('redact'), vscode.workspace.getConfiguration('codi.redact').get<unknown>('patterns')].flatMap((v) => (Array.isArray(v) ? v : []));
  return {
    enabled: c.get<boolean>('enabled', false) === true,
    url: c.get<string>('url', '') ?? '',
    workspace: c.get<string>('workspace', '') ?? '',
    project: c.get<string>('project', 'CODI') || 'CODI',
    redact: redact.filter((r): r is string => typeof r === 'string'),
  };
}

const OFF: OpikLinkState = { state: 'off', url: null, lastError: null };

/**
 * Opik export for this window: off by default; when on, every finished trace goes into a durable outbox
 * and a worker delivers it with backoff across restarts. The opik SDK is loaded only by the worker's
 * first delivery, never while export is off. A status bar item shows the state and the outbox depth.
 */
export class OpikController extends Disposable {
  private exp: OpikExport | null = null;
  /** Lets go of the store before it closes; restarts export when a store opens again. */
  private readonly storeFollow: ReturnType<Session['followStore']>;
  private readonly item = this._register(vscode.window.createStatusBarItem('codi.opik', vscode.StatusBarAlignment.Right, 50));
  private readonly changed = this._register(new vscode.EventEmitter<string | null>());
  /** Fires with a trace id whose export state changed (null: many may have). */
  readonly onDidChange = this.changed.event;
  private generation = 0;
  /** The status item shows the current worker's state (render() finished since the last restart). */
  private rendered = false;
  /** Settles once the latest restart() has set up (or dropped) the worker: a trace finishing meanwhile waits for it. */
  private settled: Promise<void> = Promise.resolve();

  constructor(
    private readonly session: Session,
    private readonly secrets: Secrets,
    private readonly log: vscode.LogOutputChannel,
    private readonly clientVersion: string,
  ) {
    super();
    this.item.name = vscode.l10n.t('CODI Opik export');
    this.item.command = 'codi.syncOpikNow';
    this._register(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('codi.opik') && void this.restart()));
    this._register(secrets.onDidChange((key) => key === 'codi.opikApiKey' && void this.restart()));
    this._register({ dispose: () => void this.exp?.worker?.stop() });
    // The worker holds the store's outbox: it lets go before the store closes and follows the next one.
    this.storeFollow = this._register(
      session.followStore(
        async () => {
          const worker = this.exp?.worker;
          const held = this.exp !== null;
          this.exp = null;
          await worker?.stop();
          return held;
        },
        () => this.restart(),
      ),
    );
  }

  get enabled(): boolean {
    return readOpikSettings().enabled;
  }

  /** What the status bar item shows and how often export was (re)started (for the end-to-end tests). */
  get statusBar(): { text: string; tooltip: string; visible: boolean; restarts: number } {
    const tooltip = this.item.tooltip;
    return { text: this.item.text, tooltip: typeof tooltip === 'string' ? tooltip : (tooltip?.value ?? ''), visible: this.exp !== null && this.rendered, restarts: this.generation };
  }

  private async getOutbox(): Promise<OutboxStore> {
    // The outbox lives in the trace store's journal (one per open store): durable, shared with other windows.
    return (await this.session.getStore()).outbox();
  }

  /** (Re)starts export from the current settings and key; with export off, stops and hides the status item. */
  async restart(): Promise<void> {
    let settle = (): void => undefined;
    this.settled = new Promise<void>((resolve) => (settle = resolve));
    try {
      await this.restartNow(settle);
    } finally {
      settle();
    }
  }

  private async restartNow(settle: () => void): Promise<void> {
    const gen = ++this.generation;
    await this.exp?.worker?.stop();
    this.exp = null;
    this.rendered = false;
    const settings = readOpikSettings();
    void vscode.commands.executeCommand('setContext', 'codi.opikEnabled', settings.enabled);
    if (!settings.enabled) {
      this.item.hide();
      this.changed.fire(null);
      return;
    }
    let opened: [string | undefined, OutboxStore, Awaited<ReturnType<Session['getStore']>>];
    try {
      opened = await Promise.all([this.secrets.get('codi.opikApiKey'), this.getOutbox(), this.session.getStore()]);
    } catch (e) {
      if (gen !== this.generation) return;
      this.storeFollow.waitForStore();
      this.log.warn(`opik: export waits for the trace store, which could not be opened: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    const [apiKey, outbox, store] = opened;
    if (gen !== this.generation) return;
    this.exp = startOpikExport({
      settings: { enabled: true, url: settings.url || undefined, workspace: settings.workspace || undefined, project: settings.project, redact: settings.redact },
      apiKey: apiKey ?? null,
      store: outbox,
      // Another window or the CLI may have written the trace since this window last read the journal.
      loadTrace: async (id) => (await store.get(id)) ?? (await store.refresh(), await store.get(id)),
      loadExperiment: (runId) => this.session.experiments.withCases(runId),
      clientVersion: this.clientVersion,
      client: 'vscode',
      log: (level, message) => this.log[level](`opik: ${message}`),
      onDidChange: (c) => {
        this.changed.fire(c.traceId);
        void this.render();
      },
    });
    settle();
    for (const p of this.exp.problems) this.log.warn(`opik: ${p}`);
    if (!this.exp.worker && this.exp.problems.length) {
      const setKey = vscode.l10n.t('Set Opik API Key');
      const settings = vscode.l10n.t('Open Settings');
      const pick = await vscode.window.showWarningMessage(vscode.l10n.t('CODI: Opik export is on but cannot start: {0}', this.exp.problems[0] ?? ''), setKey, settings);
      if (pick === setKey) void vscode.commands.executeCommand('codi.setOpikApiKey');
      if (pick === settings) void vscode.commands.executeCommand('workbench.action.openSettings', 'codi.opik');
    }
    this.exp.worker?.start();
    await this.render();
    this.changed.fire(null);
  }

  private async render(): Promise<void> {
    if (!this.exp) return this.item.hide();
    const worker = this.exp.worker;
    if (!worker) {
      this.item.text = '$(warning) Opik';
      this.item.tooltip = vscode.l10n.t('Opik export is on but not configured: {0}', this.exp.problems.join(' '));
      this.item.show();
      this.rendered = true;
      return;
    }
    const pending = await worker.pendingCount();
    const err = worker.lastError;
    this.item.text = err ? `$(cloud-offline) Opik ${pending}` : pending ? `$(cloud-upload) Opik ${pending}` : '$(cloud) Opik';
    const project = this.exp.config?.project ?? 'Opik';
    const waiting = pending === 1 ? vscode.l10n.t('1 trace waiting to be sent to {0}. Click to sync now.', project) : vscode.l10n.t('{0} traces waiting to be sent to {1}. Click to sync now.', pending, project);
    this.item.tooltip = err ? vscode.l10n.t('Opik export: {0}\n{1}', err, waiting) : waiting;
    this.item.show();
    this.rendered = true;
  }

  /** A run finished: queue its trace (no-op while export is off). */
  async traceFinished(traceId: string): Promise<void> {
    await this.settled; // a settings or key change in progress: queue into the new worker, not into none
    const worker = this.exp?.worker;
    if (!worker) return;
    await worker.enqueue(traceId);
    await this.render();
  }

  /** An experiment run was stored (its traces were queued one by one): queue the experiment (no-op while export is off). */
  async experimentFinished(runId: string): Promise<void> {
    await this.settled;
    const worker = this.exp?.worker;
    if (!worker) return;
    await worker.enqueueExperiment(runId);
    await this.render();
  }

  /** Export state of an experiment run; null when it was never queued. */
  async experimentStatus(runId: string): Promise<OpikLinkState | null> {
    const s = await experimentExportStatus(await this.getOutbox(), runId);
    return s.state === 'off' ? null : s;
  }

  /** Opens the experiment's page in Opik, or says why it cannot yet. */
  async openExperiment(runId: string): Promise<void> {
    const s = await this.experimentStatus(runId);
    if (s?.state === 'sent' && s.url) {
      await vscode.env.openExternal(vscode.Uri.parse(s.url));
      return;
    }
    if (!s) {
      void vscode.window.showInformationMessage(vscode.l10n.t('CODI: This experiment was not exported to Opik (export was off when it ran).'));
      return;
    }
    const failed = s.state === 'failed';
    const what = s.lastError
      ? failed ? vscode.l10n.t('CODI: This experiment is not accepted by Opik. Last error: {0}', s.lastError) : vscode.l10n.t('CODI: This experiment is not sent to Opik yet. Last error: {0}', s.lastError)
      : failed ? vscode.l10n.t('CODI: This experiment is not accepted by Opik.') : vscode.l10n.t('CODI: This experiment is not sent to Opik yet.');
    const pick = await vscode.window.showWarningMessage(what, vscode.l10n.t('Sync Now'));
    if (pick) await this.syncNow();
  }

  /** A rating or late score was added to a trace. */
  async scoresChanged(traceId: string): Promise<void> {
    await this.exp?.worker?.scoresChanged(traceId);
  }

  /**
   * The outbox's depth for the status report: pending, refused for good, the worker's last error. Opens the
   * store's outbox, so callers ask only once the store is open (or export is on).
   */
  async depth(): Promise<OutboxDepth> {
    const outbox = await this.getOutbox();
    const worker = this.exp?.worker;
    const [pending, failed] = await Promise.all([worker ? worker.pendingCount() : outbox.pendingCount(), outbox.failedCount()]);
    return { pending, failed, lastError: worker?.lastError ?? null };
  }

  /** The outbox's full record of a trace (attempts, next attempt…), for diagnostics and tests. */
  async outboxState(traceId: string): Promise<OutboxStatus> {
    return (await this.getOutbox()).state(traceId);
  }

  async status(traceId: string): Promise<OpikLinkState> {
    if (!traceId) return OFF;
    return exportStatus(await this.getOutbox(), traceId, this.exp?.worker ?? null);
  }

  async syncNow(): Promise<void> {
    const worker = this.exp?.worker;
    if (!worker) {
      const pick = await vscode.window.showInformationMessage(vscode.l10n.t('CODI: Opik export is off.'), vscode.l10n.t('Enable Opik Export'));
      if (pick) await vscode.commands.executeCommand('codi.enableOpikExport');
      return;
    }
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('CODI: Syncing to Opik…') }, () => worker.syncNow());
    await this.render();
    this.changed.fire(null);
    const msg = r.permanentlyFailed
      ? vscode.l10n.t('CODI: Opik sync — {0} sent, {1} pending, {2} failed permanently.', r.sent, r.pending, r.permanentlyFailed)
      : vscode.l10n.t('CODI: Opik sync — {0} sent, {1} pending.', r.sent, r.pending);
    if (r.lastError && r.pending) void vscode.window.showWarningMessage(vscode.l10n.t('{0} Last error: {1}', msg, r.lastError), vscode.l10n.t('Show Log')).then((a) => a && this.log.show());
    else void vscode.window.showInformationMessage(msg);
  }

  /** Opens the trace in Opik, or explains why it cannot yet. */
  async open(traceId: string): Promise<void> {
    const s = await this.status(traceId);
    if (s.state === 'sent' && s.url) {
      await vscode.env.openExternal(vscode.Uri.parse(s.url));
      return;
    }
    if (s.state === 'off') {
      const pick = await vscode.window.showInformationMessage(vscode.l10n.t('CODI: This trace was not exported to Opik (export is off, or it ran before export was on).'), vscode.l10n.t('Enable Opik Export'));
      if (pick) await vscode.commands.executeCommand('codi.enableOpikExport');
      return;
    }
    const failed = s.state === 'failed';
    const what = s.lastError
      ? failed ? vscode.l10n.t('CODI: This trace is not accepted by Opik. Last error: {0}', s.lastError) : vscode.l10n.t('CODI: This trace is not sent to Opik yet. Last error: {0}', s.lastError)
      : failed ? vscode.l10n.t('CODI: This trace is not accepted by Opik.') : vscode.l10n.t('CODI: This trace is not sent to Opik yet.');
    const pick = await vscode.window.showWarningMessage(what, vscode.l10n.t('Sync Now'));
    if (pick) await this.syncNow();
  }
}
