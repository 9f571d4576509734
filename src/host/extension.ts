import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { UserRating } from '../shared/protocol';
import { commandTable, registerCommands } from './commands';
import { ExperimentsPanel } from './experiments/experimentsPanel';
import { Secrets } from './secrets';
import { Session, workspaceFolders } from './session';
import { OpikController } from './opikController';
import { OtlpController, readOtlpEndpoint } from './otlpController';
import { Proposals } from './runs/proposal';
import { TraceActions } from './traceActions';
import { TracesTree } from './views/tracesTree';
import { ReviewTree } from './views/reviewTree';
import { ResultPanel } from './panels/resultPanel';
import { TracePanel } from './panels/tracePanel';
import { Dashboard } from './panels/dashboardPanel';
import { AlertsController } from './alertsController';
import { StatusController } from './statusController';
import { ExperimentsTree } from './experiments/experimentsTree';
import { ReplayDocuments } from './runs/replayRun';

/**
 * How often a visible Traces view looks for traces written by other windows or the CLI, where the journal
 * watch (journalWatch.ts) gets no file events; a catch-up with nothing new costs a folder listing.
 */
const REFRESH_MS = 2000;

let activationMs = 0;
/** performance.now() when activate() returned (same clock as the tests in this extension host). */
let activatedAt = 0;
let current: Session | undefined;

/**
 * Registers commands and views only: no I/O here. The store, sql.js and the Gemini SDK load on first use.
 */
