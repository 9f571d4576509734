/**
 * The one typed protocol between the extension host and its webviews.
 *
 * - Webview → host: requests `{id, method, params}`, answered by `{id, result}` or `{id, error}`.
 * - Host → webview: events `{event, data}`, sent only after the webview said `ready`.
 *
 * The host validates every incoming message with {@link parseWebviewRequest} before acting on it.
 */
import type { AnalysisFilter, DashboardData, DashboardRange } from './analytics';
import { DASHBOARD_RANGES } from './analytics';
import type { CodStep, ErrorInfo, GeneratedCode, JudgeVerdict, TraceRecord, TraceType, Usage } from './types';
import type { ExperimentsViewState } from './experimentsProtocol';
import type { AnnotationChange } from './annotation';
import { LABEL_MAX_CHARS, NOTE_MAX_CHARS } from './annotation';

/** Follow-up actions a webview may ask the host to run (mapped to commands on the host). */
export type HostAction = 'setApiKey' | 'showLog' | 'openSettings' | 'retry';
export const HOST_ACTIONS: readonly HostAction[] = ['setApiKey', 'showLog', 'openSettings', 'retry'];

export type PanelKind = 'result' | 'trace' | 'dashboard' | 'experiments';
const PANEL_KINDS: readonly PanelKind[] = ['result', 'trace', 'dashboard', 'experiments'];

/** Export state of one trace in Comet Opik. `url` is set once Opik acknowledged the trace. */
export interface OpikLinkState {
  state: 'off' | 'pending' | 'sent' | 'failed';
  url: string | null;
  lastError: string | null;
}

/** The user's own rating of a result: thumbs (1 or 0) or stars (1–5, stored as (n-1)/4). */
export interface UserRating {
  kind: 'thumbs' | 'stars';
  /** thumbs: 1 up, 0 down; stars: 1..5. */
  value: number;
}

/** What the result panel shows for one run. Sent whole; streaming text also arrives as deltas. */
export interface ResultViewState {
  /** Which pipeline produced this result (decides the layout). */
  kind: 'explain' | 'summarize' | 'generate';
  /** The trace of this run; null until the run has started recording. */
  traceId: string | null;
  /** For example "Explain · src/app.ts:12–30". */
  title: string;
  status: 'running' | 'judging' | 'done' | 'error' | 'cancelled';
  /** The model output so far, as Markdown (rendered sanitised by the webview). */
  markdown: string;
  /** The model that answered. */
  model: string;
  /** The model asked for, when the answer came from the fallback model. */
  requestedModel?: string | null;
  usage: Usage | null;
  costUsd: number | null;
  latencyMs: number | null;
  judge: JudgeVerdict | null;
  judgeStatus: 'off' | 'pending' | 'done' | 'error';
  /** Why the judge failed, when judgeStatus is 'error'. */
  judgeError: string | null;
  error: (ErrorInfo & { actions: HostAction[] }) | null;
  /** Summarize only: the Chain-of-Density steps so far, and the recommended one. */
  steps?: CodStep[];
  recommendedStep?: number | null;
  /** Generate only: the code, its checks, and whether the user applied it. */
  generated?: GeneratedCode & { state: 'proposed' | 'accepted' | 'rejected' };
  /** Set when the answer is usable but incomplete, e.g. cut off at the output token limit (MAX_TOKENS). */
  warning?: string | null;
  /** Opik export state of this run's trace (absent or state 'off' when export is off). */
  opik?: OpikLinkState | null;
  /** The user's rating of this run, once given. */
  rating?: UserRating | null;
  /** How many secrets were replaced in the input before it went to the model (null: redaction off). */
  redactions?: number | null;
  /** Whether the host can run this request again (Retry / Regenerate); false after a window reload. */
  canRerun?: boolean;
  /** The trace was deleted from the local history (Clear History, Delete): rating and links are gone. */
  deleted?: boolean;
}

/** What the trace panel shows. */
export interface TraceViewState {
  trace: TraceRecord;
  /** Opik export state of the trace (absent or state 'off' when export is off). */
  opik?: OpikLinkState | null;
  /** The trace was deleted from the local history since the panel opened. */
  deleted?: boolean;
  /** The labels a reviewer can pick (`codi.annotation.labels`); the trace's own labels are shown too. */
  labels?: string[];
}

/** What the dashboard shows: its range and filters, and the data for them (null until computed). */
export interface DashboardViewState {
  range: DashboardRange;
  filter: AnalysisFilter;
  data: DashboardData | null;
  /** Set when the store could not be read; the panel shows it with the next step. */
  error: string | null;
}

