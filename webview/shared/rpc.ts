import type {
  HostEvents,
  PanelKind,
  ParamsOf,
  ResultOf,
  WebviewMethod,
} from '../../src/shared/protocol';

interface WebviewApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): WebviewApi;

type EventName = keyof HostEvents;
type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

// acquireVsCodeApi may be called only once per webview; everything goes through this one handle.
const api: WebviewApi = acquireVsCodeApi();
const pending = new Map<number, Pending>();
const handlers = new Map<EventName, Set<(data: unknown) => void>>();
let nextId = 1;
let listening = false;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function onMessage(ev: MessageEvent): void {
  const msg: unknown = ev.data;
  if (!isObject(msg)) return;
  if (typeof msg.id === 'number') {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (isObject(msg.error)) p.reject(new Error(String(msg.error.message ?? 'Request failed')));
    else p.resolve(msg.result);
    return;
  }
  if (typeof msg.event === 'string' && 'data' in msg) {
    const set = handlers.get(msg.event as EventName);
    if (!set) return;
    for (const fn of set) {
      try {
        fn(msg.data);
      } catch (err) {
        console.error(`[codi] handler for ${msg.event} failed`, err);
      }
    }
  }
}

/** Sends a request to the host and resolves with its typed result. */
export function request<M extends WebviewMethod>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
  const id = nextId++;
  return new Promise<ResultOf<M>>((resolve, reject) => {
    pending.set(id, { resolve: (v) => resolve(v as ResultOf<M>), reject });
    api.postMessage({ id, method, params });
  });
}

/** Subscribes to a host event. Register handlers before {@link connect}: the host starts pushing right after `ready`. */
export function onEvent<E extends EventName>(event: E, handler: (data: HostEvents[E]) => void): () => void {
  let set = handlers.get(event);
  if (!set) {
    set = new Set();
    handlers.set(event, set);
  }
  const fn = handler as (data: unknown) => void;
  set.add(fn);
  return () => set.delete(fn);
}

/** Starts listening and tells the host this panel is ready for events. */
export function connect(panel: PanelKind): Promise<ResultOf<'ready'>> {
  if (!listening) {
    window.addEventListener('message', onMessage);
    listening = true;
  }
  return request('ready', { panel });
}

/** The last snapshot saved with {@link saveState}; lets a reloaded panel paint before the host answers. */
export function loadState<T>(isValid: (v: unknown) => v is T): T | undefined {
  const s = api.getState();
  return isValid(s) ? s : undefined;
}

export function saveState(state: unknown): void {
  api.setState(state);
}
