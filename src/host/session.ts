import { plural } from '../shared/text';
import * as vscode from 'vscode';
import { createGeminiClient } from '../core/gemini/client';
import type { GeminiClient } from '../core/gemini/client';
import { mergePrices } from '../core/gemini/pricing';
import { CodiError } from '../core/errors';
import type { ModelContext } from '../core/pipelines/llmSpan';
import { homedir } from 'node:os';
import { moveLegacyStore } from '../core/store/legacyMove';
import { resolveStoreDir } from '../core/store/location';
import type { StoreLogger } from '../core/store/options';
import { TraceStore } from '../core/store/traceStore';
import type { TraceSink } from '../core/tracing/tracer';
import { Tracer } from '../core/tracing/tracer';
import { Disposable } from './disposable';
import type { Secrets } from './secrets';
import type { Settings } from './settings';
import { MODEL_SETTINGS, readSettings, runConfigFrom } from './settings';
import type { RunConfig } from '../core/run/config';
import type { RateGate } from '../core/gemini/gate';
import { ExperimentStore } from '../core/eval/experimentStore';
import { clientOptions } from '../core/run/config';
import { WorkspaceGate } from './workspaceGate';
import { watchJournal } from './journalWatch';
import { BudgetUi } from './budgetUi';

/** The window's (first) workspace folder, recorded on its traces so the Traces view can show this workspace's only. */
export function workspaceFolders(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).map((f) => (f.uri.scheme === 'file' ? f.uri.fsPath : f.uri.toString()));
}

const workspaceMetadata = (): Record<string, unknown> => {
  const first = workspaceFolders()[0];
  return first ? { workspace: first } : {};
};

/**
 * The core services for this window. The store opens on first use (never during activation); the model
 * client is rebuilt when the API key or a model setting changes, here or in another window.
 */
