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
import { MODEL_SETTINGS, readSettings } from './settings';

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
    this._register(secrets.onDidChange(() => this.invalidate()));
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
    }).then((s) => {
      this._register(s.onDidChange(() => this.storeChanged.fire()));
      this._register({ dispose: () => void s.close() });
      return s;
    });
    // A failed open is retried next time instead of being cached forever.
    this.store.catch(() => (this.store = null));
    return this.store;
  }

  getApiKey(): Promise<string | undefined> {
    this.apiKey ??= Promise.resolve(this.secrets.get('codi.geminiApiKey'));
    return this.apiKey;
  }

  /** Everything a pipeline needs to call models, for one run. */
  async modelContext(signal: AbortSignal): Promise<ModelContext & { settings: Settings; tracer: Tracer }> {
    const settings = readSettings();
    const key = (await this.getApiKey()) ?? '';
    const store = await this.getStore();
    const gemini = (): GeminiClient => {
      if (!key) throw new CodiError('no-key', 'No Gemini API key is set. Run "CODI: Set Gemini API Key".');
      const fingerprint = JSON.stringify([key, settings.apiBaseUrl, settings.apiVersion, settings.requestTimeoutSeconds, settings.retryMaxAttempts, settings.fallbackModel]);
      if (this.client?.fingerprint !== fingerprint) {
        this.client = {
          fingerprint,
          client: createGeminiClient({
            apiKey: key,
            baseUrl: settings.apiBaseUrl || undefined,
            apiVersion: settings.apiVersion,
            timeoutMs: settings.requestTimeoutSeconds * 1000,
            retry: { maxAttempts: settings.retryMaxAttempts },
            fallbackModel: settings.fallbackModel || undefined,
            logger: { info: (m) => this.log.info(m), warn: (m) => this.log.warn(m) },
          }),
        };
      }
      return this.client.client;
    };
    return { settings, tracer: new Tracer(store), gemini, prices: mergePrices(settings.pricing), signal };
  }
}
