/**
 * A local HTTP server that speaks the Gemini REST wire format (generativelanguage.googleapis.com),
 * for tests that point the real @google/genai client at it with `httpOptions.baseUrl`.
 *
 *   const gemini = await startGeminiStandIn();
 *   gemini.enqueue({ kind: 'error', status: 429, retryDelay: '2s' }, { kind: 'text', text: 'Hello' });
 *   new GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl: gemini.url, apiVersion: 'v1beta' } });
 *   ... gemini.requests[0].body.contents ...; await gemini.close();
 *
 * Scripted replies are served FIFO to the requests they apply to: by default every kind applies to
 * generateContent and streamGenerateContent, and `count` to countTokens; set `action` to override.
 * When no scripted reply applies, `defaultHandler` answers (see `defaultReply`).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  apiKeyInvalidBody, buildResponse, buildUsage, countBody, DEFAULT_ERROR_MESSAGES, defaultChunkCount, estimateTokens,
  GOOGLE_HEADERS, JSON_TYPE, missingKeyBody, modelBody, modelNotFoundBody, newResponseId, quotaDetails, requestText, rpcStatusBody,
  sendJson, splitText, sseFrame, startSse, userText, write,
} from './geminiWire';
import type {
  ApiVersion, ErrorStatus, FinishReason, GeminiAction, GenerateContentResponse, UsageMetadata, UsageOverride,
  WireRequestBody,
} from './geminiWire';
import { codeAnswer, codSteps, gradeSteps, isCodSchema, isStepJudgeSchema } from './demoAnswers';
import { defaultExplanation, defaultJudgeVerdict, firstIdentifier, valueForSchema } from './schemaValue';

export type {
  ApiVersion, ErrorStatus, FinishReason, GeminiAction, GenerateContentResponse, UsageMetadata, UsageOverride, WireRequestBody,
} from './geminiWire';
export { estimateTokens } from './geminiWire';
export { defaultJudgeVerdict, firstIdentifier, valueForSchema } from './schemaValue';

interface ReplyBase {
  /** Which actions this scripted reply may answer (default: generation actions; `count`: countTokens). */
  action?: GeminiAction | GeminiAction[];
  /** Wait this long before answering (headers included). */
  delayMs?: number;
}
interface AnswerOptions {
  /** SSE frames for streamGenerateContent (default: by length, 1–6). */
  chunks?: number;
  chunkDelayMs?: number;
  usage?: UsageOverride;
  finishReason?: FinishReason;
  thoughtsTokens?: number;
  modelVersion?: string;
}
/** A normal answer. Unary: one response; streaming: `chunks` SSE frames with running usage. */
export interface TextReply extends ReplyBase, AnswerOptions { kind: 'text'; text: string }
/** A structured-output answer: JSON.stringify(value) as candidates[0].content.parts[0].text. */
export interface JsonReply extends ReplyBase, AnswerOptions { kind: 'json'; value: unknown }
/** countTokens answer (default: ≈ chars/4 of the request's text). */
export interface CountReply extends ReplyBase { kind: 'count'; totalTokens?: number }
/** Exactly this status, body and headers (content-type defaults to application/json). */
export interface RawReply extends ReplyBase {
  kind: 'raw';
  status: number;
  body: string;
  headers?: Record<string, string>;
  /** Send only this many characters of the body, then drop the connection (a stream cut mid-event). */
  cutAfter?: number;
}
/** A google.rpc.Status error; 429 carries QuotaFailure + Help (+ RetryInfo when retryDelay is set). */
export interface ErrorReply extends ReplyBase {
  kind: 'error';
  status: ErrorStatus;
  message?: string;
  /** e.g. "2s" → a google.rpc.RetryInfo detail. */
  retryDelay?: string;
  /** Value of a Retry-After header, e.g. "3". */
  retryAfterHeader?: string;
  /** Replaces the default details (RetryInfo is still appended when retryDelay is set). */
  details?: Array<Record<string, unknown>>;
}
interface PartialStream {
  /** Good SSE frames sent first (streaming); for a unary call any value > 0 sends headers + half a body. */
  afterChunks?: number;
  /** Text the good frames are cut from (default: the default explanation). */
  text?: string;
}
/** 200 with a truncated JSON body, or (streaming) a broken JSON SSE frame after `afterChunks` good ones. */
export interface MalformedReply extends ReplyBase, PartialStream { kind: 'malformed' }
/** Destroys the socket before answering, or after `afterChunks` frames. */
export interface DropReply extends ReplyBase, PartialStream { kind: 'drop' }
/** Never answers (or stalls after `afterChunks` frames); released by close() or the client aborting. */
export interface HangReply extends ReplyBase, PartialStream { kind: 'hang' }
/** An in-stream `data: {"error":…}` frame after `afterChunks` frames; a unary call gets an HTTP error. */
export interface StreamErrorReply extends ReplyBase {
  kind: 'streamError';
  afterChunks: number;
  status: ErrorStatus;
  message?: string;
  text?: string;
}
export type Reply =
  | TextReply | JsonReply | CountReply | RawReply | ErrorReply | MalformedReply | DropReply | HangReply | StreamErrorReply;