/** Which traces the Traces view should show (a dashboard row or error group). */
export interface TracesSelection {
  /** What the view's description says, e.g. "model gemini-2.5-pro, last 30 days". */
  label: string;
  type?: TraceType;
  model?: string;
  promptVersion?: string;
  tag?: string;
  errorKind?: string;
  from?: number;
  to?: number;
}

/** Webview → host requests: method → [params, result]. */
export interface WebviewRequests {
  /** First message of every webview; the host answers and only then starts sending events. */
  ready: [{ panel: PanelKind }, { ok: true }];
  /** Open the trace panel for a trace. */
  viewTrace: [{ traceId: string }, { ok: true }];
  /** Run a follow-up action such as "Set API key". */
  runAction: [{ action: HostAction }, { ok: true }];
  /** Copy text to the clipboard. */
  copy: [{ text: string }, { ok: true }];
  /** Generate only: show the proposed change as a diff, apply it to the file, or discard it. */
  generated: [{ action: 'showDiff' | 'accept' | 'reject' }, { ok: true }];
  /** Open the trace's page in Opik (the host opens the browser; webviews cannot navigate). */
  openInOpik: [{ traceId: string }, { ok: true }];
  /** Experiments panel: open the run's experiment page in Opik (the host opens the link it stored). */
  openExperimentInOpik: [{ runId: string }, { ok: true }];
  /** Change the trace's review state, note or labels (stored on the trace; exported to Opik). */
  annotate: [{ traceId: string; change: AnnotationChange }, { ok: true }];
  /** Store the user's rating of a trace as a `user` score (exported to Opik as feedback). */
  rate: [{ traceId: string; rating: UserRating }, { ok: true }];
  /** A link in model text was activated: the host shows the full URL and opens it (http/https only) if confirmed. */
  openLink: [{ url: string }, { opened: boolean }];
  /** Stop the run in progress (the result panel's Stop button). */
  cancelRun: [Record<string, never>, { ok: true }];
  /** Open the file and lines the trace's input came from. */
  revealCode: [{ traceId: string }, { ok: true }];
  /**
   * Trace panel: remove one tag from the trace (through `codi.editTraceTags`). `tags` is the trace's tags
   * afterwards, or null when nothing was stored (the trace is gone, or the tag was refused: the host said why).
   */
  removeTag: [{ traceId: string; tag: string }, { tags: string[] | null }];
  /** Trace panel: "Edit Tags…", the Traces view's tag QuickPick for this trace; null when dismissed or refused. */
  editTags: [{ traceId: string }, { tags: string[] | null }];
  /** Dashboard: show this range and filter (the host answers with a `dashboard/state` event). */
  dashboardQuery: [{ range: DashboardRange; filter: AnalysisFilter }, { ok: true }];
  /** Dashboard: show the matching traces in the Traces view. */
  showTraces: [{ selection: TracesSelection }, { ok: true }];
}

/** Host → webview events: name → data. */
export interface HostEvents {
  'result/state': ResultViewState;
  /** Streaming text appended to the current result. */
  'result/append': { traceId: string | null; text: string };
  'trace/state': TraceViewState;
  'dashboard/state': DashboardViewState;
  /** The Experiments panel's run or comparison (types in experimentsProtocol.ts). */
  'experiments/state': ExperimentsViewState;
}

export type WebviewMethod = keyof WebviewRequests;
export type ParamsOf<M extends WebviewMethod> = WebviewRequests[M][0];
export type ResultOf<M extends WebviewMethod> = WebviewRequests[M][1];

export type WebviewRequest = {
  [M in WebviewMethod]: { id: number; method: M; params: ParamsOf<M> };
}[WebviewMethod];

export type HostResponse =
  | { id: number; result: ResultOf<WebviewMethod> }
  | { id: number; error: { message: string } };

export type HostEvent = {
  [E in keyof HostEvents]: { event: E; data: HostEvents[E] };
}[keyof HostEvents];

export type HostMessage = HostResponse | HostEvent;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown, max = 10_000): v is string => typeof v === 'string' && v.length <= max;

const isTraceId = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(v);

function isRating(v: unknown): v is UserRating {
  if (!isObject(v) || Object.keys(v).length !== 2) return false;
  if (v.kind === 'thumbs') return v.value === 0 || v.value === 1;
  return v.kind === 'stars' && typeof v.value === 'number' && Number.isInteger(v.value) && v.value >= 1 && v.value <= 5;
}

