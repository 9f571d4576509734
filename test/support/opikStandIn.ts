/**
 * A local stand-in for Opik's REST API on 127.0.0.1, for tests that point the real opik SDK (through
 * CODI's transport) at it. It records every request and answers the way Opik does:
 *
 *   POST /api/v1/private/traces/batch        {traces:[Trace_Write]}          → 204   (upsert by id)
 *   POST /api/v1/private/spans/batch         {spans:[Span_Write]}            → 204   (upsert by id)
 *   PUT  /api/v1/private/traces/feedback-scores {scores:[FeedbackScoreBatchItem]} → 204 (upsert by id+name)
 *   PUT  /api/v1/private/spans/feedback-scores  {scores:[…]}                 → 204
 *   POST /api/v1/private/traces/{id}/feedback-scores/delete {name}          → 204 (removes that score)
 *   POST /api/v1/private/traces/{id}/comments {id?, text}                    → 204 (409 when the id exists)
 *   PATCH /api/v1/private/traces/comments/{commentId} {text}                 → 204 | 404
 *   POST /api/v1/private/traces/comments/delete {ids}                        → 204
 *   POST /api/v1/private/projects/retrieve   {name} → 200 {id, name, …} | 404 (projects are created by
 *                                            their first trace, as Opik does)
 *   datasets, dataset items, experiments, experiment items: see opikStandInExperiments.ts (`experiments`)
 *
 * Like Opik it checks `authorization: <key>` (no "Bearer") and `Comet-Workspace` (401/403), rejects ids
 * that are not UUIDv7 or whose embedded time is outside the ingestion window with Opik's 400 body
 * (`{code, message: "Invalid UUID for id", details}`), and schema problems with 422 `{errors:[…]}`.
 * Writes are counted per id, so a duplicate (the same id written twice) is visible in `writes`.
 *
 * Faults: `fail(…)` queues one-shot answers (500, 429 + Retry-After, 401, a dropped socket) for the next
 * requests; `down()` closes the port (connection refused) until `up()` reopens it on the same port;
 * `hold(path)` keeps a request unanswered and unprocessed until released (a sender killed meanwhile: it is
 * recorded with status -1 and changes nothing).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpError, NOT_MINE, OpikExperimentsApi, V7 } from './opikStandInExperiments';
import type { Gate, HeldRequest } from './heldRequest';
import { gate } from './heldRequest';

export type Fault =
  | { kind: 'status'; status: number; body?: unknown; retryAfter?: string; path?: RegExp }
  | { kind: 'drop'; path?: RegExp };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: unknown;
  status: number;
  at: number;
}

export type Stored = Record<string, unknown>;

export interface OpikStandInOptions {
  apiKey?: string;
  workspace?: string;
  /** Accepted distance of an id's embedded time from now (default 7 days). */
  ingestionWindowMs?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TRACE_FIELDS = new Set(['id', 'project_name', 'project_id', 'name', 'start_time', 'end_time', 'input', 'output', 'metadata', 'tags', 'error_info', 'last_updated_at', 'ttft', 'thread_id', 'source', 'environment']);
const SPAN_FIELDS = new Set([...TRACE_FIELDS, 'trace_id', 'parent_span_id', 'type', 'model', 'provider', 'usage', 'total_estimated_cost', 'total_estimated_cost_version']);
const SCORE_FIELDS = new Set(['id', 'project_name', 'project_id', 'name', 'category_name', 'value', 'reason', 'source', 'author']);

export function uuidV7Time(id: string): number {
  return parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}


const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isJsonish = (v: unknown): boolean => v === undefined || typeof v === 'string' || Array.isArray(v) || isObj(v);
const isIso = (v: unknown): boolean => typeof v === 'string' && !Number.isNaN(Date.parse(v)) && /T.*Z$/.test(v);

export class OpikStandIn {
  readonly requests: RecordedRequest[] = [];
  readonly traces = new Map<string, Stored>();
  readonly spans = new Map<string, Stored>();
  readonly traceScores = new Map<string, Stored>();
  readonly spanScores = new Map<string, Stored>();
  readonly writes = { traces: new Map<string, number>(), spans: new Map<string, number>(), traceScores: new Map<string, number>(), spanScores: new Map<string, number>() };
  readonly projects = new Map<string, { id: string; name: string }>();
  /** Datasets, dataset items, experiments and experiment items. */
  readonly experiments = new OpikExperimentsApi();
  /** Trace comments by comment id. */
  readonly comments = new Map<string, { id: string; traceId: string; text: string }>();
  /** Fields Opik's schema does not know, by endpoint (Opik ignores them; CODI should not send them). */
  readonly unknownFields: string[] = [];
  apiKey: string;
  workspace: string;
  ingestionWindowMs: number;
  private faults: Fault[] = [];
  private gate: { path: RegExp; g: Gate } | null = null;
  private server: http.Server;
  private port = 0;
  private projectSeq = 0;

