/**
 * The entry point the host and the CLI use. With export off it returns no worker and never touches the
 * SDK (the opik module is not loaded at all); with export on it checks the configuration and the user's
 * redaction patterns and returns a worker whose transport loads the SDK on the first delivery.
 *
 *   const exp = startOpikExport({ settings, apiKey, store, loadTrace, clientVersion, client: 'vscode' });
 *   exp.problems → show them (bad URL, missing key/workspace, invalid codi.opik.redact patterns)
 *   exp.worker?.start(); await exp.worker?.enqueue(trace.id) when a trace finishes;
 *   await exp.worker?.scoresChanged(trace.id) after a rating / late judge score;
 *   await exp.worker?.syncNow(); await exp.worker?.stop() on deactivate or config change (then start anew).
 *   exportStatus(store, id, exp.worker) → {state, url, lastError} for the trace panel and `traces show --json`.
 *   await exp.worker?.enqueueExperiment(runId) after an experiment run (its traces enqueued each);
 *   experimentExportStatus(store, runId) → {state, url} for the Experiments panel and `codi eval --json`.
 */
import type { TraceRecord } from '../../shared/types';
import type { OpikConfig, OpikConfigInput } from './config';
import { OpikConfigError, resolveOpikConfig } from './config';
import type { OutboxChange, OutboxStatus, OutboxStore, OutboxWorkerOptions } from './outbox';
import { OutboxWorker } from './outbox';
import { createRedactor } from '../redact/redact';
import type { OpikTransport } from './transport';

export interface OpikSettings extends Omit<OpikConfigInput, 'apiKey'> {
  /** `codi.opik.enabled` (CLI: `--opik` / CODI_OPIK=1). */
  enabled: boolean;
  /** `codi.opik.redact`: extra regular expressions. */
  redact?: readonly string[];
}

export interface OpikExportDeps {
  settings: OpikSettings;
  /** From SecretStorage (editor) or OPIK_API_KEY (CLI). */
  apiKey: string | null;
  store: OutboxStore;
  loadTrace(traceId: string): Promise<TraceRecord | null>;
  /** Loads an experiment run with its cases (for `worker.enqueueExperiment`); omit where no experiments are exported. */
  loadExperiment?: OutboxWorkerOptions['loadExperiment'];
  clientVersion?: string | null;
  client?: 'vscode' | 'cli';
  log?: OutboxWorkerOptions['log'];
  onDidChange?(change: OutboxChange): void;
  /** Replaces the SDK transport (tests). */
  connect?(config: OpikConfig): Promise<OpikTransport>;
  /** Per-request time limit for the SDK transport (default 30 s). */
  timeoutMs?: number;
  /** Worker tuning (tests): backoff, batch size, clock. */
  tuning?: Pick<OutboxWorkerOptions, 'backoff' | 'batchSize' | 'pollMs' | 'now' | 'random'>;
}

export interface OpikExport {
  /** null when export is off or the configuration is unusable. */
  worker: OutboxWorker | null;
  config: OpikConfig | null;
  /** Things the user should fix; the export still runs when only redaction patterns are bad. */
  problems: string[];
}

export function startOpikExport(deps: OpikExportDeps): OpikExport {
  if (!deps.settings.enabled) return { worker: null, config: null, problems: [] };
  let config: OpikConfig;
  try {
    config = resolveOpikConfig({ ...deps.settings, apiKey: deps.apiKey });
  } catch (err) {
    if (err instanceof OpikConfigError) return { worker: null, config: null, problems: [err.message] };
    throw err;
  }
  const redactor = createRedactor(deps.settings.redact ?? []);
  const problems = redactor.problems.map((p) => `codi.opik.redact: pattern ${JSON.stringify(p.pattern)} ignored (${p.message}).`);
  const connect = deps.connect
    ? () => deps.connect!(config)
    : async () => (await import('./client')).createSdkTransport(config, { timeoutMs: deps.timeoutMs });
  const worker = new OutboxWorker({
    store: deps.store,
    loadTrace: deps.loadTrace,
    ...(deps.loadExperiment ? { loadExperiment: deps.loadExperiment } : {}),
    connect,
    config,
    redactor,
    clientVersion: deps.clientVersion ?? null,
    client: deps.client,
    log: deps.log,
    onDidChange: deps.onDidChange,
    ...deps.tuning,
  });
  return { worker, config, problems };
}

/** Export state of a trace; works with export off (worker null): never-enqueued traces are 'off'. */
export async function exportStatus(store: OutboxStore, traceId: string, worker: OutboxWorker | null = null): Promise<Pick<OutboxStatus, 'state' | 'url' | 'lastError'>> {
  const s = worker ? await worker.status(traceId) : await store.state(traceId);
  return { state: s.state, url: s.url, lastError: s.lastError };
}

/** Export state of an experiment run (`url`: its page in Opik once sent); 'off' when it was never queued. */
export async function experimentExportStatus(store: OutboxStore, runId: string): Promise<Pick<OutboxStatus, 'state' | 'url' | 'lastError'>> {
  const s = await store.experimentState(runId);
  return { state: s.state, url: s.url, lastError: s.lastError };
}
