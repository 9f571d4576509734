import * as vscode from 'vscode';
import type { AnnotationChange } from '../../shared/annotation';
import type { HostResponse, TraceViewState, UserRating } from '../../shared/protocol';
import type { TagChange } from '../../core/store/tags';
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
  /** Re-sends the trace as stored (or marks it deleted) to the panels that show it. */
  refreshPanels(traceId: string | null): Promise<void>;
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
    const panel = vscode.window.createWebviewPanel(TracePanel.viewType, vscode.l10n.t('CODI Trace'), { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, {});
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

  /** For the end-to-end suite: what the panel shows, and its answer to a message as the webview would send it. */
  static stateForTest(): TraceViewState | null {
    const p = TracePanel.current;
    return p && !p.closed ? p.state : null;
  }

  static requestForTest(raw: unknown): Promise<HostResponse | null> {
    const p = TracePanel.current;
    return p && !p.closed ? p.channel.handleForTest(raw) : Promise.resolve(null);
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
    super(panel, { extensionUri, log, kind: 'trace', title: vscode.l10n.t('CODI Trace') });
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
      removeTag: async ({ traceId, tag }) => ({ tags: await this.editTags(traceId, { remove: [tag] }) }),
      editTags: async ({ traceId }) => ({ tags: await this.editTags(traceId) }),
    };
  }

  /**
   * Tags change through `codi.editTraceTags`, as from the Traces view: one QuickPick (no change given), one
   * place that says why a change is refused (a trace no longer in the store, a tag normalizeTag rejects).
   * Then the panel is brought in line with the store either way (new tags, or "deleted"); the Traces view
   * follows the store's change event. Null: nothing was stored.
   */
  private async editTags(traceId: string, change?: TagChange): Promise<string[] | null> {
    const tags = await vscode.commands.executeCommand<string[] | undefined>('codi.editTraceTags', traceId, ...(change ? [change] : []));
    await this.actions.refreshPanels(traceId);
    return tags ?? null;
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
    this.panel.title = this.state.deleted ? vscode.l10n.t('CODI Trace · {0} (deleted)', this.state.trace.name) : vscode.l10n.t('CODI Trace · {0}', this.state.trace.name);
  }

  override dispose(): void {
    if (TracePanel.current === this) TracePanel.current = undefined;
    super.dispose();
  }
}
