import * as vscode from 'vscode';
import type { HostAction } from '../shared/protocol';
import type { TraceSummary } from '../shared/types';
import type { CommandId } from './commandIds';
import { showFailure } from './errors';
import { ResultPanel } from './panels/resultPanel';
import { TracePanel } from './panels/tracePanel';
import { readSettings } from './settings';
import { runExplain, selectionInput } from './runs/explainRun';
import { askGenerateRequest, GenerateSession, runGenerate } from './runs/generateRun';
import type { Proposals } from './runs/proposal';
import { fileInput, runSummarize } from './runs/summarizeRun';
import type { RunDeps } from './runs/runner';
import { cancelActiveRun } from './runs/runner';
import { registerPanelSerializers } from './panels/serializers';
import { plural } from '../shared/text';
import type { OpikController } from './opikController';
import type { Secrets } from './secrets';
import type { TraceActions } from './traceActions';
import type { Session } from './session';
import type { TracesTree } from './views/tracesTree';
import { filterOffer, pickFilter } from './views/filterPick';
import { pickTags } from './views/tagPick';
import { retag } from '../core/store/tags';
import type { ReviewTree } from './views/reviewTree';
import { readAnnotationLabels } from './settings';
import { parseChoices } from './views/traceFilter';
import type { Dashboard } from './panels/dashboardPanel';
import { experimentCommands } from './experiments/experimentCommands';
import type { ExperimentsTree } from './experiments/experimentsTree';
import type { ReplayDocuments } from './runs/replayRun';
import { exportCommands } from './exportCommands';
import type { OtlpController } from './otlpController';
import type { StatusController } from './statusController';
import { showStatus } from './statusPick';
import { askText, pickOne } from './pickers';

export interface CommandContext {
  extension: vscode.ExtensionContext;
  session: Session;
  secrets: Secrets;
  log: vscode.LogOutputChannel;
  tree: TracesTree;
  review: ReviewTree;
  proposals: Proposals;
  opik: OpikController;
  otlp: OtlpController;
  traces: TraceActions;
  dashboard: Dashboard;
  experimentsTree: ExperimentsTree;
  replayDocs: ReplayDocuments;
  status: StatusController;
}

type Handler = (...args: unknown[]) => unknown;

