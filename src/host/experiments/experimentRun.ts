import { extname } from 'node:path';
import * as vscode from 'vscode';
import { CodiError } from '../../core/errors';
import { loadDataset } from '../../core/eval/dataset';
import type { Dataset } from '../../core/eval/dataset';
import type { Experiment } from '../../core/eval/experiment';
import { runExperiment } from '../../core/eval/experiment';
import { RateGate } from '../../core/gemini/gate';
import { pickOne } from '../pickers';
import { confirmTrust } from '../runs/runner';
import type { RunDeps } from '../runs/runner';

const DATASET_EXTENSIONS = ['.jsonl', '.csv', '.yaml', '.yml'];
const isDatasetFile = (uri: vscode.Uri): boolean => DATASET_EXTENSIONS.includes(extname(uri.path).toLowerCase());

/**
 * The dataset to run: the one passed (Explorer, tests), else a pick among the workspace's dataset files —
 * the file open in the editor first, then files under a `datasets` folder, then the rest.
 */
export async function pickDataset(arg: unknown): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string' && arg) return vscode.Uri.file(arg);
  const active = vscode.window.activeTextEditor?.document.uri;
  const found = await vscode.workspace.findFiles('**/*.{jsonl,csv,yaml,yml}', '{**/node_modules/**,**/.git/**,**/dist/**,**/out/**}', 500);
  const rank = (u: vscode.Uri) => (active && u.toString() === active.toString() ? 0 : /(^|\/)datasets\//.test(vscode.workspace.asRelativePath(u, false)) ? 1 : 2);
  const files = [...(active && isDatasetFile(active) ? [active] : []), ...found.filter((u) => !active || u.toString() !== active.toString())].sort((a, b) => rank(a) - rank(b));
  if (!files.length) {
    void vscode.window.showWarningMessage(vscode.l10n.t('CODI: No dataset found in this workspace. A dataset is a .jsonl, .csv or .yaml file of cases (see the README, "Datasets"); put it under a "datasets" folder.'));
    return undefined;
  }
  const pick = await pickOne(
    files.map((uri) => ({ label: vscode.workspace.asRelativePath(uri, false), description: rank(uri) === 0 ? vscode.l10n.t('open in the editor') : undefined, uri })),
    { title: vscode.l10n.t('CODI: Run Experiment'), placeHolder: vscode.l10n.t('Dataset to run') },
  );
  return pick?.uri;
}

/**
 * Runs a dataset as an experiment: a bad dataset is refused (with its problems) before any model call; the
 * progress notification counts cases and Cancel keeps the finished ones (the run is stored as cancelled).
 * Resolves with the stored experiment, or undefined when nothing ran.
 */
export async function runExperimentFrom(uri: vscode.Uri, deps: RunDeps, onSaved: () => void): Promise<Experiment | undefined> {
  // Throws a bad-input CodiError listing the problems (with line numbers); the command wrapper shows it.
  const dataset: Dataset = loadDataset(uri.fsPath);
  if (!dataset.cases.length) {
    void vscode.window.showWarningMessage(vscode.l10n.t('CODI: {0} has no cases.', vscode.workspace.asRelativePath(uri, false)));
    return undefined;
  }
  // Without a key every case would fail the same way: say it once, with its next step.
  if (!(await deps.session.getApiKey())) throw new CodiError('no-key', vscode.l10n.t('No Gemini API key is set. Run "CODI: Set Gemini API Key".'));
  if (!(await confirmTrust())) return undefined;
  const concurrency = Math.max(1, Math.min(16, Math.round(vscode.workspace.getConfiguration('codi.experiments').get<number>('concurrency', 4))));
  const experiment = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('CODI: Experiment {0}', dataset.name), cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort());
      try {
        // One gate for every worker: a 429 seen by one pauses them all for the server's delay.
        const { config, settings: _settings, ...ctx } = await deps.session.modelContext(abort.signal, new RateGate());
        const total = dataset.cases.length;
        let passed = 0;
        progress.report({ message: vscode.l10n.t('case 0/{0} · {1}, concurrency {2}', total, config.model, concurrency) });
        return await runExperiment(dataset, config, {
          concurrency,
          codiVersion: deps.extensionVersion,
          signal: abort.signal,
          context: () => ({ ...ctx, clientVersion: `vscode-codi/${deps.extensionVersion}` }),
          onProgress: (done, all, last) => {
            if (last.pass) passed++;
            progress.report({ increment: 100 / all, message: last.pass ? vscode.l10n.t('case {0}/{1} · {2} passed · {3} passed', done, all, passed, last.id) : vscode.l10n.t('case {0}/{1} · {2} passed · {3} failed', done, all, passed, last.id) });
          },
        });
      } finally {
        sub.dispose();
      }
    },
  );
  await deps.session.experiments.save(experiment, dataset.cases);
  onSaved();
  for (const c of experiment.cases) for (const id of c.repeats?.map((r) => r.traceId) ?? [c.traceId]) await deps.finished?.(id).catch((e: unknown) => deps.log.warn(`after ${id}: ${String(e)}`));
  await deps.experimentFinished?.(experiment.runId).catch((e: unknown) => deps.log.warn(`after experiment ${experiment.runId}: ${String(e)}`));
  const pct = Math.round(experiment.passRate * 100);
  deps.log.info(`experiment ${experiment.runId} (${dataset.name}): ${experiment.status}, ${experiment.passed}/${experiment.cases.length} passed`);
  if (experiment.status === 'cancelled') void vscode.window.showInformationMessage(vscode.l10n.t('CODI: Experiment {0} cancelled after {1} of {2} cases ({3}% of them passed). The finished cases are kept.', dataset.name, experiment.cases.length, dataset.cases.length, pct));
  return experiment;
}