export function activate(context: vscode.ExtensionContext): void {
  const t0 = performance.now();
  const log = vscode.window.createOutputChannel('CODI', { log: true });
  context.subscriptions.push(log);
  try {
    const secrets = new Secrets(context.secrets);
    const session = new Session(context, secrets, log);
    current = session;
    // The index serves the page: newest 500 matching the tree's filter.
    const tree = new TracesTree(async (filter) => {
      const store = await session.getStore();
      const page = store.query({ ...filter, limit: 500, withTotal: true });
      return { items: page.items, total: page.total ?? page.items.length, annotations: store.annotations().getMany(page.items.map((t) => t.id)) };
    }, context.workspaceState, workspaceFolders);
    const view = vscode.window.createTreeView('codi.traces', { treeDataProvider: tree, showCollapseAll: true });
    tree.view = view;
    context.subscriptions.push(session, tree, view, session.onDidChangeTraces(() => tree.refresh()));
    // The review queue, oldest first; its badge follows the store once it is open (no I/O here).
    const review = new ReviewTree(async () => (await session.getStore()).annotations().queue());
    const reviewView = vscode.window.createTreeView('codi.review', { treeDataProvider: review });
    review.view = reviewView;
    const updateReview = () => (reviewView.visible ? review.refresh() : void review.items().catch((e: unknown) => log.warn(`review queue: ${String(e)}`)));
    context.subscriptions.push(review, reviewView, session.onDidChangeTraces(updateReview), session.onDidOpenStore(updateReview));

    let timer: NodeJS.Timeout | undefined;
    const poll = () => {
      clearInterval(timer);
      timer = view.visible || reviewView.visible ? setInterval(() => void session.getStore().then((s) => s.refresh()).catch((e: unknown) => log.warn(`refresh failed: ${String(e)}`)), REFRESH_MS) : undefined;
    };
    context.subscriptions.push(view.onDidChangeVisibility(poll), reviewView.onDidChangeVisibility(poll), { dispose: () => clearInterval(timer) });
    poll();

    const proposals = new Proposals();
    const version = String((context.extension.packageJSON as { version?: unknown }).version ?? 'dev');
    const opik = new OpikController(session, secrets, log, `vscode-codi/${version}`);
    const traces = new TraceActions(session, opik, context.extensionUri, log);
    const otlp = new OtlpController(session, log, version);
    context.subscriptions.push(proposals, opik, otlp, opik.onDidChange((id) => void traces.refreshPanels(id)));
    // Stored experiment runs, newest first; listed from files only when the view is shown.
    const experimentsTree = new ExperimentsTree(() => session.experiments.list());
    const replayDocs = new ReplayDocuments();
    context.subscriptions.push(
      experimentsTree,
      vscode.window.createTreeView('codi.experiments', { treeDataProvider: experimentsTree }),
      vscode.workspace.registerTextDocumentContentProvider(ReplayDocuments.scheme, replayDocs),
    );
    // Panels follow the store: a trace deleted here, by retention or by another window shows as deleted.
    context.subscriptions.push(session.onDidChangeTraces(() => void traces.refreshPanels(null).catch((e: unknown) => log.warn(`panel refresh failed: ${String(e)}`))));
    const dashboard = new Dashboard({
      extensionUri: context.extensionUri,
      log,
      session,
      openTrace: traces.show,
      showTraces: async ({ label, model, errorKind, promptVersion, tag, type, from, to }) => {
        const selection = { label, ...(model !== undefined ? { answerModel: model } : {}), ...(errorKind !== undefined ? { errorKind } : {}), ...(promptVersion !== undefined ? { promptVersion } : {}), ...(tag !== undefined ? { tag } : {}), ...(type !== undefined ? { type } : {}), ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
        tree.setFilter({ selection });
        await vscode.commands.executeCommand('codi.traces.focus');
      },
    });
    const alerts = new AlertsController(session, context.globalState, log);
    const status = new StatusController(session, secrets, opik, log);
    context.subscriptions.push(dashboard, alerts, status);
    context.subscriptions.push(...registerCommands(commandTable({ extension: context, session, secrets, log, tree, review, proposals, opik, otlp, traces, dashboard, experimentsTree, replayDocs, status }), log));
    // Export state is read from settings only; the worker (and the opik SDK) start later, off the activation path.
    setTimeout(() => void opik.restart().catch((e: unknown) => log.error(`opik: ${String(e)}`)), 0);
    if (readOtlpEndpoint()) setTimeout(() => void otlp.restart().catch((e: unknown) => log.error(`otlp: ${String(e)}`)), 0);
    // The status bar's first (local, no network) check, off the activation path too.
    setTimeout(() => status.schedule(), 0);
    if (context.extensionMode !== vscode.ExtensionMode.Production) {
      // For the end-to-end suite: what the tree shows, without scraping the DOM.
      context.subscriptions.push(
        vscode.commands.registerCommand('codi._test.stats', () => ({ activationMs, activatedAt, storeDir: session.storeDir })),
        vscode.commands.registerCommand('codi._test.listTraces', async () => (await session.getStore()).list({ limit: 100 })),
        vscode.commands.registerCommand('codi._test.getTrace', async (id: string) => (await session.getStore()).get(id)),
        vscode.commands.registerCommand('codi._test.resultState', () => ResultPanel.currentState()),
        // Puts the store where it cannot open (a path under a regular file), or back (null): a real file-system fault.
        vscode.commands.registerCommand('codi._test.storeDir', async (dir: string | null) => {
          // The new place first: anything that reopens the store while the old one closes (the Traces view's poll,
          // the status check) opens it there, not at the old place.
          session.storeDirOverride = dir;
          await session.closeStore();
        }),
        // Which lazily loaded bundles (dist/lib/*.js: genai, sqljs, typescript, opik) this host has required.
        vscode.commands.registerCommand('codi._test.loadedBundles', () =>
          Object.keys(require.cache).filter((k) => /[\\/]dist[\\/]lib[\\/][^\\/]+\.js$/.test(k)).map((k) => `lib/${basename(k)}`).sort()),
        vscode.commands.registerCommand('codi._test.otlpSync', () => otlp.syncNow()),
        vscode.commands.registerCommand('codi._test.opikStatus', (traceId: string) => opik.status(traceId)),
        vscode.commands.registerCommand('codi._test.opikStatusBar', () => opik.statusBar),
        vscode.commands.registerCommand('codi._test.evaluateAlerts', () => alerts.evaluate()),
        vscode.commands.registerCommand('codi._test.alertsStatusBar', () => alerts.statusBar),
        vscode.commands.registerCommand('codi._test.statusBar', () => status.statusBar),
        // The full report of "CODI: Show Status" (network probes included), without the QuickPick.
        vscode.commands.registerCommand('codi._test.statusReport', () => status.check(true)),
        vscode.commands.registerCommand('codi._test.outboxState', (traceId: string) => opik.outboxState(traceId)),
        // An experiment run's Opik export state, and what the open Experiments panel shows of it.
        vscode.commands.registerCommand('codi._test.experimentOpik', async (runId: string) => ({ status: await opik.experimentStatus(runId), panel: ExperimentsPanel.shownOpik() })),
        // The webview's `rate` request handler (TraceActions.rate), without a click in the webview.
        vscode.commands.registerCommand('codi._test.rate', (traceId: string, rating: UserRating) => traces.rate(traceId, rating)),
        // The trace panel's state, and its answer to a message sent as its webview would (the tag chips' path).
        vscode.commands.registerCommand('codi._test.tracePanelState', () => TracePanel.stateForTest()),
        vscode.commands.registerCommand('codi._test.tracePanelRequest', (msg: unknown) => TracePanel.requestForTest(msg)),
        vscode.commands.registerCommand('codi._test.treeItems', async () => {
          const days = await tree.getChildren();
          const items = await Promise.all(days.map((d) => tree.getChildren(d)));
          return items.flat().map((n) => tree.getTreeItem(n)).map((i) => ({ label: String(i.label), description: String(i.description ?? ''), tooltip: i.tooltip instanceof vscode.MarkdownString ? i.tooltip.value : String(i.tooltip ?? '') }));
        }),
      );
    }
    activatedAt = performance.now();
    activationMs = activatedAt - t0;
    log.info(`CODI activated in ${activationMs.toFixed(1)} ms (store: ${session.storeDir})`);
  } catch (err) {
    log.error(`CODI failed to activate: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    void vscode.window.showErrorMessage(vscode.l10n.t('CODI failed to start: {0}', err instanceof Error ? err.message : String(err)), vscode.l10n.t('Show Log')).then((a) => a && log.show());
  }
}

/** Waits for the store to seal its journal segment and write its index snapshot. */
export async function deactivate(): Promise<void> {
  await current?.closeStore();
  current = undefined;
}
