import * as vscode from 'vscode';
import type { HostAction } from '../shared/protocol';
import type { TraceFilter } from '../core/store/queries';
import type { TraceSummary } from '../shared/types';
import type { CommandId } from './commandIds';
import { showFailure } from './errors';
import { ResultPanel } from './panels/resultPanel';
import { runExplain, selectionInput } from './runs/explainRun';
import { askGenerateRequest, GenerateSession, runGenerate } from './runs/generateRun';
import type { Proposals } from './runs/proposal';
import { fileInput, runSummarize } from './runs/summarizeRun';
import type { RunDeps } from './runs/runner';
import type { OpikController } from './opikController';
import type { Secrets } from './secrets';
import type { TraceActions } from './traceActions';
import type { Session } from './session';
import type { TracesTree } from './views/tracesTree';
import { experimentCommands } from './experiments/experimentCommands';
import type { ExperimentsTree } from './experiments/experimentsTree';
import type { ReplayDocuments } from './runs/replayRun';

export interface CommandContext {
  extension: vscode.ExtensionContext;
  session: Session;
  secrets: Secrets;
  log: vscode.LogOutputChannel;
  tree: TracesTree;
  proposals: Proposals;
  opik: OpikController;
  traces: TraceActions;
  experimentsTree: ExperimentsTree;
  replayDocs: ReplayDocuments;
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
    const ids: Record<Exclude<HostAction, 'retry'>, CommandId> = { setApiKey: 'codi.setGeminiApiKey', showLog: 'codi.showLog', openSettings: 'codi.openSettings' };
    await vscode.commands.executeCommand(ids[action]);
  };

  const generation = new GenerateSession(c.proposals);
  /** Accept / reject / show the last generated code, from the panel or the diff editor's title bar. */
  const decide = async (action: 'showDiff' | 'accept' | 'reject') => {
    const p = generation.proposal;
    const g = ResultPanel.currentGenerated();
    if (!p) {
      void vscode.window.showWarningMessage('CODI: There is no generated code waiting for a decision (it may have been applied or discarded already).');
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
      void vscode.window.showErrorMessage('CODI: The code could not be applied (the file changed or is read-only). Use Copy instead.');
      return;
    }
    generation.proposal = null;
    if (g) ResultPanel.patchCurrent({ generated: { ...g, state: 'accepted' } });
    void vscode.window.setStatusBarMessage('CODI: generated code applied (unsaved; Undo reverts it)', 4000);
  };

  const deps: RunDeps = {
    session: c.session,
    extensionUri: c.extension.extensionUri,
    extensionVersion: version,
    log: c.log,
    panelActions: { viewTrace: showTrace, runAction, generated: decide, openInOpik: c.traces.openInOpik, rate: c.traces.rate },
    finished: async (traceId) => {
      await c.opik.traceFinished(traceId);
      await c.traces.refreshPanels(traceId);
    },
  };

  const askKey = async (title: string, prompt: string, placeHolder: string): Promise<string | undefined> =>
    vscode.window.showInputBox({
      title,
      prompt,
      password: true,
      ignoreFocusOut: true,
      placeHolder,
      validateInput: (v) => (v.trim().length < 8 ? 'That does not look like an API key.' : v.trim() !== v ? 'Remove the spaces around the key.' : undefined),
    });
  const setOpikEnabled = async (on: boolean) => {
    await vscode.workspace.getConfiguration('codi.opik').update('enabled', on, vscode.ConfigurationTarget.Global);
    if (on && !(await c.secrets.get('codi.opikApiKey'))) {
      const pick = await vscode.window.showInformationMessage('CODI: Opik export is on. Opik cloud needs an API key and a workspace (self-hosted Opik does not).', 'Set Opik API Key', 'Open Settings');
      if (pick === 'Set Opik API Key') await vscode.commands.executeCommand('codi.setOpikApiKey');
      if (pick === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'codi.opik');
    } else void vscode.window.showInformationMessage(`CODI: Opik export ${on ? 'enabled: new traces will be sent to Opik' : 'disabled: nothing more is sent'}.`);
  };
  const traceIdOf = (arg: unknown): string | undefined =>
    typeof arg === 'string' ? arg : arg && typeof arg === 'object' && 'trace' in arg ? (arg as { trace: TraceSummary }).trace.id : undefined;

  return {
    'codi.explainSelection': async () => {
      const input = selectionInput(vscode.window.activeTextEditor, 'explain');
      if (!input) return undefined;
      lastRun = () => runExplain(input, deps);
      return (await runExplain(input, deps))?.trace.id;
    },
    'codi.summarizeSelection': async () => {
      const input = selectionInput(vscode.window.activeTextEditor, 'summarize');
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
          : await askKey('CODI: Gemini API Key', "Paste your Gemini API key (from Google AI Studio). It is kept in VS Code's secret storage, never in settings.", 'AIza…');
      if (key === undefined) return;
      await c.secrets.set('codi.geminiApiKey', key.trim());
      c.log.info('Gemini API key updated.');
      void vscode.window.showInformationMessage('CODI: Gemini API key saved in secret storage.');
    },
    'codi.clearGeminiApiKey': async () => {
      await c.secrets.delete('codi.geminiApiKey');
      c.log.info('Gemini API key removed.');
      void vscode.window.showInformationMessage('CODI: Gemini API key removed.');
    },
    'codi.showTrace': async (arg?: unknown) => {
      const id = traceIdOf(arg);
      if (id) await showTrace(id);
    },
    'codi.openInOpik': async (arg?: unknown) => {
      const id = traceIdOf(arg);
      if (id) await c.traces.openInOpik(id);
    },
    'codi.clearHistory': async () => {
      const store = await c.session.getStore();
      const n = store.count();
      const yes = `Delete ${n} Trace${n === 1 ? '' : 's'}`;
      const pick = await vscode.window.showWarningMessage(`Delete all ${n} CODI traces from this machine?`, { modal: true, detail: 'Traces already exported to Opik stay there. This cannot be undone.' }, yes);
      if (pick !== yes) return;
      const r = await store.clear();
      c.log.info(`history cleared: ${r.deleted} trace(s)`);
      c.tree.refresh();
      void vscode.window.showInformationMessage(`CODI: ${r.deleted} trace(s) deleted.`);
    },
    'codi.setOpikApiKey': async (arg?: unknown) => {
      const key = typeof arg === 'string' ? arg : await askKey('CODI: Opik API Key', "Paste your Comet Opik API key. It is kept in VS Code's secret storage, never in settings.", 'Opik API key');
      if (key === undefined) return;
      await c.secrets.set('codi.opikApiKey', key.trim());
      c.log.info('Opik API key updated.');
      void vscode.window.showInformationMessage('CODI: Opik API key saved in secret storage.');
    },
    'codi.enableOpikExport': () => setOpikEnabled(true),
    'codi.disableOpikExport': () => setOpikEnabled(false),
    'codi.syncOpikNow': () => c.opik.syncNow(),
    'codi.refreshTraces': async () => {
      await (await c.session.getStore()).refresh();
      c.tree.refresh();
    },
    'codi.filterTraces': async () => {
      type Pick = vscode.QuickPickItem & { filter?: TraceFilter; search?: true };
      const items: Pick[] = [
        { label: '$(search) Search titles, inputs and outputs…', search: true },
        { label: '$(error) Errors only', filter: { errorOnly: true } },
        { label: '$(warning) Low scores (below 0.6)', filter: { maxScore: 0.599 } },
        { label: '$(pass) Good scores (0.8 and above)', filter: { minScore: 0.8 } },
        { label: '$(comment-discussion) Explain', filter: { type: 'explain' } },
        { label: '$(list-flat) Summarize', filter: { type: 'summarize' } },
        { label: '$(wand) Generate', filter: { type: 'generate' } },
        { label: '$(calendar) Last 7 days', filter: { from: Date.now() - 7 * 86_400_000 } },
        { label: '$(clear-all) Show all traces', filter: {} },
      ];
      const pick = await vscode.window.showQuickPick(items, { title: 'CODI: Filter Traces', placeHolder: 'Show only…' });
      if (!pick) return;
      if (pick.search) {
        const text = await vscode.window.showInputBox({ title: 'CODI: Search Traces', prompt: 'Words that must all appear in the title or the start of the input or output.' });
        if (text?.trim()) c.tree.setFilter({ text: text.trim() }, `"${text.trim()}"`);
        return;
      }
      c.tree.setFilter(pick.filter ?? {}, pick.filter && Object.keys(pick.filter).length ? pick.label.replace(/^\$\([^)]*\)\s*/, '') : '');
    },
    'codi.clearTracesFilter': () => c.tree.setFilter({}, ''),
    'codi.showLog': () => c.log.show(true),
    'codi.openSettings': () => vscode.commands.executeCommand('workbench.action.openSettings', '@ext:codi-dev.codi'),
    ...experimentCommands({ deps, tree: c.experimentsTree, replayDocs: c.replayDocs, showTrace }),
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
