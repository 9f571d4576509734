import * as vscode from 'vscode';
import { toCodiError } from '../../core/errors';
import type { RunConfig } from '../../core/run/config';
import type { PipelineInputs, PipelineKind, PipelineResults, RunHooks, RunOutcome } from '../../core/run/registry';
import { runPipeline } from '../../core/run/registry';
import type { HostAction, ResultViewState } from '../../shared/protocol';
import { actionsFor, showFailure } from '../errors';
import type { ResultPanel, ResultPanelActions } from '../panels/resultPanel';
import { ResultPanel as Panel } from '../panels/resultPanel';
import type { Session } from '../session';
import type { Settings } from '../settings';
import { readSettings, runConfigFrom } from '../settings';
import type { RetryNotice } from '../../core/gemini/client';
import { describeRetry } from '../../core/gemini/retry';
import type { InputCheck } from './preflight';
import { preflight } from './preflight';
import type { ThreadSubject } from './threads';
import { threadIdOf } from './threads';

export interface RunDeps {
  session: Session;
  extensionUri: vscode.Uri;
  extensionVersion: string;
  log: vscode.LogOutputChannel;
  panelActions: ResultPanelActions;
  /** Called with every finished run's trace id (queues it for Opik, refreshes panels). */
  finished?: (traceId: string) => Promise<void>;
  /** Called with a stored experiment run's id, after its traces went through `finished` (queues it for Opik). */
  experimentFinished?: (runId: string) => Promise<void>;
}

/** What every pipeline returns (explain, summarize, generate). */
export type PipelineOutcome = RunOutcome;

/** What the runner gives a spec to report pipeline-specific progress. */
export interface PanelHooks {
  /** Extra state for the panel (CoD steps, generated code…). */
  patch: (p: Partial<ResultViewState>) => void;
  progress: (message: string) => void;
}

export interface RunSpec<K extends PipelineKind> {
  kind: K;
  input: PipelineInputs[K];
  /** Panel title and progress title, e.g. "Explain src/a.ts:3–9". */
  title: string;
  /** The pipeline's own hooks (CoD steps, code checks); start, text and judging are wired by the runner. */
  hooks?: (panel: PanelHooks, config: RunConfig) => RunHooks;
  /**
   * What the run is about: runs on the same subject belong to one thread (re-asks on the same code, retries),
   * even across reloads; their traces share a thread id, which Opik shows as one conversation.
   */
  thread?: Omit<ThreadSubject, 'workspace'>;
  /** The text sent to the model and its limit, checked before a panel opens (see preflight.ts). */
  check?: (settings: Settings) => InputCheck;
  /** Final panel fields beyond the common ones. */
  finish?: (result: PipelineResults[K]) => Partial<ResultViewState>;
  /** Changes to the settings' run config for this run (a replay's model). */
  configure?: (config: RunConfig) => RunConfig;
  /** Tags and metadata added to the run's trace (a replay's `replayOf`). */
  trace?: { tags?: readonly string[]; metadata?: Record<string, unknown> };
}

let trustConfirmed = false;

/** Cancels the run in progress, if any: the panel's Stop button does what the notification's Cancel does. */
let activeRun: AbortController | null = null;
export function cancelActiveRun(): void {
  activeRun?.abort();
}

/** The thread of a run, derived from its subject (threads.ts); the workspace is the open workspace file or first folder. */
function threadIdFor(subject: Omit<ThreadSubject, 'workspace'> | undefined): string | null {
  if (!subject) return null;
  const workspace = (vscode.workspace.workspaceFile ?? vscode.workspace.workspaceFolders?.[0]?.uri)?.toString() ?? '';
  return threadIdOf({ ...subject, workspace });
}

/** Asks once per window before sending code from an untrusted workspace to a model. */
export async function confirmTrust(): Promise<boolean> {
  if (vscode.workspace.isTrusted || trustConfirmed) return true;
  const send = vscode.l10n.t('Send to Gemini');
  const picked = await vscode.window.showWarningMessage(
    vscode.l10n.t('This workspace is not trusted. Send code from it to Gemini?'),
    { modal: true, detail: vscode.l10n.t('CODI sends the code to the Gemini API. Nothing is sent unless you agree.') },
    send,
  );
  trustConfirmed = picked === send;
  return trustConfirmed;
}

/**
 * Runs one pipeline the way every CODI command does: a progress notification with Cancel, live updates
 * in the result panel, the judge's badge, a trace recorded in every outcome, and a failure message with
 * its next step. Resolves with the pipeline's result, or null when the user declined to send code.
 */
