import * as vscode from 'vscode';
import type { ExperimentPassRates } from '../../core/store/analytics';
import type { AnalysisFilter, DashboardRange } from '../../shared/analytics';
import type { DashboardViewState, TracesSelection } from '../../shared/protocol';
import { Disposable } from '../disposable';
import type { Session } from '../session';
import { WebviewChannel } from './webviewChannel';
import { renderWebviewHtml, webviewOptions } from './webviewHtml';

/** Traces arriving in bursts (a batch, another window's catch-up) redraw the dashboard once. */
const DEBOUNCE_MS = 750;
/** While visible, the dashboard looks for traces written by other windows or the CLI this often. */
const POLL_MS = 5000;

export interface DashboardDeps {
  extensionUri: vscode.Uri;
  log: vscode.LogOutputChannel;
  session: Session;
  /** Shows the matching traces in the Traces view. */
  showTraces(selection: TracesSelection): Promise<void>;
  openTrace(traceId: string): Promise<void>;
  /** Pass rates of the latest experiments (none until experiments are stored). */
  passRates?: ExperimentPassRates;
}

/**
 * "CODI: Open Dashboard": totals, trends, comparisons, error groups and judge calibration over a range,
 * computed by the store (rollups and indexes, never a scan of every trace) and recomputed, debounced, as
 * traces arrive. One panel, reused.
 */
export class DashboardPanel extends Disposable {
  private readonly channel: WebviewChannel;
  private state: DashboardViewState = { range: '30d', filter: {}, data: null, error: null };
  private timer: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  private computing: Promise<void> = Promise.resolve();

  constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly deps: DashboardDeps,
  ) {
    super();
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'codi.svg');
    this._register(panel.onDidDispose(() => this.dispose()));
    this._register(deps.session.onDidChangeTraces(() => this.scheduleUpdate()));
    this._register(panel.onDidChangeViewState(() => this.setPolling()));
    this._register({
      dispose: () => {
        clearTimeout(this.timer);
        clearInterval(this.poll);
      },
    });
    const ok = { ok: true } as const;
    this.channel = this._register(
      new WebviewChannel(
        panel.webview,
        {
          dashboardQuery: async ({ range, filter }) => {
            await this.update(range, filter);
            return ok;
          },
          showTraces: async ({ selection }) => (await deps.showTraces(selection), ok),
          viewTrace: async ({ traceId }) => (await deps.openTrace(traceId), ok),
        },
        () => {
          this.post();
          if (!this.state.data) void this.update(this.state.range, this.state.filter);
        },
        deps.log,
      ),
    );
    panel.webview.html = renderWebviewHtml({ webview: panel.webview, extensionUri: deps.extensionUri, panel: 'dashboard', title: vscode.l10n.t('CODI Dashboard') });
    this.setPolling();
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  get closed(): boolean {
    return this.isDisposed;
  }

  private setPolling(): void {
    clearInterval(this.poll);
    this.poll = this.panel.visible
      ? setInterval(() => void this.deps.session.getStore().then((s) => s.refresh()).catch((e: unknown) => this.deps.log.warn(`dashboard refresh failed: ${String(e)}`)), POLL_MS)
      : undefined;
  }

  private scheduleUpdate(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.update(this.state.range, this.state.filter), DEBOUNCE_MS);
  }

  private post(): void {
    this.channel.post('dashboard/state', this.state);
  }

  /** Recomputes for a range and filter; calls are serialized so an older answer never overwrites a newer one. */
  private update(range: DashboardRange, filter: AnalysisFilter): Promise<void> {
    this.state = { ...this.state, range, filter };
    const run = async () => {
      if (this.isDisposed) return;
      try {
        const store = await this.deps.session.getStore();
        const data = store.analysis().dashboard({ range, filter, now: Date.now(), utcOffsetMs: -new Date().getTimezoneOffset() * 60_000, passRates: this.deps.passRates });
        if (range !== this.state.range || filter !== this.state.filter) return; // a newer query is queued
        this.state = { range, filter, data, error: null };
        this.deps.log.info(`dashboard ${range}: ${data.current.traces} traces, computed in ${data.computeMs.toFixed(1)} ms`);
      } catch (e) {
        this.deps.log.error(`dashboard: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        this.state = { ...this.state, error: vscode.l10n.t('The trace store could not be read ({0}).', e instanceof Error ? e.message : String(e)) };
      }
      this.post();
    };
    this.computing = this.computing.then(run, run);
    return this.computing;
  }

  override dispose(): void {
    this.panel.dispose();
    super.dispose();
  }
}

/** Opens the dashboard, or reveals the one already open. */
export class Dashboard extends Disposable {
  private current: DashboardPanel | undefined;

  constructor(private readonly deps: DashboardDeps) {
    super();
    this._register({ dispose: () => this.current?.dispose() });
  }

  open(): DashboardPanel {
    if (this.current && !this.current.closed) {
      this.current.reveal();
      return this.current;
    }
    const panel = vscode.window.createWebviewPanel('codi.dashboard', vscode.l10n.t('CODI Dashboard'), { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, { ...webviewOptions(this.deps.extensionUri), retainContextWhenHidden: false });
    this.current = new DashboardPanel(panel, this.deps);
    return this.current;
  }
}
