import type * as vscode from 'vscode';
import type { HostEvent, HostEvents, HostMessage, HostResponse, ParamsOf, ResultOf, WebviewMethod, WebviewRequest } from '../../shared/protocol';
import { parseWebviewRequest } from '../../shared/protocol';
import { Disposable } from '../disposable';

export type RequestHandlers = { [M in WebviewMethod]: (params: ParamsOf<M>) => Promise<ResultOf<M>> | ResultOf<M> };

/**
 * The host end of the typed protocol for one webview: validates every incoming message and answers
 * requests. Nothing is posted before the webview says `ready`; each `ready` (first load, or a reload
 * after the panel moved) calls `onReady`, which posts the panel's full current state.
 */
export class WebviewChannel extends Disposable {
  private ready = false;

  constructor(
    private readonly webview: vscode.Webview,
    /** Handlers for the requests this panel supports; others are answered with an error. */
    private readonly handlers: Partial<Omit<RequestHandlers, 'ready'>>,
    private readonly onReady: () => void,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this._register(webview.onDidReceiveMessage((m: unknown) => void this.receive(m)));
  }

  /** Sends an event if the webview is ready; otherwise its coming `ready` will fetch the full state. */
  post<E extends keyof HostEvents>(event: E, data: HostEvents[E]): void {
    if (!this.ready) return;
    void this.webview.postMessage({ event, data } as HostEvent satisfies HostMessage);
  }

  private async receive(raw: unknown): Promise<void> {
    const req = parseWebviewRequest(raw);
    if (!req) {
      this.log.warn(`Ignored a malformed webview message: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    const response = await this.answer(req);
    await this.webview.postMessage(response satisfies HostMessage);
    if (req.method === 'ready' && 'result' in response) {
      this.ready = true;
      this.onReady();
    }
  }

  /**
   * Validates a message as if the webview had sent it and returns the answer (null when malformed) without
   * posting it: the end-to-end suite drives a panel's message path with it, no click in the webview needed.
   */
  async handleForTest(raw: unknown): Promise<HostResponse | null> {
    const req = parseWebviewRequest(raw);
    return req && req.method !== 'ready' ? this.answer(req) : null;
  }

  private async answer(req: WebviewRequest): Promise<HostResponse> {
    try {
      if (req.method === 'ready') return { id: req.id, result: { ok: true } };
      const handler = this.handlers[req.method] as ((p: unknown) => Promise<ResultOf<WebviewMethod>> | ResultOf<WebviewMethod>) | undefined;
      if (!handler) throw new Error(`This panel does not support "${req.method}".`);
      return { id: req.id, result: await handler(req.params) };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.log.error(`Webview request ${req.method} failed: ${message}`);
      return { id: req.id, error: { message } };
    }
  }
}
