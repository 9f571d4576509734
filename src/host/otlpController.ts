import * as vscode from 'vscode';
import { OtlpPusher } from '../core/export/otlpPush';
import { createRedactor } from '../core/redact/redact';
import { Disposable } from './disposable';
import type { Session } from './session';
import { readSettings } from './settings';

/** `codi.otlp.endpoint` (machine scope: a repository's settings cannot redirect traces). Empty: push off. */
export function readOtlpEndpoint(): string {
  const v = vscode.workspace.getConfiguration('codi.otlp').get<unknown>('endpoint');
  return typeof v === 'string' ? v.trim() : '';
}

/** What the push is doing, for a status line: off, or the receiver, how many wait and why. */
export interface OtlpPushState {
  endpoint: string | null;
  pending: number;
  lastError: string | null;
}

/**
 * The live OTLP push for this window: off by default; with `codi.otlp.endpoint` set, every finished trace
 * is queued in the store's durable outbox (queue 'otlp', shared with other windows and the CLI) and sent
 * as OTLP/HTTP JSON. When the receiver goes down, one warning says so (and that nothing is lost); the
 * queue is retried with backoff and delivered when it is back.
 */
export class OtlpController extends Disposable {
  private pusher: OtlpPusher | null = null;
  private settled: Promise<void> = Promise.resolve();
  private warned = false;
  private last: OtlpPushState = { endpoint: null, pending: 0, lastError: null };
  /** Lets go of the store before it closes; restarts the push when a store opens again. */
  private readonly storeFollow: ReturnType<Session['followStore']>;

  constructor(
    private readonly session: Session,
    private readonly log: vscode.LogOutputChannel,
    private readonly version: string,
  ) {
    super();
    this._register(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('codi.otlp') && void this.restart()));
    this._register({ dispose: () => void this.pusher?.stop() });
    // The pusher holds the store's outbox: it lets go before the store closes and follows the next one.
    this.storeFollow = this._register(
      session.followStore(
        async () => {
          const p = this.pusher;
          this.pusher = null;
          await p?.stop();
          return p !== null;
        },
        () => this.restart(),
      ),
    );
  }

  get state(): OtlpPushState {
    return this.last;
  }

  /** (Re)starts the push from the setting; an invalid URL is explained with a way to fix it. */
  restart(): Promise<void> {
    const run = async () => {
      await this.pusher?.stop();
      this.pusher = null;
      this.warned = false;
      const endpoint = readOtlpEndpoint();
      this.last = { endpoint: endpoint || null, pending: 0, lastError: null };
      if (!endpoint) return;
      let store: Awaited<ReturnType<Session['getStore']>>;
      try {
        store = await this.session.getStore();
      } catch (e) {
        this.storeFollow.waitForStore();
        this.log.warn(`otlp: the push waits for the trace store, which could not be opened: ${e instanceof Error ? e.message : String(e)}`);
        return;
      }
      try {
        this.pusher = new OtlpPusher({
          endpoint,
          store: store.outbox('otlp'),
          // Another window or the CLI may have written the trace since this window last read the journal.
          loadTrace: async (id) => (await store.get(id)) ?? (await store.refresh(), await store.get(id)),
          otlp: { redactor: createRedactor(readSettings().redactPatterns), version: this.version, client: 'vscode' },
          log: (level, message) => this.log[level](`otlp: ${message}`),
          onDidChange: (s) => this.changed(s),
        });
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        this.last = { ...this.last, lastError: msg };
        const pick = await vscode.window.showWarningMessage(vscode.l10n.t('CODI: The OTLP push is off: {0}', msg), vscode.l10n.t('Open Settings'));
        if (pick) void vscode.commands.executeCommand('workbench.action.openSettings', 'codi.otlp.endpoint');
        return;
      }
      this.log.info(`otlp: pushing finished traces to ${this.pusher.endpoint}`);
      this.pusher.start();
    };
    this.settled = run();
    return this.settled;
  }

  private changed(s: { pending: number; lastError: string | null }): void {
    this.last = { endpoint: this.pusher?.endpoint ?? null, ...s };
    if (!s.lastError) {
      if (this.warned) this.log.info('otlp: the receiver is back; the queue was delivered.');
      this.warned = false;
      return;
    }
    if (this.warned) return;
    this.warned = true; // once per outage, not once per retry
    const settings = vscode.l10n.t('Open Settings');
    const showLog = vscode.l10n.t('Show Log');
    const text = s.pending === 1 ? vscode.l10n.t('CODI: {0} (1 trace queued.)', s.lastError) : vscode.l10n.t('CODI: {0} ({1} traces queued.)', s.lastError, s.pending);
    void vscode.window.showWarningMessage(text, settings, showLog).then((a) => {
      if (a === settings) void vscode.commands.executeCommand('workbench.action.openSettings', 'codi.otlp.endpoint');
      if (a === showLog) this.log.show(true);
    });
  }

  /** A run finished: queue its trace (no-op while the push is off). */
  async traceFinished(traceId: string): Promise<void> {
    await this.settled.catch(() => undefined);
    await this.pusher?.enqueue(traceId);
  }

  /** Sends what is queued now (tests, a future status action); null while the push is off. */
  async syncNow(): Promise<OtlpPushState | null> {
    if (!this.pusher) return null;
    const r = await this.pusher.syncNow();
    this.changed(r);
    return this.last;
  }
}