export interface RecordedRequest {
  method: string;
  /** Path without the query, e.g. /v1beta/models/gemini-2.5-flash:streamGenerateContent */
  path: string;
  apiVersion: ApiVersion;
  model: string;
  action: GeminiAction;
  query: Record<string, string>;
  /** Lower-cased header names (x-goog-api-key, user-agent, x-goog-api-client, content-type…). */
  headers: Record<string, string>;
  /** From x-goog-api-key, else the `key` query parameter. */
  apiKey: string | undefined;
  body: WireRequestBody;
  rawBody: string;
  /** Date.now() when the request arrived. */
  receivedAt: number;
  /** How it was answered: a Reply kind, 'model' (models.get), or 'rejected' (bad/missing key, bad JSON, unknown model). */
  answeredWith: Reply['kind'] | 'rejected' | 'model';
}

export type ReplyHandler = (req: RecordedRequest) => Reply | Promise<Reply>;

export interface GeminiStandInOptions {
  script?: Reply[];
  defaultHandler?: ReplyHandler;
  /** Default: any non-empty key except 'bad-key' (→ 400 API_KEY_INVALID). A missing key → 403. */
  acceptKey?: (key: string) => boolean;
  /** When set, other models get Google's 404 NOT_FOUND. */
  knownModels?: string[];
}

