import type * as vscode from 'vscode';
import type { HostEvent, HostEvents, HostMessage, ParamsOf, ResultOf, WebviewMethod } from '../../shared/protocol';
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
    try {
      let result: ResultOf<WebviewMethod>;
      if (req.method === 'ready') {
        result = { ok: true };
      } else {
        const handler = this.handlers[req.method] as ((p: unknown) => Promise<ResultOf<WebviewMethod>> | ResultOf<WebviewMethod>) | undefined;
        if (!handler) throw new Error(`This panel does not support "${req.method}".`);
        result = await handler(req.params);
      }
      await this.webview.postMessage({ id: req.id, result } satisfies HostMessage);
      if (req.method === 'ready') {
        this.ready = true;
        this.onReady();
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.log.error(`Webview request ${req.method} failed: ${message}`);
      await this.webview.postMessage({ id: req.id, error: { message } } satisfies HostMessage);
    }
  }
}
