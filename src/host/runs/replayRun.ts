import * as vscode from 'vscode';
import { CodiError } from '../../core/errors';
import { isPipelineKind, pipelines } from '../../core/run/registry';
import type { PipelineKind } from '../../core/run/registry';
import { describeReplay, replayDiff, requestedModelOf, traceOutputText } from '../../core/run/replay';
import type { TraceRecord } from '../../shared/types';
import { askText, pickOne } from '../pickers';
import { runInPanel } from './runner';
import type { RunDeps } from './runner';

/** Models offered first; "Other…" takes any model id. */
export const REPLAY_MODELS = ['gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-2.5-flash-lite', 'gemini-2.0-flash', 'gemini-2.0-flash-lite'];

/** Read-only documents of the two outputs a replay diff shows (`codi-replay:/<trace id>/<label>.md`). */
export class ReplayDocuments implements vscode.TextDocumentContentProvider {
  static readonly scheme = 'codi-replay';
  private readonly texts = new Map<string, string>();

  set(traceId: string, label: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: ReplayDocuments.scheme, path: `/${traceId}/${label}.md` });
    this.texts.set(uri.path, text);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.path) ?? vscode.l10n.t('(this replay output is no longer available; replay the trace again)');
  }
}

/** Asks for the model to replay with; undefined when dismissed. */
export async function askReplayModel(current: string | undefined): Promise<string | undefined> {
  type Item = vscode.QuickPickItem & { model?: string };
  const items: Item[] = [
    ...REPLAY_MODELS.map((m) => ({ label: m, model: m, description: m === current ? vscode.l10n.t('the original run’s model') : undefined })),
    { label: `$(edit) ${vscode.l10n.t('Other…')}`, description: vscode.l10n.t('type a model id') },
  ];
  const pick = await pickOne(items, { title: vscode.l10n.t('CODI: Replay with Another Model'), placeHolder: current ? vscode.l10n.t("Model to run this trace's input with (it ran on {0})", current) : vscode.l10n.t("Model to run this trace's input with") });
  if (!pick) return undefined;
  if (pick.model) return pick.model;
  const typed = await askText({ title: vscode.l10n.t('CODI: Replay with Another Model'), prompt: vscode.l10n.t('A Gemini model id, e.g. gemini-2.5-pro'), validateInput: (v) => (/^[\w.-]+$/.test(v.trim()) ? undefined : vscode.l10n.t('A model id has letters, digits, dots and dashes only.')) });
  return typed?.trim() || undefined;
}

/** The input of a trace to run again, or a bad-input error that says why it cannot be replayed. */
export function replayInput(original: TraceRecord): { kind: PipelineKind; input: unknown } {
  const kind = original.type;
  if (!isPipelineKind(kind)) throw new CodiError('bad-input', vscode.l10n.t('A {0} trace cannot be replayed (explain, summarize and generate traces can).', kind));
  const input = pipelines[kind].inputFromTrace(original);
  if (!input) throw new CodiError('bad-input', vscode.l10n.t('Trace {0} does not keep the input it was run on (recorded by an older CODI?), so it cannot be replayed.', original.id));
  return { kind, input };
}

/**
 * Runs a trace's input again with another model (everything else as configured), linked by `replayOf`; then
 * shows the two outputs as a diff and the score, cost and latency deltas. Resolves with the new trace.
 */
export async function runReplay(original: TraceRecord, model: string, deps: RunDeps, docs: ReplayDocuments): Promise<TraceRecord | null> {
  const { kind, input } = replayInput(original);
  const result = await runInPanel(
    {
      kind,
      input: input as never,
      title: vscode.l10n.t('Replay {0} with {1}', original.name, model),
      configure: (c) => ({ ...c, model }),
      trace: { tags: ['replay'], metadata: { replayOf: original.id } },
    },
    deps,
    () => runReplay(original, model, deps, docs),
  );
  if (!result) return null;
  const t = result.trace;
  if (result.error) return t;
  const left = docs.set(t.id, `original-${requestedModelOf(original) ?? 'model'}`, traceOutputText(original));
  const right = docs.set(t.id, `replay-${model}`, traceOutputText(t));
  await vscode.commands.executeCommand('vscode.diff', left, right, vscode.l10n.t('Replay: {0} ↔ {1}', requestedModelOf(original) ?? vscode.l10n.t('original'), model), { preview: true, viewColumn: vscode.ViewColumn.Active });
  const line = describeReplay(t, replayDiff(original, t));
  deps.log.info(`replay ${t.id} of ${original.id} with ${model}: ${line}`);
  const showTrace = vscode.l10n.t('Show Trace');
  const showOriginal = vscode.l10n.t('Show Original');
  void vscode.window.showInformationMessage(vscode.l10n.t('CODI: Replay with {0}: {1}', model, line), showTrace, showOriginal).then((a) => {
    if (a === showTrace) void vscode.commands.executeCommand('codi.showTrace', t.id);
    if (a === showOriginal) void vscode.commands.executeCommand('codi.showTrace', original.id);
  });
  return t;
}
