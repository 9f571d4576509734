import * as vscode from 'vscode';
import { CodiError } from '../../core/errors';
import type { Experiment } from '../../core/eval/experiment';
import { experimentViewState } from '../../core/eval/experimentView';
import { isPipelineKind } from '../../core/run/registry';
import { requestedModelOf } from '../../core/run/replay';
import type { TraceSummary } from '../../shared/types';
import type { CommandId } from '../commandIds';
import { pickOne } from '../pickers';
import { runBatchSummarize, selectedFiles } from '../runs/batchRun';
import { askReplayModel, runReplay } from '../runs/replayRun';
import type { ReplayDocuments } from '../runs/replayRun';
import type { RunDeps } from '../runs/runner';
import { ExperimentsPanel } from './experimentsPanel';
import type { ExperimentOpik } from './experimentsPanel';
import { pickDataset, runExperimentFrom } from './experimentRun';
import type { ExperimentsTree } from './experimentsTree';

type Handler = (...args: unknown[]) => unknown;
export type ExperimentCommandId = Extract<CommandId, 'codi.runExperiment' | 'codi.openExperiment' | 'codi.compareExperiments' | 'codi.refreshExperiments' | 'codi.replayTrace' | 'codi.summarizeFiles'>;

export interface ExperimentCommandContext {
  deps: RunDeps;
  tree: ExperimentsTree;
  replayDocs: ReplayDocuments;
  showTrace: (traceId: string) => Promise<void>;
  opik: ExperimentOpik;
}

/** Experiments, replay and batch: their part of the one command table (spread into commandTable). */
export function experimentCommands(c: ExperimentCommandContext): Record<ExperimentCommandId, Handler> {
  const { deps } = c;
  const store = () => deps.session.experiments;
  const open = async (e: Experiment, other: Experiment | null, mode: 'run' | 'compare') =>
    ExperimentsPanel.show(deps.extensionUri, deps.log, experimentViewState(e, other, mode), { showTrace: c.showTrace, opik: c.opik });

  /** A stored run by id (arguments from the tree or tests), else picked from the stored runs. */
  const pickRun = async (arg: unknown, title: string, placeHolder: string, exclude?: string): Promise<Experiment | undefined> => {
    if (typeof arg === 'string' && arg) return store().get(arg);
    const all = (await store().all()).filter((e) => e.runId !== exclude);
    if (!all.length) {
      const run = vscode.l10n.t('Run Experiment');
      const text = exclude ? vscode.l10n.t('CODI: There is no other experiment run to compare with. Run a dataset first.') : vscode.l10n.t('CODI: No experiment runs yet. Run a dataset first.');
      void vscode.window.showInformationMessage(text, run).then((a) => a && vscode.commands.executeCommand('codi.runExperiment'));
      return undefined;
    }
    const pick = await pickOne(
      all.map((e) => ({ label: e.name, description: e.status === 'cancelled' ? vscode.l10n.t('{0}% of {1} · {2} · cancelled', Math.round(e.passRate * 100), e.cases.length, new Date(e.startedAt).toLocaleString()) : vscode.l10n.t('{0}% of {1} · {2}', Math.round(e.passRate * 100), e.cases.length, new Date(e.startedAt).toLocaleString()), detail: vscode.l10n.t('{0}@{1} · {2} · run {3}', e.dataset.name, e.dataset.hash.slice(0, 8), e.models.model, e.runId), e })),
      { title, placeHolder, matchOnDetail: true },
    );
    return pick?.e;
  };

  const traceIdOf = (arg: unknown): string | undefined =>
    typeof arg === 'string' ? arg : arg && typeof arg === 'object' && 'trace' in arg ? (arg as { trace: TraceSummary }).trace.id : undefined;

  return {
    'codi.runExperiment': async (arg?: unknown) => {
      const uri = await pickDataset(arg);
      if (!uri) return undefined;
      const e = await runExperimentFrom(uri, deps, () => c.tree.refresh());
      if (!e) return undefined;
      await open(e, await store().previous(e), 'run');
      return e.runId;
    },
    'codi.openExperiment': async (arg?: unknown) => {
      const e = await pickRun(arg, vscode.l10n.t('CODI: Open Experiment'), vscode.l10n.t('Experiment run to open'));
      if (e) await open(e, await store().previous(e), 'run');
    },
    'codi.compareExperiments': async (a?: unknown, b?: unknown) => {
      const base = await pickRun(a, vscode.l10n.t('CODI: Compare Runs (1/2)'), vscode.l10n.t('Baseline run (A)'));
      if (!base) return;
      const next = await pickRun(b, vscode.l10n.t('CODI: Compare Runs (2/2)'), vscode.l10n.t('Run to compare with {0} (B)', base.name), base.runId);
      if (next) await open(next, base, 'compare');
    },
    'codi.refreshExperiments': () => c.tree.refresh(),
    'codi.replayTrace': async (arg?: unknown, modelArg?: unknown) => {
      const traces = await deps.session.getStore();
      let id = traceIdOf(arg);
      if (!id) {
        const list = traces.list({ limit: 200 }).filter((t) => isPipelineKind(t.type));
        const pick = await pickOne(
          list.map((t) => ({ label: t.name, description: [t.type, t.model ?? '', t.score === null ? '' : t.score.toFixed(2)].filter(Boolean).join(' · '), detail: new Date(t.startTime).toLocaleString(), id: t.id })),
          { title: vscode.l10n.t('CODI: Replay with Another Model'), placeHolder: vscode.l10n.t('Trace to replay'), matchOnDescription: true },
        );
        id = pick?.id;
      }
      if (!id) return undefined;
      const original = await traces.get(id);
      if (!original) throw new CodiError('bad-input', vscode.l10n.t('Trace {0} is not in the local store (it may have been cleared).', id));
      const model = typeof modelArg === 'string' && modelArg ? modelArg : await askReplayModel(requestedModelOf(original));
      if (!model) return undefined;
      return (await runReplay(original, model, deps, c.replayDocs))?.id;
    },
    'codi.summarizeFiles': async (clicked?: unknown, selected?: unknown) => runBatchSummarize(await selectedFiles(clicked, selected), deps),
  };
}