export async function runInPanel<K extends PipelineKind>(spec: RunSpec<K>, deps: RunDeps, retry: () => Promise<unknown>): Promise<PipelineResults[K] | null> {
  const settings = readSettings();
  if (!(await preflight(deps.session, spec.check?.(settings) ?? null))) return null;
  if (!(await confirmTrust())) return null;
  const initial: ResultViewState = {
    kind: spec.kind,
    traceId: null,
    title: spec.title,
    status: 'running',
    markdown: '',
    // A replay runs another model than the settings': show that one while it runs.
    model: spec.configure ? spec.configure(runConfigFrom(settings)).model : settings.model,
    usage: null,
    costUsd: null,
    latencyMs: null,
    judge: null,
    judgeStatus: settings.judgeEnabled ? 'pending' : 'off',
    judgeError: null,
    error: null,
    canRerun: true,
  };
  const panel: ResultPanel = Panel.show(deps.extensionUri, deps.panelActions, deps.log, initial);
  let saveFailure: () => string | null = () => null;
  let result: PipelineResults[K];
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('CODI: {0}', spec.title), cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        activeRun = abort;
        const sub = token.onCancellationRequested(() => abort.abort());
        try {
          const { config: base, tracer, saveFailure: failureOf, ...ctx } = await deps.session.modelContext(abort.signal);
          const config = spec.configure ? spec.configure(base) : base;
          saveFailure = failureOf;
          progress.report({ message: 'waiting for Gemini…' });
          let streaming = false;
          const panelHooks: PanelHooks = { patch: (p) => panel.update(p), progress: (message) => progress.report({ message }) };
          // While a retry waits nothing streams: say why and for how long, instead of going silent.
          const onRetry = (n: RetryNotice): void => progress.report({ message: `${describeRetry(n)}…` });
          return await runPipeline(spec.kind, spec.input, config, {
            ...ctx,
            tracer: spec.trace ? tracer.with(spec.trace) : tracer,
            onRetry,
            clientVersion: `vscode-codi/${deps.extensionVersion}`,
            threadId: threadIdFor(spec.thread),
            hooks: {
              onStart: (traceId) => panel.update({ traceId }),
              onText: (d) => {
                if (!streaming) progress.report({ message: 'streaming…' });
                streaming = true;
                panel.append(d);
              },
              onJudging: () => {
                progress.report({ message: 'judging…' });
                panel.update({ status: 'judging' });
              },
              ...spec.hooks?.(panelHooks, config),
            },
          });
        } finally {
          sub.dispose();
          if (activeRun === abort) activeRun = null;
        }
      },
    );
  } catch (err) {
    // Whatever failed outside the pipeline (it never throws for model or input failures), the panel must not
    // stay on "running".
    const e = toCodiError(err);
    panel.update({ status: 'error', error: { ...e.toInfo(), actions: actionsFor(e.kind) } });
    deps.log.error(`${spec.kind} failed before the pipeline ran: ${e.message}`);
    await showFailure(e, deps.log, spec.title);
    return null;
  }
  const t = result.trace;
  const e = result.error;
  const notSaved = saveFailure();
  panel.update({
    traceId: notSaved ? null : t.id,
    status: e ? (e.kind === 'cancelled' ? 'cancelled' : 'error') : 'done',
    markdown: result.output,
    model: typeof t.metadata.model === 'string' ? t.metadata.model : settings.model,
    requestedModel: typeof t.metadata.requestedModel === 'string' ? t.metadata.requestedModel : null,
    usage: t.usage,
    costUsd: t.costUsd,
    latencyMs: t.endTime === null ? null : t.endTime - t.startTime,
    judge: result.judge,
    judgeStatus: !settings.judgeEnabled ? 'off' : result.judge ? 'done' : result.judgeError ? 'error' : 'off',
    judgeError: result.judgeError?.message ?? null,
    error: e && e.kind !== 'cancelled' ? { ...e.toInfo(), actions: actionsFor(e.kind) } : null,
    warning: notSaved
      ? vscode.l10n.t('The trace of this run could not be saved ({0}). The answer above is complete; check the log ("CODI: Show Log") and the store folder.', notSaved)
      : typeof t.metadata.warning === 'string' ? t.metadata.warning : null,
    redactions: typeof t.metadata.redactions === 'number' ? t.metadata.redactions : null,
    ...(spec.finish ? spec.finish(result) : {}),
  });
  if (notSaved) {
    void vscode.window.showWarningMessage(vscode.l10n.t('CODI: The trace of "{0}" could not be saved: {1}. The result is shown; the trace is not in the Traces view.', spec.title, notSaved), vscode.l10n.t('Show Log'))
      .then((a) => a && deps.log.show());
  } else {
    await deps.finished?.(t.id).catch((err: unknown) => deps.log.warn(`after ${t.id}: ${String(err)}`));
  }
  deps.log.info(`${spec.kind} ${t.id}: ${e ? `${e.kind}: ${e.message}` : `ok, score ${result.judge?.score ?? 'none'}`}, ${t.usage?.totalTokens ?? 0} tokens`);
  if (result.judgeError) deps.log.warn(`judge failed for ${t.id}: ${result.judgeError.message}`);
  if (e) {
    const action: HostAction | undefined = await showFailure(e, deps.log, spec.title);
    if (action === 'retry') await retry();
  }
  return result;
}