export interface GeminiStandIn {
  /** http://127.0.0.1:PORT (no trailing slash): pass as httpOptions.baseUrl. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Requests that matched no route (answered 404). */
  readonly unmatched: Array<{ method: string; path: string; receivedAt: number }>;
  enqueue(...replies: Reply[]): void;
  /** Scripted replies not yet served. */
  readonly pending: number;
  defaultHandler: ReplyHandler;
  /** Resolves once `count` requests have been recorded. */
  waitForRequests(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  /** Stops listening and destroys every open connection (hanging replies included). */
  close(): Promise<void>;
}

const ROUTE = /^\/(v1|v1beta)\/models\/([^/:]+):(generateContent|streamGenerateContent|countTokens)$/;
/** `models.get` (GET /v1beta/models/{model}): the cheap call a status check makes. */
const GET_ROUTE = /^\/(v1|v1beta)\/models\/([^/:]+)$/;

/** What the stand-in answers when nothing is scripted: a token count; for JSON output a value that
 *  conforms to responseJsonSchema/responseSchema (else a judge verdict); otherwise a Markdown
 *  explanation naming the prompt's first identifier, in 5 frames. 2.5+ models report thinking tokens
 *  unless thinkingBudget is 0; maxOutputTokens truncates the text with finishReason MAX_TOKENS. */
export function defaultReply(req: RecordedRequest): Reply {
  if (req.action === 'countTokens') return { kind: 'count' };
  const gc = req.body.generationConfig ?? {};
  const subject = firstIdentifier(userText(req.body));
  const schema = gc.responseJsonSchema ?? gc.responseSchema;
  const isJson = gc.responseMimeType === 'application/json';
  const request = userText(req.body);
  const cod = isJson && isCodSchema(schema) ? { steps: codSteps(request, schema.properties.steps.minItems ?? 5, Number(/~(\d+) words/.exec(request)?.[1] ?? 60)) } : null;
  let value = cod ?? (schema !== undefined ? valueForSchema(schema, subject ?? 'the code') : defaultJudgeVerdict(subject));
  if (isJson && isStepJudgeSchema(schema)) value = gradeSteps(value as { steps: Array<{ score?: number }> });
  let text = isJson ? JSON.stringify(value) : (codeAnswer(req.body, request) ?? defaultExplanation(subject));
  const budget = gc.thinkingConfig?.thinkingBudget;
  const thinks = /gemini-(2\.5|[3-9])/.test(req.model) && budget !== 0;
  const thoughtsTokens = thinks ? Math.min(budget === undefined || budget < 0 ? 128 : budget, 128) : undefined;
  let finishReason: FinishReason = 'STOP';
  if (gc.maxOutputTokens !== undefined && estimateTokens(text) > gc.maxOutputTokens) {
    text = text.slice(0, Math.max(0, gc.maxOutputTokens * 4));
    finishReason = 'MAX_TOKENS';
  }
  return { kind: 'text', text, finishReason, chunks: isJson ? 3 : 5, ...(thoughtsTokens !== undefined ? { thoughtsTokens } : {}) };
}

function appliesTo(reply: Reply, action: GeminiAction): boolean {
  const a = reply.action ?? (reply.kind === 'count' ? 'countTokens' : ['generateContent', 'streamGenerateContent']);
  return (Array.isArray(a) ? a : [a]).includes(action);
}

export async function startGeminiStandIn(opts: GeminiStandInOptions = {}): Promise<GeminiStandIn> {
  const queue: Reply[] = [...(opts.script ?? [])];
  const requests: RecordedRequest[] = [];
  const unmatched: GeminiStandIn['unmatched'] = [];
  const waiters = new Set<() => void>();
  const timers = new Map<NodeJS.Timeout, () => void>();
  const acceptKey = opts.acceptKey ?? ((k: string) => k !== 'bad-key');
  let closed = false;

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (ms <= 0 || closed) return resolve();
      const t = setTimeout(() => { timers.delete(t); resolve(); }, ms);
      timers.set(t, resolve);
    });

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) sendJson(res, 500, rpcStatusBody(500, `stand-in failure: ${String(err)}`));
      else res.destroy();
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const g = req.method === 'GET' ? GET_ROUTE.exec(url.pathname) : null;
    const m = g ?? ROUTE.exec(url.pathname);
    const [apiVersion, model, action] = [m?.[1] as ApiVersion, m?.[2] ?? '', (g ? 'get' : m?.[3]) as GeminiAction];
    if (!m || (req.method !== 'POST' && !g)) {
      unmatched.push({ method: req.method ?? '', path: url.pathname, receivedAt: Date.now() });
      return sendJson(res, 404, rpcStatusBody(404, `Method not found: ${req.method ?? ''} ${url.pathname}`));
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const apiKey = headers['x-goog-api-key'] || url.searchParams.get('key') || undefined;
    let body: WireRequestBody = {};
    let badJson = false;
    try {
      const parsed: unknown = rawBody.length > 0 ? JSON.parse(rawBody) : {};
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) body = parsed as WireRequestBody;
      else badJson = true;
    } catch {
      badJson = true;
    }
    const rec: RecordedRequest = {
      method: req.method ?? '', path: url.pathname, apiVersion, model, action, query: Object.fromEntries(url.searchParams),
      headers, apiKey, body, rawBody, receivedAt: Date.now(), answeredWith: 'rejected',
    };
    requests.push(rec);
    for (const w of [...waiters]) w();

    if (apiKey === undefined) return sendJson(res, 403, missingKeyBody());
    if (!acceptKey(apiKey)) return sendJson(res, 400, apiKeyInvalidBody());
    if (badJson) return sendJson(res, 400, rpcStatusBody(400, 'Invalid JSON payload received. Unexpected token.'));
    if (opts.knownModels && !opts.knownModels.includes(model)) {
      return sendJson(res, 404, modelNotFoundBody(model, apiVersion, action));
    }
    const i = queue.findIndex((r) => appliesTo(r, action));
    if (action === 'get' && i < 0) {
      rec.answeredWith = 'model';
      return sendJson(res, 200, modelBody(model));
    }
    const reply = i >= 0 ? queue.splice(i, 1)[0]! : await api.defaultHandler(rec);
    rec.answeredWith = reply.kind;
    await sleep(reply.delayMs ?? 0);
    if (!closed && !res.destroyed) await serve(reply, rec, res);
  }

  async function serve(reply: Reply, rec: RecordedRequest, res: http.ServerResponse): Promise<void> {
    const streaming = rec.action === 'streamGenerateContent';
    const sse = streaming && rec.query['alt'] === 'sse';
    const promptTokens = estimateTokens(requestText(rec.body));
    const modelVersion = (reply.kind === 'text' || reply.kind === 'json') && reply.modelVersion ? reply.modelVersion : rec.model;
    const responseId = newResponseId();

    const frames = (text: string, n: number, o: AnswerOptions, finish: boolean): GenerateContentResponse[] => {
      const final = buildUsage(promptTokens, text, o.thoughtsTokens, o.usage);
      let sent = '';
      return splitText(text, n).map((piece, idx, all) => {
        sent += piece;
        const last = finish && idx === all.length - 1;
        const share = text.length === 0 ? 1 : sent.length / text.length;
        const cand = last ? final.candidatesTokenCount : Math.min(final.candidatesTokenCount, Math.max(1, Math.round(final.candidatesTokenCount * share)));
        const usage: UsageMetadata = last ? final : {
          ...final, candidatesTokenCount: cand, totalTokenCount: final.promptTokenCount + cand + (final.thoughtsTokenCount ?? 0),
        };
        return buildResponse({ text: piece, usage, modelVersion, responseId, ...(last ? { finishReason: o.finishReason ?? 'STOP' } : {}) });
      });
    };
    const partialFrames = (p: PartialStream): GenerateContentResponse[] => {
      const after = Math.max(0, p.afterChunks ?? 0);
      const text = p.text ?? defaultExplanation(firstIdentifier(userText(rec.body)));
      return frames(text, Math.max(after + 1, 4), {}, false).slice(0, after);
    };
    const fullBody = (): string => JSON.stringify(frames('Partial answer that never completes.', 1, {}, true)[0]);

    switch (reply.kind) {
      case 'text':
      case 'json': {
        const text = reply.kind === 'json' ? JSON.stringify(reply.value) : reply.text;
        if (rec.action === 'countTokens') return sendJson(res, 200, countBody(promptTokens));
        if (!streaming) return sendJson(res, 200, frames(text, 1, reply, true)[0]);
        const all = frames(text, reply.chunks ?? defaultChunkCount(text), reply, true);
        if (!sse) return sendJson(res, 200, all);
        startSse(res);
        for (const [idx, f] of all.entries()) {
          if (idx > 0) await sleep(reply.chunkDelayMs ?? 0);
          if (!(await write(res, sseFrame(f)))) return;
        }
        return void res.end();
      }
      case 'count':
        return sendJson(res, 200, countBody(reply.totalTokens ?? promptTokens));
      case 'raw':
        res.writeHead(reply.status, { ...GOOGLE_HEADERS, 'content-type': JSON_TYPE, ...(reply.headers ?? {}) });
        if (reply.cutAfter === undefined) return void res.end(reply.body);
        res.write(reply.body.slice(0, reply.cutAfter));
        await sleep(50);
        return void res.destroy();
      case 'error': {
        const retry = reply.retryDelay !== undefined ? [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: reply.retryDelay }] : [];
        const details = reply.details ? [...reply.details, ...retry] : reply.status === 429 ? quotaDetails(rec.model, reply.retryDelay) : retry;
        const extra = reply.retryAfterHeader !== undefined ? { 'retry-after': reply.retryAfterHeader } : undefined;
        return sendJson(res, reply.status, rpcStatusBody(reply.status, reply.message ?? DEFAULT_ERROR_MESSAGES[reply.status], details), extra);
      }
      case 'streamError': {
        const body = rpcStatusBody(reply.status, reply.message ?? DEFAULT_ERROR_MESSAGES[reply.status]);
        if (!sse) return sendJson(res, reply.status, body);
        if (!(await streamFrames(res, partialFrames(reply)))) return;
        await write(res, sseFrame(body));
        return void res.end();
      }
      case 'malformed': {
        if (!sse) {
          const whole = fullBody();
          res.writeHead(200, { ...GOOGLE_HEADERS, 'content-type': JSON_TYPE });
          return void res.end(whole.slice(0, Math.floor(whole.length / 2)));
        }
        if (!(await streamFrames(res, partialFrames(reply)))) return;
        await write(res, 'data: {"candidates": [{"content": {"parts": [{"text": "unterminat\r\n\r\n');
        return void res.end();
      }
      case 'drop':
      case 'hang': {
        if ((reply.afterChunks ?? 0) > 0) {
          if (sse) {
            if (!(await streamFrames(res, partialFrames(reply)))) return;
          } else {
            const whole = fullBody();
            res.writeHead(200, { ...GOOGLE_HEADERS, 'content-type': JSON_TYPE });
            if (!(await write(res, whole.slice(0, Math.floor(whole.length / 2))))) return;
          }
          await sleep(20); // let the client read what was sent before the socket goes away
        }
        if (reply.kind === 'drop') res.socket?.destroy();
        return; // 'hang': leave the response open until the client aborts or close() runs
      }
    }
  }

  async function streamFrames(res: http.ServerResponse, list: GenerateContentResponse[]): Promise<boolean> {
    startSse(res);
    for (const f of list) if (!(await write(res, sseFrame(f)))) return false;
    return true;
  }

  const api: GeminiStandIn = {
    url: '',
    requests,
    unmatched,
    enqueue: (...replies: Reply[]) => void queue.push(...replies),
    get pending() { return queue.length; },
    defaultHandler: opts.defaultHandler ?? defaultReply,
    waitForRequests: (count: number, timeoutMs = 5000) =>
      new Promise<RecordedRequest[]>((resolve, reject) => {
        const check = (): void => {
          if (requests.length < count) return;
          waiters.delete(check);
          clearTimeout(t);
          resolve(requests.slice(0, count));
        };
        const t = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`gemini stand-in: ${requests.length}/${count} requests after ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: async () => {
      if (closed) return;
      closed = true;
      for (const [t, resolve] of timers) { clearTimeout(t); resolve(); }
      timers.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await done;
    },
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  Object.defineProperty(api, 'url', { value: `http://127.0.0.1:${port}`, enumerable: true });
  return api;
}