/** An annotation change: only known keys, a known review state, a bounded note and at most 50 short labels. */
function isAnnotationChange(v: unknown): v is AnnotationChange {
  if (!isObject(v) || Object.keys(v).some((k) => !['review', 'note', 'labels'].includes(k)) || Object.keys(v).length === 0) return false;
  const labels = v.labels;
  return (
    (v.review === undefined || v.review === null || v.review === 'queued' || v.review === 'reviewed') &&
    (v.note === undefined || isString(v.note, NOTE_MAX_CHARS)) &&
    (labels === undefined || (Array.isArray(labels) && labels.length <= 50 && labels.every((l) => isString(l, LABEL_MAX_CHARS))))
  );
}

/** Longest tag text a webview may send (tags themselves are at most 64 characters; the host explains longer ones). */
const TAG_MESSAGE_MAX_CHARS = 1_000;

const TRACE_TYPES: readonly TraceType[] = ['explain', 'summarize', 'generate', 'judge', 'experiment'];
const optString = (v: unknown) => v === undefined || isString(v, 500);
const optTime = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isFinite(v) && v >= 0);

function isAnalysisFilter(v: unknown): v is AnalysisFilter {
  if (!isObject(v) || Object.keys(v).some((k) => !['type', 'model', 'promptVersion', 'tag'].includes(k))) return false;
  return (v.type === undefined || TRACE_TYPES.includes(v.type as TraceType)) && optString(v.model) && optString(v.promptVersion) && optString(v.tag);
}

function isSelection(v: unknown): v is TracesSelection {
  const keys = ['label', 'type', 'model', 'promptVersion', 'tag', 'errorKind', 'from', 'to'];
  if (!isObject(v) || Object.keys(v).some((k) => !keys.includes(k)) || !isString(v.label, 500)) return false;
  return (v.type === undefined || TRACE_TYPES.includes(v.type as TraceType)) && optString(v.model) && optString(v.promptVersion) && optString(v.tag) && optString(v.errorKind) && optTime(v.from) && optTime(v.to);
}

/** Shape checks for each method's params; a method not listed here is not accepted. */
const paramCheckers: { [M in WebviewMethod]: (p: Record<string, unknown>) => boolean } = {
  ready: (p) => PANEL_KINDS.includes(p.panel as PanelKind),
  viewTrace: (p) => isTraceId(p.traceId),
  runAction: (p) => HOST_ACTIONS.includes(p.action as HostAction),
  copy: (p) => isString(p.text, 5_000_000),
  generated: (p) => p.action === 'showDiff' || p.action === 'accept' || p.action === 'reject',
  openInOpik: (p) => isTraceId(p.traceId),
  openExperimentInOpik: (p) => isTraceId(p.runId),
  rate: (p) => isTraceId(p.traceId) && isRating(p.rating),
  annotate: (p) => isTraceId(p.traceId) && isAnnotationChange(p.change),
  openLink: (p) => isString(p.url, 8_192),
  cancelRun: () => true,
  revealCode: (p) => isTraceId(p.traceId),
  // Any bounded text: the host's normalizeTag says what is wrong with a tag, so the user reads why.
  removeTag: (p) => isTraceId(p.traceId) && isString(p.tag, TAG_MESSAGE_MAX_CHARS),
  editTags: (p) => isTraceId(p.traceId),
  dashboardQuery: (p) => DASHBOARD_RANGES.includes(p.range as DashboardRange) && isAnalysisFilter(p.filter),
  showTraces: (p) => isSelection(p.selection),
};

/** The exact keys each method's params may have (extra keys are rejected, not ignored). */
const paramKeys: { [M in WebviewMethod]: readonly (keyof ParamsOf<M>)[] } = {
  ready: ['panel'],
  viewTrace: ['traceId'],
  runAction: ['action'],
  copy: ['text'],
  generated: ['action'],
  openInOpik: ['traceId'],
  openExperimentInOpik: ['runId'],
  rate: ['traceId', 'rating'],
  annotate: ['traceId', 'change'],
  openLink: ['url'],
  cancelRun: [],
  revealCode: ['traceId'],
  removeTag: ['traceId', 'tag'],
  editTags: ['traceId'],
  dashboardQuery: ['range', 'filter'],
  showTraces: ['selection'],
};

/** Validates a message that came from a webview. Returns null for anything malformed. */
export function parseWebviewRequest(msg: unknown): WebviewRequest | null {
  if (!isObject(msg)) return null;
  const { id, method, params } = msg;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) return null;
  if (typeof method !== 'string' || !Object.prototype.hasOwnProperty.call(paramCheckers, method)) return null;
  if (!isObject(params)) return null;
  const allowed = paramKeys[method as WebviewMethod] as readonly string[];
  if (Object.keys(params).some((k) => !allowed.includes(k))) return null;
  if (!paramCheckers[method as WebviewMethod](params)) return null;
  return msg as unknown as WebviewRequest;
}