export class Session extends Disposable {
  private store: Promise<TraceStore> | null = null;
  /** A close in progress: a store asked for meanwhile opens after it, never beside it. */
  private closing: Promise<void> | null = null;
  /** The folder of the store opened last (the setting may have changed since). */
  private storeDirInUse: string | null = null;
  /** Notices the CLI's and other windows' appends while the store is open. */
  private journalWatch: vscode.Disposable | undefined;
  private client: { fingerprint: string; client: GeminiClient } | null = null;
  private apiKey: Promise<string | undefined> | null = null;
  private readonly storeChanged = this._register(new vscode.EventEmitter<void>());
  /** Fires when traces were added (by this window or, after a refresh, by another process). */
  readonly onDidChangeTraces = this.storeChanged.event;
  /** Workspace values of `codi.prompts.overrides` / `codi.pricing` apply only once the user allowed them. */
  readonly gate: WorkspaceGate;
  /** The daily budget: per-run guards and the status bar item. */
  readonly budget: BudgetUi;
  private readonly storeOpened = this._register(new vscode.EventEmitter<void>());
  /** Fires once the store is open (on first use, never at activation), and again when it opens after a close. */
  readonly onDidOpenStore = this.storeOpened.event;
  /** Listeners and timers bound to the store open now: disposed when it closes, so none acts on a closed store. */
  private storeScope: vscode.Disposable[] = [];
  /** Awaited before the store closes (followStore: the delivery workers stop their passes on it). */
  private readonly closeHooks = new Set<() => Promise<void>>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly secrets: Secrets,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.gate = this._register(new WorkspaceGate(context.workspaceState, log));
    this.budget = this._register(new BudgetUi(log));
    this._register(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('codi.budget') && void this.refreshBudget()));
    this._register(this.onDidChangeTraces(() => void this.refreshBudget()));
    this._register({ dispose: () => (this.journalWatch?.dispose(), this.storeScope.splice(0).forEach((d) => d.dispose())) });
    // The open store stays where it is (panels, the Opik worker and the budget hold it) until the window reloads.
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('codi.storePath') || !this.store) return;
        void vscode.window
          .showInformationMessage(this.storeDirInUse ? vscode.l10n.t('CODI keeps using the trace store in {0} until the window is reloaded.', this.storeDirInUse) : vscode.l10n.t('CODI keeps using the trace store in its current folder until the window is reloaded.'), vscode.l10n.t('Reload Window'))
          .then((a) => a && vscode.commands.executeCommand('workbench.action.reloadWindow'));
      }),
    );
    this._register(secrets.onDidChange((key) => key === 'codi.geminiApiKey' && this.invalidate()));
    this._register(vscode.workspace.onDidChangeConfiguration((e) => MODEL_SETTINGS.some((s) => e.affectsConfiguration(s)) && this.invalidate()));
  }

  private invalidate(): void {
    this.client = null;
    this.apiKey = null;
  }

  /** Set by the end-to-end tests only (`codi._test.storeDir`), to put the store where it cannot open. */
  storeDirOverride: string | null = null;

  /** The store shared with the CLI: CODI_HOME, else the machine setting `codi.storePath`, else ~/.codi (location.ts). */
  get storeDir(): string {
    return this.storeDirOverride ?? resolveStoreDir({ env: process.env, setting: vscode.workspace.getConfiguration('codi').get<string>('storePath'), homedir: homedir() }).dir;
  }

  /** Where this extension kept its traces before the store was shared; moved on first open (legacyMove.ts). */
  private get legacyStoreDir(): string {
    return vscode.Uri.joinPath(this.context.globalStorageUri, 'traces').fsPath;
  }

  getStore(): Promise<TraceStore> {
    const wasmPath = vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'sql-wasm.wasm').fsPath;
    const logger = { info: (m: string) => this.log.info(`store: ${m}`), warn: (m: string) => this.log.warn(`store: ${m}`) };
    this.store ??= (this.closing ?? Promise.resolve()).then(() => TraceStore.open({ dir: this.storeDir, wasmPath, logger })).then(async (s) => {
      this.storeDirInUse = s.dir;
      if (this.storeDirOverride === null) await this.moveLegacy(s, wasmPath, logger);
      this.storeScope.push(s.onDidChange(() => this.storeChanged.fire()));
      this.journalWatch?.dispose();
      this.journalWatch = watchJournal(s, this.log);
      this.scheduleMaintenance(s);
      this.storeOpened.fire();
      return s;
    });
    // A failed open is retried next time instead of being cached forever.
    this.store.catch(() => (this.store = null));
    void this.store.then(() => this.refreshBudget(), () => undefined);
    return this.store;
  }

  /**
   * The traces of the old global-storage store move into the shared one, once (idempotent: an interrupted move
   * goes on next time). A failure loses nothing: the old folder stays, the user is told, the move is retried.
   */
  private async moveLegacy(to: TraceStore, wasmPath: string, logger: StoreLogger): Promise<void> {
    const from = this.legacyStoreDir;
    try {
      const r = await moveLegacyStore({ from, to, wasmPath, logger });
      if (r && (r.unreadable.length || r.problems.length)) throw new Error(vscode.l10n.t('part of the old store is damaged (see the log)'));
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      this.log.error(`store: moving ${from} into ${to.dir} failed: ${why}`);
      void vscode.window
        .showWarningMessage(vscode.l10n.t('CODI could not move all earlier traces into the shared store {0} ({1}). They are kept in {2}; CODI tries again at the next start.', to.dir, why, from), vscode.l10n.t('Show Log'))
        .then((a) => a && this.log.show());
    }
  }

  /** Today's spend against the budget in the status bar (only once the store is open: no I/O at activation). */
  private async refreshBudget(): Promise<void> {
    const store = this.store ? await this.store.catch(() => null) : null;
    this.budget.update(this.readSettingsQuietly().dailyBudgetUsd, store);
  }

  private readSettingsQuietly(): Settings {
    return readSettings((k) => this.gate.value(k));
  }

  /**
   * Retention (`codi.history.*`) and compaction run in the background: 30 s after the store opens, daily,
   * and when the settings change. Never on a user's path.
   */
  private scheduleMaintenance(store: TraceStore): void {
    const run = async () => {
      const c = vscode.workspace.getConfiguration('codi.history');
      const maxTraces = c.get<number>('maxTraces', 10_000);
      const maxDays = c.get<number>('maxDays', 90);
      try {
        const { deleted } = await store.applyRetention({ ...(maxTraces > 0 ? { maxTraces } : {}), ...(maxDays > 0 ? { maxDays } : {}) });
        if (deleted) this.log.info(`store: retention removed ${plural(deleted, 'trace')}`);
        await store.compact();
      } catch (err) {
        this.log.warn(`store maintenance failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    const first = setTimeout(() => void run(), 30_000);
    const daily = setInterval(() => void run(), 24 * 3600_000);
    first.unref?.();
    daily.unref?.();
    this.storeScope.push({ dispose: () => (clearTimeout(first), clearInterval(daily)) });
    this.storeScope.push(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('codi.history') && void run()));
  }

  /**
   * For a component that holds the open store (a delivery worker): `letGo` runs before the store closes
   * (awaited; true when it held something), and `restart` runs when a store opens after that, or after
   * `waitForStore()` (the component could not get the store at all).
   */
  followStore(letGo: () => Promise<boolean>, restart: () => Promise<void>): vscode.Disposable & { waitForStore(): void } {
    let waiting = false;
    const hook = async () => {
      if (await letGo()) waiting = true;
    };
    this.closeHooks.add(hook);
    const opened = this.onDidOpenStore(() => {
      if (!waiting) return;
      waiting = false;
      void restart();
    });
    return {
      waitForStore: () => (waiting = true),
      dispose: () => (this.closeHooks.delete(hook), opened.dispose()),
    };
  }

  /** Seals the journal segment and writes the index snapshot; awaited by deactivate(). */
  async closeStore(): Promise<void> {
    this.journalWatch?.dispose();
    this.journalWatch = undefined;
    for (const d of this.storeScope.splice(0)) d.dispose();
    const open = this.store;
    this.store = null;
    const done = (async () => {
      const s = await open?.catch(() => null);
      if (s) await Promise.all([...this.closeHooks].map((h) => h().catch((e: unknown) => this.log.warn(`store: before close: ${String(e)}`))));
      await s?.close();
    })();
    this.closing = done;
    try {
      await done;
    } finally {
      if (this.closing === done) this.closing = null;
    }
  }

  async getApiKey(): Promise<string | undefined> {
    this.apiKey ??= Promise.resolve(this.secrets.get('codi.geminiApiKey'));
    const key = await this.apiKey;
    // A missing key is not cached: one set a moment ago (before its change event arrived) is seen next time.
    if (!key) this.apiKey = null;
    return key;
  }

  /** Where experiment runs are kept (beside the traces they link to, as the CLI keeps them). */
  get experiments(): ExperimentStore {
    return new ExperimentStore(this.storeDir);
  }

  /** The settings for a run, with workspace-gated values applied only when allowed (asks, without waiting). */
  readSettings(): Settings {
    void this.gate.review().catch((e: unknown) => this.log.warn(`workspace settings review failed: ${String(e)}`));
    return this.readSettingsQuietly();
  }

  /**
   * Everything a pipeline needs to call models, for one run. A store that cannot be opened or written never stops
   * the run: `saveFailure()` then says why the trace was not saved.
   */
  async modelContext(signal: AbortSignal, gate?: RateGate): Promise<ModelContext & { settings: Settings; config: RunConfig; tracer: Tracer; saveFailure: () => string | null }> {
    const settings = this.readSettings();
    const config = runConfigFrom(settings);
    const key = (await this.getApiKey()) ?? '';
    let failure: string | null = null;
    const failed = (err: unknown) => (failure = err instanceof Error ? err.message : String(err));
    const store = await this.getStore().catch((err: unknown) => {
      failed(err);
      this.log.error(`store: cannot open ${this.storeDir}: ${failure}`);
      return null;
    });
    const sink: TraceSink = store ?? { saveTrace: () => Promise.reject(new Error(vscode.l10n.t('the trace store could not be opened ({0})', String(failure)))) };
    const tracer = new Tracer(
      sink,
      undefined,
      (err, t) => {
        failed(err);
        this.log.error(`store: trace ${t.id} (${t.name}) could not be saved: ${failure}`);
      },
      { metadata: workspaceMetadata() },
    );
    let gated: GeminiClient | undefined;
    const gemini = (): GeminiClient => {
      if (!key) throw new CodiError('no-key', vscode.l10n.t('No Gemini API key is set.'));
      const fingerprint = JSON.stringify([key, settings.apiBaseUrl, settings.apiVersion, settings.requestTimeoutSeconds, settings.retryMaxAttempts, settings.fallbackModel]);
      const create = (): GeminiClient =>
        createGeminiClient({
          apiKey: key,
          baseUrl: settings.apiBaseUrl || undefined,
          apiVersion: settings.apiVersion,
          ...clientOptions(config),
          ...(gate ? { gate } : {}),
          logger: { info: (m) => this.log.info(m), warn: (m) => this.log.warn(m) },
        });
      if (gate) return (gated ??= create());
      if (this.client?.fingerprint !== fingerprint) this.client = { fingerprint, client: create() };
      return this.client.client;
    };
    const redact = { enabled: settings.redactBeforeModel, patterns: settings.redactPatterns };
    const prices = mergePrices(settings.pricing);
    const budget = store ? this.budget.guard(settings.dailyBudgetUsd, store, prices) : null;
    return { settings, config, tracer, gemini, prices, signal, redact, budget, saveFailure: () => failure };
  }
}
