import * as vscode from 'vscode';
import type { ResultViewState } from '../../shared/protocol';
import type { TraceRecord } from '../../shared/types';
import type { ResultPanelActions } from './resultPanel';
import { ResultPanel } from './resultPanel';
import type { TracePanelActions } from './tracePanel';
import { TracePanel } from './tracePanel';
import { readAnnotationLabels } from '../settings';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const TRACE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The trace id a restored panel's saved webview state names (the webview saved it; checked, not trusted). */
export function savedTraceId(state: unknown): string | null {
  if (!isObject(state)) return null;
  const id = isObject(state.trace) ? state.trace.id : state.traceId;
  return typeof id === 'string' && TRACE_ID.test(id) ? id : null;
}

/** A result panel's saved state, if it has the shape the webview saves. */
export function savedResultState(state: unknown): ResultViewState | null {
  if (!isObject(state) || typeof state.markdown !== 'string' || typeof state.title !== 'string' || typeof state.status !== 'string') return null;
  if (!['explain', 'summarize', 'generate'].includes(String(state.kind))) return null;
  return state as unknown as ResultViewState;
}

export interface SerializerDeps {
  extensionUri: vscode.Uri;
  log: vscode.LogOutputChannel;
  resultActions: ResultPanelActions;
  traceActions: TracePanelActions;
  /** The stored trace, or null when it is gone. */
  getTrace(id: string): Promise<TraceRecord | null>;
  opikStatus(id: string): Promise<ResultViewState['opik']>;
}

/**
 * Brings the result and trace panels back after a window reload, each with its trace as the store has
 * it now. A run cut short by the reload is shown as stopped (its process is gone), with what it had.
 */
export function registerPanelSerializers(d: SerializerDeps): vscode.Disposable {
  const trace = vscode.window.registerWebviewPanelSerializer(TracePanel.viewType, {
    async deserializeWebviewPanel(panel, state) {
      const id = savedTraceId(state);
      const stored = id ? await d.getTrace(id) : null;
      const saved = isObject(state) && isObject(state.trace) ? (state.trace as unknown as TraceRecord) : null;
      if (!stored && !saved) {
        panel.dispose();
        return;
      }
      const t = stored ?? saved!;
      TracePanel.adopt(panel, d.extensionUri, d.log, { trace: t, opik: stored ? await d.opikStatus(t.id) : null, deleted: !stored, labels: readAnnotationLabels() }, d.traceActions);
    },
  });
  const result = vscode.window.registerWebviewPanelSerializer(ResultPanel.viewType, {
    async deserializeWebviewPanel(panel, state) {
      const saved = savedResultState(state);
      if (!saved) {
        panel.dispose();
        return;
      }
      const busy = saved.status === 'running' || saved.status === 'judging';
      const stored = saved.traceId ? await d.getTrace(saved.traceId) : null;
      const restored: ResultViewState = {
        ...saved,
        status: busy ? 'cancelled' : saved.status,
        warning: busy ? vscode.l10n.t('The window reloaded while this ran; what had arrived is shown. Run the command again for a full answer.') : (saved.warning ?? null),
        canRerun: false,
        deleted: saved.traceId !== null && !busy && !stored,
        opik: stored ? await d.opikStatus(stored.id) : null,
      };
      ResultPanel.adopt(panel, d.extensionUri, d.resultActions, d.log, restored);
    },
  });
  return vscode.Disposable.from(trace, result);
}
