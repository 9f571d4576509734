import * as vscode from 'vscode';
import type { AnnotationChange } from '../../shared/annotation';
import type { TraceViewState, UserRating } from '../../shared/protocol';
import { ACTION_COMMANDS } from '../errors';
import type { PanelHandlers } from './panelBase';
import { copyToClipboard, PanelBase } from './panelBase';
import { openModelLink } from '../links';

export interface TracePanelActions {
  show(traceId: string): Promise<void>;
  openInOpik(traceId: string): Promise<void>;
  rate(traceId: string, rating: UserRating): Promise<void>;
  annotate(traceId: string, change: AnnotationChange): Promise<void>;
  /** Jumps to the file and lines the trace's input came from. */
  revealCode(traceId: string): Promise<void>;
}

/** The trace panel: the span waterfall, inputs and outputs, judge criteria, rating, Opik link. One panel, reused. */
export class TracePanel extends PanelBase {
  static readonly viewType = 'codi.trace';
  private static current: TracePanel | undefined;

  static show(extensionUri: vscode.Uri, log: vscode.LogOutputChannel, state: TraceViewState, actions: TracePanelActions): TracePanel {
    const existing = TracePanel.current;
    if (existing && !existing.closed) {
      existing.setState(state);
      existing.panel.reveal(undefined, false);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(TracePanel.viewType, 'CODI Trace', { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, {});
    return TracePanel.adopt(panel, extensionUri, log, state, actions);
  }

  /** Takes over a panel VS Code restored after a reload (see serializers.ts), or a new one. */
  static adopt(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, log: vscode.LogOutputChannel, state: TraceViewState, actions: TracePanelActions): TracePanel {
    if (TracePanel.current && !TracePanel.current.closed) TracePanel.current.dispose();
    TracePanel.current = new TracePanel(panel, extensionUri, log, state, actions);
    return TracePanel.current;
  }

  static currentTraceId(): string | null {
    const p = TracePanel.current;
    return p && !p.closed ? p.state.trace.id : null;
  }

  /** Updates the panel if it is open (same or another trace). */
  static update(state: TraceViewState): void {
    const p = TracePanel.current;
    if (p && !p.closed) p.setState(state);
  }

  /** Marks the shown trace as deleted from the store (Clear History, Delete, another window). */
  static markDeleted(): void {
    const p = TracePanel.current;
    if (p && !p.closed && !p.state.deleted) p.setState({ ...p.state, deleted: true, opik: null });
  }

  private constructor(
    panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    log: vscode.LogOutputChannel,
    private state: TraceViewState,
    private readonly actions: TracePanelActions,
  ) {
    super(panel, { extensionUri, log, kind: 'trace', title: 'CODI Trace' });
    this.setTitle();
  }

  protected handlers(): PanelHandlers {
    const ok = { ok: true } as const;
    return {
      viewTrace: async ({ traceId }) => (await this.actions.show(traceId), ok),
      runAction: async ({ action }) => (action !== 'retry' && (await vscode.commands.executeCommand(ACTION_COMMANDS[action])), ok),
      copy: ({ text }) => copyToClipboard(text),
      openInOpik: async ({ traceId }) => (await this.actions.openInOpik(traceId), ok),
      rate: async ({ traceId, rating }) => (await this.actions.rate(traceId, rating), ok),
      annotate: async ({ traceId, change }) => (await this.actions.annotate(traceId, change), ok),
      revealCode: async ({ traceId }) => (await this.actions.revealCode(traceId), ok),
      openLink: ({ url }) => openModelLink(url, this.log),
    };
  }

  protected onReady(): void {
    this.channel.post('trace/state', this.state);
  }

  setState(state: TraceViewState): void {
    this.state = state;
    this.setTitle();
    this.channel.post('trace/state', state);
  }

  private setTitle(): void {
    this.panel.title = `CODI Trace · ${this.state.trace.name}${this.state.deleted ? ' (deleted)' : ''}`;
  }

  override dispose(): void {
    if (TracePanel.current === this) TracePanel.current = undefined;
    super.dispose();
  }
}
