import * as vscode from 'vscode';
import { frustrationScore } from '../core/analysis/frustration';
import type { UserRating } from '../shared/protocol';
import type { OpikController } from './opikController';
import { ResultPanel } from './panels/resultPanel';
import { TracePanel } from './panels/tracePanel';
import type { Session } from './session';

/** What both panels can do with a trace: open it, open it in Opik, rate it. */
export class TraceActions {
  constructor(
    private readonly session: Session,
    private readonly opik: OpikController,
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  readonly show = async (traceId: string): Promise<void> => {
    const trace = await (await this.session.getStore()).get(traceId);
    if (!trace) {
      void vscode.window.showWarningMessage(`CODI: Trace ${traceId} is not in the local store (it may have been cleared).`);
      return;
    }
    TracePanel.show(this.extensionUri, this.log, { trace, opik: await this.opik.status(traceId) }, this);
  };

  readonly openInOpik = (traceId: string): Promise<void> => this.opik.open(traceId);

  /**
   * Stores a rating as a `user` score named "rating" (0..1; stars n → (n-1)/4; the kind in `reason`),
   * then queues it for Opik as a feedback-score update. The latest rating is the one that counts.
   */
  readonly rate = async (traceId: string, rating: UserRating): Promise<void> => {
    const value = rating.kind === 'thumbs' ? rating.value : (rating.value - 1) / 4;
    const store = await this.session.getStore();
    await store.addScores(traceId, [{ name: 'rating', value, reason: rating.kind, source: 'user', spanId: null }]);
    this.log.info(`rated ${traceId}: ${rating.kind} ${rating.value}`);
    await this.opik.scoresChanged(traceId);
    if (ResultPanel.currentTraceId() === traceId) ResultPanel.patchCurrent({ rating });
    await this.refreshPanels(traceId);
  };

  /**
   * After a run: if its thread shows frustration (three asks on the same code within ten minutes, or a
   * re-ask after a thumbs-down), records a `frustration` heuristic score on it, exported to Opik as feedback.
   */
  readonly checkFrustration = async (traceId: string): Promise<void> => {
    const store = await this.session.getStore();
    const threadId = (await store.get(traceId))?.threadId;
    if (!threadId) return;
    const runs = store.analysis().thread(threadId);
    if (runs[0]?.id !== traceId) return; // only the thread's latest run is scored
    const score = frustrationScore(runs);
    if (!score) return;
    await store.addScores(traceId, [score]);
    this.log.info(`frustration on thread ${threadId}: ${score.reason}`);
    await this.opik.scoresChanged(traceId);
  };

  /** Re-sends a trace (new scores, new Opik state) to the trace panel if it shows that trace. */
  async refreshPanels(traceId: string | null): Promise<void> {
    const shown = TracePanel.currentTraceId();
    if (shown && (traceId === null || shown === traceId)) {
      const trace = await (await this.session.getStore()).get(shown);
      if (trace) TracePanel.update({ trace, opik: await this.opik.status(shown) });
    }
    const result = ResultPanel.currentTraceId();
    if (result && (traceId === null || result === traceId)) ResultPanel.patchCurrent({ opik: await this.opik.status(result) });
  }
}
