import * as vscode from 'vscode';
import { createGeminiClient } from '../core/gemini/client';
import type { GeminiClient } from '../core/gemini/client';
import { mergePrices } from '../core/gemini/pricing';
import { CodiError } from '../core/errors';
import type { ModelContext } from '../core/pipelines/llmSpan';
import { TraceStore } from '../core/store/traceStore';
import { Tracer } from '../core/tracing/tracer';
import { Disposable } from './disposable';
import type { Secrets } from './secrets';
import type { Settings } from './settings';
import { MODEL_SETTINGS, readSettings, runConfigFrom } from './settings';
import type { RunConfig } from '../core/run/config';
import type { RateGate } from '../core/gemini/gate';
import { ExperimentStore } from '../core/eval/experimentStore';
import { clientOptions } from '../core/run/config';

/**
 * The core services for this window. The store opens on first use (never during activation); the model
 * client is rebuilt when the API key or a model setting changes, here or in another window.
 */
export class Session extends Disposable {
  private store: Promise<TraceStore> | null = null;
  private client: { fingerprint: string; client: GeminiClient } | null = null;
  private apiKey: Promise<string | undefined> | null = null;
  private readonly storeChanged = this._register(new vscode.EventEmitter<void>());
  /** Fires when traces were added (by this window or, after a refresh, by another process). */
  readonly onDidChangeTraces = this.storeChanged.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly secrets: Secrets,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this._register(secrets.onDidChange((key) => key === 'codi.geminiApiKey' && this.invalidate()));
    this._register(vscode.workspace.onDidChangeConfiguration((e) => MODEL_SETTINGS.some((s) => e.affectsConfiguration(s)) && this.invalidate()));
  }

  private invalidate(): void {
    this.client = null;
    this.apiKey = null;
  }

  get storeDir(): string {
    return vscode.Uri.joinPath(this.context.globalStorageUri, 'traces').fsPath;
  }

  getStore(): Promise<TraceStore> {
    this.store ??= TraceStore.open({
      dir: this.storeDir,
      wasmPath: vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'sql-wasm.wasm').fsPath,
      logger: { info: (m) => this.log.info(`store: ${m}`), warn: (m) => this.log.warn(`store: ${m}`) },
    }).then((s) => {
      this._register(s.onDidChange(() => this.storeChanged.fire()));
      this.scheduleMaintenance(s);
      return s;
    });
    // A failed open is retried next time instead of being cached forever.
    this.store.catch(() => (this.store = null));
    return this.store;
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
        if (deleted) this.log.info(`store: retention removed ${deleted} trace(s)`);
        await store.compact();
      } catch (err) {
        this.log.warn(`store maintenance failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    const first = setTimeout(() => void run(), 30_000);
    const daily = setInterval(() => void run(), 24 * 3600_000);
    first.unref?.();
    daily.unref?.();
    this._register({ dispose: () => (clearTimeout(first), clearInterval(daily)) });
    this._register(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('codi.history') && void run()));
  }

  /** Seals the journal segment and writes the index snapshot; awaited by deactivate(). */
  async closeStore(): Promise<void> {
    const s = await this.store?.catch(() => null);
    this.store = null;
    await s?.close();
  }

  getApiKey(): Promise<string | undefined> {
    this.apiKey ??= Promise.resolve(this.secrets.get('codi.geminiApiKey'));
    return this.apiKey;
  }

  /** Where experiment runs are kept (beside the traces they link to, as the CLI keeps them). */
  get experiments(): ExperimentStore {
    return new ExperimentStore(this.storeDir);
  }

  /**
   * Everything a pipeline needs to call models, for one run. With a `gate`, a client of its own that shares
   * that rate gate (an experiment's workers pause together on a 429).
   */
  async modelContext(signal: AbortSignal, gate?: RateGate): Promise<ModelContext & { settings: Settings; config: RunConfig; tracer: Tracer }> {
    const settings = readSettings();
    const config = runConfigFrom(settings);
    const key = (await this.getApiKey()) ?? '';
    const store = await this.getStore();
    let gated: GeminiClient | undefined;
    const gemini = (): GeminiClient => {
      if (!key) throw new CodiError('no-key', 'No Gemini API key is set. Run "CODI: Set Gemini API Key".');
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
    return { settings, config, tracer: new Tracer(store), gemini, prices: mergePrices(settings.pricing), signal };
  }
}
