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
    return this.texts.get(uri.path) ?? '(this replay output is no longer available; replay the trace again)';
  }
}

/** Asks for the model to replay with; undefined when dismissed. */
export async function askReplayModel(current: string | undefined): Promise<string | undefined> {
  type Item = vscode.QuickPickItem & { model?: string };
  const items: Item[] = [
    ...REPLAY_MODELS.map((m) => ({ label: m, model: m, description: m === current ? 'the original run’s model' : undefined })),
    { label: '$(edit) Other…', description: 'type a model id' },
  ];
  const pick = await pickOne(items, { title: 'CODI: Replay with Another Model', placeHolder: `Model to run this trace's input with${current ? ` (it ran on ${current})` : ''}` });
  if (!pick) return undefined;
  if (pick.model) return pick.model;
  const typed = await askText({ title: 'CODI: Replay with Another Model', prompt: 'A Gemini model id, e.g. gemini-2.5-pro', validateInput: (v) => (/^[\w.-]+$/.test(v.trim()) ? undefined : 'A model id has letters, digits, dots and dashes only.') });
  return typed?.trim() || undefined;
}

/** The input of a trace to run again, or a bad-input error that says why it cannot be replayed. */
export function replayInput(original: TraceRecord): { kind: PipelineKind; input: unknown } {
  const kind = original.type;
  if (!isPipelineKind(kind)) throw new CodiError('bad-input', `A ${kind} trace cannot be replayed (explain, summarize and generate traces can).`);
  const input = pipelines[kind].inputFromTrace(original);
  if (!input) throw new CodiError('bad-input', `Trace ${original.id} does not keep the input it was run on (recorded by an older CODI?), so it cannot be replayed.`);
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
      title: `Replay ${original.name} with ${model}`,
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
  await vscode.commands.executeCommand('vscode.diff', left, right, `Replay: ${requestedModelOf(original) ?? 'original'} ↔ ${model}`, { preview: true, viewColumn: vscode.ViewColumn.Active });
  const line = describeReplay(t, replayDiff(original, t));
  deps.log.info(`replay ${t.id} of ${original.id} with ${model}: ${line}`);
  void vscode.window.showInformationMessage(`CODI: Replay with ${model}: ${line}`, 'Show Trace', 'Show Original').then((a) => {
    if (a === 'Show Trace') void vscode.commands.executeCommand('codi.showTrace', t.id);
    if (a === 'Show Original') void vscode.commands.executeCommand('codi.showTrace', original.id);
  });
  return t;
}