  private constructor(opts: OpikStandInOptions) {
    this.apiKey = opts.apiKey ?? 'test-opik-key';
    this.workspace = opts.workspace ?? 'codi-test';
    this.ingestionWindowMs = opts.ingestionWindowMs ?? 7 * 86_400_000;
    this.server = this.createServer();
  }

  static async start(opts: OpikStandInOptions = {}): Promise<OpikStandIn> {
    const s = new OpikStandIn(opts);
    await s.listen(0);
    return s;
  }

  /** API base URL, like a self-hosted Opik's `http://host:5173/api`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  get isDown(): boolean {
    return !this.server.listening;
  }

  /** One-shot faults for the next matching requests, in order. */
  fail(...faults: Fault[]): void {
    this.faults.push(...faults);
  }

  /** Lets `skip` requests to `path` through, then keeps the next one unanswered until `release()`. */
  hold(path: RegExp, skip = 0): HeldRequest {
    const g = gate(skip);
    this.gate = { path, g: g.gate };
    return g.held;
  }

  /** Closes the port: connections are refused until up(). */
  async down(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  async up(): Promise<void> {
    if (this.server.listening) return;
    this.server = this.createServer();
    await this.listen(this.port);
  }

  close(): Promise<void> {
    return this.down();
  }

  /** Ids written more than once, per kind. */
  duplicates(): { traces: string[]; spans: string[] } {
    const dup = (m: Map<string, number>): string[] => [...m].filter(([, n]) => n > 1).map(([id]) => id);
    return { traces: dup(this.writes.traces), spans: dup(this.writes.spans) };
  }

  /** Requests to one endpoint (path without the /api prefix, e.g. "/v1/private/traces/batch"). */
  calls(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === `/api${path}`);
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private createServer(): http.Server {
    return http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req, res, Buffer.concat(chunks).toString('utf8')));
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
    const path = (req.url ?? '/').split('?')[0]!;
    const rec: RecordedRequest = { method: req.method ?? 'GET', path, headers: req.headers, raw, body: undefined, status: 0, at: Date.now() };
    this.requests.push(rec);
    const held = this.gate;
    if (held && held.path.test(path) && held.g.skip-- === 0) {
      this.gate = null;
      held.g.arrived();
      held.g.pass(() => (req.socket.destroyed ? void (rec.status = -1) : this.respond(req, res, raw, rec)));
      return;
    }
    this.respond(req, res, raw, rec);
  }

  private respond(req: http.IncomingMessage, res: http.ServerResponse, raw: string, rec: RecordedRequest): void {
    const path = rec.path;
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}): void => {
      rec.status = status;
      res.writeHead(status, body === undefined ? headers : { 'content-type': 'application/json', ...headers });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    const i = this.faults.findIndex((f) => !f.path || f.path.test(path));
    if (i >= 0) {
      const f = this.faults.splice(i, 1)[0]!;
      if (f.kind === 'drop') {
        rec.status = -1;
        req.socket.destroy();
        return;
      }
      const headers: Record<string, string> = f.retryAfter ? { 'retry-after': f.retryAfter } : {};
      send(f.status, f.body ?? { code: f.status, message: http.STATUS_CODES[f.status] ?? 'Error' }, headers);
      return;
    }
    try {
      rec.body = raw ? JSON.parse(raw) : undefined;
      this.checkAuth(req.headers);
      const out = this.route(rec.method, path.replace(/^\/api/, ''), rec.body);
      if (out === undefined) send(204);
      else send(200, out);
    } catch (err) {
      if (err instanceof HttpError) send(err.status, err.body);
      else if (err instanceof SyntaxError) send(400, { code: 400, message: 'Unable to process JSON' });
      else send(500, { code: 500, message: String(err) });
    }
  }

  private checkAuth(h: http.IncomingHttpHeaders): void {
    const auth = h.authorization ?? '';
    if (auth.startsWith('Bearer ') || auth !== this.apiKey) throw new HttpError(401, { code: 401, message: 'User not allowed to access workspace' });
    if (h['comet-workspace'] !== this.workspace) throw new HttpError(403, { code: 403, message: 'User has no permission to the workspace' });
  }

  private route(method: string, path: string, body: unknown): unknown {
    const b = isObj(body) ? body : {};
    if (method === 'POST' && path === '/v1/private/traces/batch') return this.batch(b.traces, 'trace');
    if (method === 'POST' && path === '/v1/private/spans/batch') return this.batch(b.spans, 'span');
    if (method === 'PUT' && path === '/v1/private/traces/feedback-scores') return this.scores(b.scores, this.traceScores, this.writes.traceScores);
    if (method === 'PUT' && path === '/v1/private/spans/feedback-scores') return this.scores(b.scores, this.spanScores, this.writes.spanScores);
    if (path.startsWith('/v1/private/traces/') && path.includes('/comments')) return this.comment(method, path, b);
    const delScore = /^\/v1\/private\/traces\/([^/]+)\/feedback-scores\/delete$/.exec(path);
    if (method === 'POST' && delScore) {
      if (typeof b.name !== 'string' || !b.name) throw new HttpError(422, { errors: ['name must not be blank'] });
      this.traceScores.delete(`${delScore[1]!}|${b.name}`);
      return undefined;
    }
    if (method === 'POST' && path === '/v1/private/projects/retrieve') {
      const p = typeof b.name === 'string' ? this.projects.get(b.name) : undefined;
      if (!p) throw new HttpError(404, { code: 404, message: 'Project not found' });
      return { ...p, visibility: 'private', created_at: new Date().toISOString() };
    }
    const x = this.experiments.route(method, path, b);
    if (x !== NOT_MINE) return x;
    throw new HttpError(404, { code: 404, message: 'HTTP 404 Not Found' });
  }

  private comment(method: string, path: string, b: Record<string, unknown>): undefined {
    const text = (): string => {
      if (typeof b.text !== 'string' || !b.text.trim()) throw new HttpError(422, { errors: ['text must not be blank'] });
      return b.text;
    };
    if (method === 'POST' && path === '/v1/private/traces/comments/delete') {
      if (!Array.isArray(b.ids)) throw new HttpError(422, { errors: ['ids must not be null'] });
      for (const id of b.ids) this.comments.delete(String(id));
      return undefined;
    }
    const update = /^\/v1\/private\/traces\/comments\/([^/]+)$/.exec(path);
    if (method === 'PATCH' && update) {
      const c = this.comments.get(update[1]!);
      if (!c) throw new HttpError(404, { code: 404, message: 'Comment not found' });
      c.text = text();
      return undefined;
    }
    const create = /^\/v1\/private\/traces\/([^/]+)\/comments$/.exec(path);
    if (method === 'POST' && create) {
      const id = typeof b.id === 'string' ? b.id : `0190f000-0000-7000-8000-${String(this.comments.size + 1).padStart(12, '0')}`;
      if (this.comments.has(id)) throw new HttpError(409, { code: 409, message: 'Comment already exists' });
      if (!this.traces.has(create[1]!)) throw new HttpError(404, { code: 404, message: 'Trace not found' });
      this.comments.set(id, { id, traceId: create[1]!, text: text() });
      return undefined;
    }
    throw new HttpError(404, { code: 404, message: 'HTTP 404 Not Found' });
  }

  private checkId(id: unknown, resource: string, where: string, errors: string[], window = true): void {
    if (typeof id !== 'string' || !UUID.test(id)) {
      errors.push(`${where}.id must be a UUID`);
      return;
    }
    if (!V7.test(id)) throw new HttpError(400, { code: 400, message: 'Invalid UUID for id', details: `${resource} id must be a version 7 UUID` });
    const t = uuidV7Time(id);
    const now = Date.now();
    const tooOld = window && t < now - this.ingestionWindowMs;
    if (tooOld || t > now + this.ingestionWindowMs) {
      const days = `${Math.round(this.ingestionWindowMs / 86_400_000)} days`;
      const reason = tooOld ? 'too_old' : 'too_far_future';
      throw new HttpError(400, { code: 400, message: 'Invalid UUID for id', details: `id with timestamp '${new Date(t).toISOString()}' must be in the allowed ingestion window of '${days}' around now, reason '${reason}'` });
    }
  }

  private batch(items: unknown, kind: 'trace' | 'span'): undefined {
    const key = kind === 'trace' ? 'traces' : 'spans';
    if (!Array.isArray(items) || items.length < 1 || items.length > 1000) throw new HttpError(422, { errors: [`${key} size must be between 1 and 1000`] });
    const errors: string[] = [];
    items.forEach((x, i) => {
      const where = `${key}[${i}]`;
      if (!isObj(x)) return void errors.push(`${where} must be an object`);
      this.checkId(x.id, kind, where, errors);
      for (const k of Object.keys(x)) if (!(kind === 'trace' ? TRACE_FIELDS : SPAN_FIELDS).has(k)) this.unknownFields.push(`${kind}.${k}`);
      if (!isIso(x.start_time)) errors.push(`${where}.startTime must not be null`);
      if (x.end_time !== undefined && !isIso(x.end_time)) errors.push(`${where}.endTime must be a date-time`);
      if (x.name !== undefined && typeof x.name !== 'string') errors.push(`${where}.name must be a string`);
      for (const f of ['input', 'output', 'metadata']) if (!isJsonish(x[f])) errors.push(`${where}.${f} must be an object, array or string`);
      if (x.tags !== undefined && !(Array.isArray(x.tags) && x.tags.every((t) => typeof t === 'string'))) errors.push(`${where}.tags must be strings`);
      const ei = x.error_info;
      if (ei !== undefined && !(isObj(ei) && typeof ei.exception_type === 'string' && typeof ei.traceback === 'string')) errors.push(`${where}.errorInfo needs exception_type and traceback`);
      if (x.ttft !== undefined && typeof x.ttft !== 'number') errors.push(`${where}.ttft must be a number`);
      if (kind === 'span') {
        this.checkId(x.trace_id, 'trace', `${where}.trace`, errors, false);
        if (!['general', 'tool', 'llm', 'guardrail'].includes(String(x.type))) errors.push(`${where}.type must be one of general, tool, llm, guardrail`);
        if (x.parent_span_id !== undefined && !(typeof x.parent_span_id === 'string' && UUID.test(x.parent_span_id))) errors.push(`${where}.parentSpanId must be a UUID`);
        const u = x.usage;
        if (u !== undefined && !(isObj(u) && Object.values(u).every((n) => Number.isInteger(n)))) errors.push(`${where}.usage values must be integers`);
        if (x.total_estimated_cost !== undefined && typeof x.total_estimated_cost !== 'number') errors.push(`${where}.totalEstimatedCost must be a number`);
      }
    });
    if (errors.length) throw new HttpError(422, { errors });
    const store = kind === 'trace' ? this.traces : this.spans;
    const counts = kind === 'trace' ? this.writes.traces : this.writes.spans;
    for (const x of items as Stored[]) {
      const id = x.id as string;
      const project = typeof x.project_name === 'string' ? x.project_name : 'Default Project';
      if (!this.projects.has(project)) this.projects.set(project, { id: `0190f000-0000-7000-8000-${String(++this.projectSeq).padStart(12, '0')}`, name: project });
      store.set(id, { ...store.get(id), ...x });
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return undefined;
  }

  private scores(items: unknown, store: Map<string, Stored>, counts: Map<string, number>): undefined {
    if (!Array.isArray(items) || items.length < 1 || items.length > 1000) throw new HttpError(422, { errors: ['scores size must be between 1 and 1000'] });
    const errors: string[] = [];
    items.forEach((x, i) => {
      const where = `scores[${i}]`;
      if (!isObj(x)) return void errors.push(`${where} must be an object`);
      if (typeof x.id !== 'string' || !UUID.test(x.id)) errors.push(`${where}.id must be a UUID`);
      if (typeof x.name !== 'string' || !x.name.trim()) errors.push(`${where}.name must not be blank`);
      if (typeof x.value !== 'number' || !Number.isFinite(x.value)) errors.push(`${where}.value must be a number`);
      if (!['ui', 'sdk', 'online_scoring'].includes(String(x.source))) errors.push(`${where}.source must be one of ui, sdk, online_scoring`);
      if (x.reason !== undefined && typeof x.reason !== 'string') errors.push(`${where}.reason must be a string`);
      for (const k of Object.keys(x)) if (!SCORE_FIELDS.has(k)) this.unknownFields.push(`score.${k}`);
    });
    if (errors.length) throw new HttpError(422, { errors });
    for (const x of items as Stored[]) {
      const k = `${String(x.id)}|${String(x.name)}`;
      store.set(k, x);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    return undefined;
  }
}