/** The one command table: every id in package.json maps to its handler here. */
export function commandTable(c: CommandContext): Record<CommandId, Handler> {
  /** Re-runs the last command's request ("Retry" in the result panel). */
  let lastRun: (() => Promise<unknown>) | null = null;
  const version = String((c.extension.extension.packageJSON as { version?: unknown }).version ?? 'dev');

  const showTrace = c.traces.show;

  const runAction = async (action: HostAction) => {
    if (action === 'retry') {
      if (lastRun) await lastRun();
      return;
    }
    if (action === 'setApiKey') {
      const before = await c.secrets.get('codi.geminiApiKey');
      await vscode.commands.executeCommand('codi.setGeminiApiKey');
      const after = await c.secrets.get('codi.geminiApiKey');
      // Asked from a failed run's panel: with the new key the run goes again at once.
      if (after && after !== before && lastRun) await lastRun();
      return;
    }
    const ids: Record<Exclude<HostAction, 'retry'>, CommandId> = { setApiKey: 'codi.setGeminiApiKey', showLog: 'codi.showLog', openSettings: 'codi.openSettings' };
    await vscode.commands.executeCommand(ids[action]);
  };

  const generation = new GenerateSession(c.proposals);
  /** Accept / reject / show the last generated code, from the panel or the diff editor's title bar. */
  const decide = async (action: 'showDiff' | 'accept' | 'reject') => {
    const p = generation.proposal;
    const g = ResultPanel.currentGenerated();
    if (!p) {
      void vscode.window.showWarningMessage(vscode.l10n.t('CODI: There is no generated code waiting for a decision (it may have been applied or discarded already).'));
      return;
    }
    if (action === 'showDiff') return c.proposals.showDiff(p);
    if (action === 'reject') {
      await c.proposals.reject(p);
      generation.proposal = null;
      if (g) ResultPanel.patchCurrent({ generated: { ...g, state: 'rejected' } });
      return;
    }
    if (!(await c.proposals.accept(p))) {
      void vscode.window.showErrorMessage(vscode.l10n.t('CODI: The code could not be applied (the file changed or is read-only). Use Copy instead.'));
      return;
    }
    generation.proposal = null;
    if (g) ResultPanel.patchCurrent({ generated: { ...g, state: 'accepted' } });
    void vscode.window.setStatusBarMessage(vscode.l10n.t('CODI: generated code applied (unsaved; Undo reverts it)'), 4000);
  };

  const deps: RunDeps = {
    session: c.session,
    extensionUri: c.extension.extensionUri,
    extensionVersion: version,
    log: c.log,
    panelActions: { viewTrace: showTrace, runAction, generated: decide, openInOpik: c.traces.openInOpik, rate: c.traces.rate, cancel: cancelActiveRun },
    finished: async (traceId) => {
      await c.opik.traceFinished(traceId);
      await c.otlp.traceFinished(traceId).catch((e: unknown) => c.log.warn(`otlp: could not queue ${traceId}: ${String(e)}`));
      await c.traces.checkFrustration(traceId).catch((e: unknown) => c.log.warn(`frustration check failed: ${String(e)}`));
      await c.traces.refreshPanels(traceId);
    },
    experimentFinished: (runId) => c.opik.experimentFinished(runId),
  };

  /** Asks for a key. Only an empty key or one with spaces is refused: gateways and the demo stand-in take any. */
  c.extension.subscriptions.push(
    registerPanelSerializers({
      extensionUri: c.extension.extensionUri,
      log: c.log,
      resultActions: deps.panelActions,
      traceActions: c.traces,
      getTrace: async (id) => (await c.session.getStore()).get(id),
      opikStatus: (id) => c.opik.status(id),
    }),
    // A failed run's panel must not keep saying the key is missing or wrong once another one is set.
    c.secrets.onDidChange((key) => {
      const shown = ResultPanel.currentState();
      if (key !== 'codi.geminiApiKey' || (shown?.error?.kind !== 'no-key' && shown?.error?.kind !== 'auth')) return;
      ResultPanel.patchCurrent({ error: null, warning: vscode.l10n.t('The Gemini API key was changed after this run failed. Retry to run it with the new key.') });
    }),
  );

  const askKey = async (title: string, prompt: string, placeHolder: string, looksRight?: (key: string) => string | undefined): Promise<string | undefined> =>
    askText({
      title,
      prompt,
      password: true,
      placeHolder,
      validateInput: (v) => {
        const key = v.trim();
        if (!key) return vscode.l10n.t('Paste the key.');
        if (/\s/.test(v)) return key !== v && !/\s/.test(key) ? vscode.l10n.t('Remove the spaces around the key.') : vscode.l10n.t('An API key has no spaces.');
        const warning = looksRight?.(key);
        return warning ? { message: warning, severity: vscode.InputBoxValidationSeverity.Warning } : undefined;
      },
    });
  /** Google's keys start with "AIza"; with a custom endpoint (proxy, gateway, demo) any key may be right. */
  const geminiKeyHint = (key: string): string | undefined =>
    key.startsWith('AIza') || readSettings().apiBaseUrl ? undefined : vscode.l10n.t('Keys from Google AI Studio start with "AIza". Press Enter to save it anyway.');
  const setOpikEnabled = async (on: boolean) => {
    await vscode.workspace.getConfiguration('codi.opik').update('enabled', on, vscode.ConfigurationTarget.Global);
    if (on && !(await c.secrets.get('codi.opikApiKey'))) {
      const setKey = vscode.l10n.t('Set Opik API Key');
      const settings = vscode.l10n.t('Open Settings');
      const pick = await vscode.window.showInformationMessage(vscode.l10n.t('CODI: Opik export is on. Opik cloud needs an API key and a workspace (self-hosted Opik does not).'), setKey, settings);
      if (pick === setKey) await vscode.commands.executeCommand('codi.setOpikApiKey');
      if (pick === settings) await vscode.commands.executeCommand('workbench.action.openSettings', 'codi.opik');
    } else void vscode.window.showInformationMessage(on ? vscode.l10n.t('CODI: Opik export enabled: new traces will be sent to Opik.') : vscode.l10n.t('CODI: Opik export disabled: nothing more is sent.'));
  };

  const isTagChange = (v: unknown): v is { add?: string[]; remove?: string[] } =>
    !!v && typeof v === 'object' && (['add', 'remove'] as const).every((k) => (v as Record<string, unknown>)[k] === undefined || (Array.isArray((v as Record<string, unknown>)[k]) && ((v as Record<string, unknown[]>)[k] ?? []).every((t) => typeof t === 'string')));
  /** A trace id from a command argument: an id, a Traces view item, or a Review view item. */
  const traceIdOf = (arg: unknown): string | undefined =>
    typeof arg === 'string'
      ? arg
      : arg && typeof arg === 'object' && 'trace' in arg
        ? (arg as { trace: TraceSummary }).trace.id
        : arg && typeof arg === 'object' && 'item' in arg
          ? (arg as { item: { trace: TraceSummary } }).item.trace.id
          : undefined;
  /** Mark for Review / Mark Reviewed / Remove from Review, on a tree item (or the trace shown in the panel). */
  const review = async (arg: unknown, state: 'queued' | 'reviewed' | null) => {
    const id = traceIdOf(arg) ?? TracePanel.currentTraceId();
    if (!id) {
      void vscode.window.showInformationMessage(vscode.l10n.t('CODI: Pick a trace in the Traces view (right-click → Mark for Review), or open one first.'));
      return;
    }
    await c.traces.annotate(id, { review: state });
    const left = (await c.review.items()).length;
    const one = left === 1;
    const what =
      state === 'queued'
        ? one ? vscode.l10n.t('CODI: trace marked for review (1 trace to review)') : vscode.l10n.t('CODI: trace marked for review ({0} traces to review)', left)
        : state === 'reviewed'
          ? one ? vscode.l10n.t('CODI: trace marked reviewed (1 trace to review)') : vscode.l10n.t('CODI: trace marked reviewed ({0} traces to review)', left)
          : one ? vscode.l10n.t('CODI: trace removed from review (1 trace to review)') : vscode.l10n.t('CODI: trace removed from review ({0} traces to review)', left);
    void vscode.window.setStatusBarMessage(what, 4000);
  };

  return {
    'codi.explainSelection': async () => {
      const input = await selectionInput(vscode.window.activeTextEditor, 'explain');
      if (!input) return undefined;
      lastRun = () => runExplain(input, deps);
      return (await runExplain(input, deps))?.trace.id;
    },
    'codi.summarizeSelection': async () => {
      const input = await selectionInput(vscode.window.activeTextEditor, 'summarize');
      if (!input) return undefined;
      lastRun = () => runSummarize(input, deps);
      return (await runSummarize(input, deps))?.trace.id;
    },
    'codi.summarizeFile': async () => {
      const input = fileInput(vscode.window.activeTextEditor);
      if (!input) return undefined;
      lastRun = () => runSummarize(input, deps);
      return (await runSummarize(input, deps))?.trace.id;
    },
    'codi.generateCode': async () => {
      const req = await askGenerateRequest(vscode.window.activeTextEditor);
      if (!req) return undefined;
      lastRun = () => runGenerate(req, deps, generation);
      return (await runGenerate(req, deps, generation))?.trace.id;
    },
    'codi.acceptProposal': () => decide('accept'),
    'codi.rejectProposal': () => decide('reject'),
    'codi.setGeminiApiKey': async (arg?: unknown) => {
      // Tests and other extensions may pass the key; people type it into a password box.
      const key =
        typeof arg === 'string'
          ? arg
          : await askKey(vscode.l10n.t('CODI: Gemini API Key'), vscode.l10n.t("Paste your Gemini API key (from Google AI Studio). It is kept in VS Code's secret storage, never in settings."), 'AIza…', geminiKeyHint);
      if (key === undefined) return;
      await c.secrets.set('codi.geminiApiKey', key.trim());
      c.log.info('Gemini API key updated.');
      void vscode.window.showInformationMessage(vscode.l10n.t('CODI: Gemini API key saved in secret storage.'));
    },
    'codi.clearGeminiApiKey': async () => {
      await c.secrets.delete('codi.geminiApiKey');
      c.log.info('Gemini API key removed.');
      void vscode.window.showInformationMessage(vscode.l10n.t('CODI: Gemini API key removed.'));
    },
    'codi.showTrace': async (arg?: unknown) => {
      const id = traceIdOf(arg);
      if (id) await showTrace(id);
    },
    'codi.openInOpik': async (arg?: unknown) => {
      const id = traceIdOf(arg);
      if (id) await c.traces.openInOpik(id);
    },
    'codi.copyTraceId': async (arg?: unknown) => {
      const id = traceIdOf(arg);
      if (id) await c.traces.copyId(id);
    },
    'codi.revealTraceCode': async (arg?: unknown) => {
      const id = traceIdOf(arg);
      if (id) await c.traces.revealCode(id);
    },
    'codi.deleteTrace': async (arg?: unknown) => {
      const id = traceIdOf(arg);
      const name = arg && typeof arg === 'object' && 'trace' in arg ? (arg as { trace: TraceSummary }).trace.name : (id ?? '');
      if (id) await c.traces.delete(id, name);
    },
    'codi.editTraceTags': async (arg?: unknown, change?: unknown) => {
      const id = traceIdOf(arg);
      if (!id) return undefined;
      const store = await c.session.getStore();
      const trace = await store.get(id);
      if (!trace) {
        void vscode.window.showWarningMessage(vscode.l10n.t('CODI: This trace is no longer in the store (deleted here or in another window).'));
        return undefined;
      }
      // Tests and other extensions may pass `{add, remove}`; people pick.
      const asked = isTagChange(change) ? change : await pickTags(trace.name, trace.tags, store.analysis().options().tags);
      if (!asked) return undefined;
      const r = await retag(store, id, asked);
      if (r.changed) c.log.info(`tags of ${id}: ${r.tags.join(', ') || '(none)'}`);
      return r.tags;
    },
    'codi.clearHistory': async () => {
      const store = await c.session.getStore();
      const n = store.count();
      const yes = n === 1 ? vscode.l10n.t('Delete 1 Trace') : vscode.l10n.t('Delete {0} Traces', n);
      const pick = await vscode.window.showWarningMessage(n === 1 ? vscode.l10n.t('Delete the only CODI trace from this machine?') : vscode.l10n.t('Delete all {0} CODI traces from this machine?', n), { modal: true, detail: vscode.l10n.t('Traces already exported to Opik stay there. This cannot be undone.') }, yes);
      if (pick !== yes) return;
      const r = await store.clear();
      c.log.info(`history cleared: ${plural(r.deleted, 'trace')}`);
      c.tree.refresh();
      await c.traces.refreshPanels(null);
      void vscode.window.showInformationMessage(r.deleted === 1 ? vscode.l10n.t('CODI: 1 trace deleted.') : vscode.l10n.t('CODI: {0} traces deleted.', r.deleted));
    },
    'codi.setOpikApiKey': async (arg?: unknown) => {
      const key = typeof arg === 'string' ? arg : await askKey(vscode.l10n.t('CODI: Opik API Key'), vscode.l10n.t("Paste your Comet Opik API key. It is kept in VS Code's secret storage, never in settings."), vscode.l10n.t('Opik API key'));
      if (key === undefined) return;
      await c.secrets.set('codi.opikApiKey', key.trim());
      c.log.info('Opik API key updated.');
      void vscode.window.showInformationMessage(vscode.l10n.t('CODI: Opik API key saved in secret storage.'));
    },
    'codi.enableOpikExport': () => setOpikEnabled(true),
    'codi.disableOpikExport': () => setOpikEnabled(false),
    'codi.syncOpikNow': () => c.opik.syncNow(),
    'codi.refreshTraces': async () => {
      await (await c.session.getStore()).refresh();
      c.tree.refresh();
    },
    'codi.filterTraces': async (arg?: unknown) => {
      // Tests and other extensions may pass the choices; people pick them.
      const labels = async () => [...new Set([...readAnnotationLabels(), ...(await c.session.getStore()).annotations().labelsInUse().map((l) => l.label)])];
      const next = arg && typeof arg === 'object' ? parseChoices(arg) : await pickFilter(c.tree.filter, filterOffer(await c.session.getStore()), await labels());
      if (next) c.tree.setFilter(next);
    },
    'codi.clearTracesFilter': () => c.tree.setFilter({}),
    'codi.showWorkspaceTraces': () => c.tree.setScope('workspace'),
    'codi.showAllWorkspacesTraces': () => c.tree.setScope('all'),
    'codi.markForReview': (arg?: unknown) => review(arg, 'queued'),
    'codi.markReviewed': (arg?: unknown) => review(arg, 'reviewed'),
    'codi.removeFromReview': (arg?: unknown) => review(arg, null),
    'codi.refreshReview': async () => {
      await (await c.session.getStore()).refresh();
      c.review.refresh();
    },
    'codi.openDashboard': () => void c.dashboard.open(),
    'codi.groupTraces': async () => {
      const pick = await pickOne(
        [
          { label: `$(calendar) ${vscode.l10n.t('By day')}`, grouping: 'day' as const },
          { label: `$(comment-discussion) ${vscode.l10n.t('By thread')}`, description: vscode.l10n.t('re-asks on the same code'), grouping: 'thread' as const },
        ],
        { title: vscode.l10n.t('CODI: Group Traces') },
      );
      if (pick) c.tree.setGrouping(pick.grouping);
    },
    'codi.showLog': () => c.log.show(true),
    'codi.showStatus': () => showStatus(c.status),
    'codi.openSettings': () => vscode.commands.executeCommand('workbench.action.openSettings', '@ext:codi-dev.codi'),
    ...experimentCommands({ deps, tree: c.experimentsTree, replayDocs: c.replayDocs, showTrace, opik: c.opik }),
    ...exportCommands({ session: c.session, tree: c.tree, log: c.log, version }),
  };
}

/** Registers the table; every handler's failure is logged and shown with its next step. */
export function registerCommands(table: Record<CommandId, Handler>, log: vscode.LogOutputChannel): vscode.Disposable[] {
  return Object.entries(table).map(([id, handler]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await handler(...args);
      } catch (err) {
        await showFailure(err, log, id);
        return undefined;
      }
    }),
  );
}
