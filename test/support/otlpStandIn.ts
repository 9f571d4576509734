/**
 * A local stand-in for an OTLP/HTTP trace receiver (an OpenTelemetry collector, AI Toolkit's on :4318,
 * Phoenix) on 127.0.0.1:
 *
 *   POST /v1/traces   Content-Type: application/json   ExportTraceServiceRequest → 200 {"partialSuccess":{}}
 *
 * It decodes the OTLP JSON encoding (hex ids, string nanosecond times, AnyValue attributes) and records
 * every span with its resource and scope, so tests check what a receiver would show. Protobuf bodies get
 * 415: @opentelemetry/otlp-transformer ships request serializers only (no request decoder) and CODI sends
 * JSON. Responses are decoded by the package's own JsonTraceSerializer.deserializeResponse on the client side.
 *
 * Faults: `fail(status)` answers the next request with that status; `down()` closes the port (connection
 * refused) until `up()` reopens it on the same port; `hold()` keeps a request unanswered until released
 * (a sender killed meanwhile: the request is recorded with status -1 and its spans are not kept).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Gate, HeldRequest } from './heldRequest';
import { gate } from './heldRequest';

export type AnyValue = string | number | boolean | null | AnyValue[] | { [k: string]: AnyValue };

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  /** OTLP SpanKind number: 1 internal, 3 client. */
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, AnyValue>;
  status: { code: number; message?: string };
  events: Array<{ name: string; attributes: Record<string, AnyValue> }>;
  resource: Record<string, AnyValue>;
  scope: { name: string; version?: string };
}

interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}
interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: OtlpKeyValue[];
  status?: { code?: number; message?: string };
  events?: Array<{ name: string; attributes?: OtlpKeyValue[] }>;
}
/** The OTLP JSON ExportTraceServiceRequest (opentelemetry-proto trace_service.proto, JSON mapping). */
export interface OtlpRequest {
  resourceSpans: Array<{ resource?: { attributes?: OtlpKeyValue[] }; scopeSpans: Array<{ scope?: { name: string; version?: string }; spans: OtlpSpan[] }> }>;
}

function anyValue(v: OtlpAnyValue): AnyValue {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(anyValue);
  if (v.kvlistValue) return attrs(v.kvlistValue.values);
  return null;
}

function attrs(kvs: OtlpKeyValue[] | undefined): Record<string, AnyValue> {
  return Object.fromEntries((kvs ?? []).map((kv) => [kv.key, anyValue(kv.value)]));
}

const HEX = (n: number) => new RegExp(`^[0-9a-f]{${n}}$`);

/** Decodes an OTLP JSON request into spans; throws on anything a receiver would reject. */
export function decodeOtlpJson(body: string): ReceivedSpan[] {
  const req = JSON.parse(body) as OtlpRequest;
  if (!Array.isArray(req.resourceSpans)) throw new Error('resourceSpans missing');
  const out: ReceivedSpan[] = [];
  for (const rs of req.resourceSpans) {
    const resource = attrs(rs.resource?.attributes);
    for (const ss of rs.scopeSpans) {
      for (const s of ss.spans) {
        if (!HEX(32).test(s.traceId) || !HEX(16).test(s.spanId) || (s.parentSpanId && !HEX(16).test(s.parentSpanId))) throw new Error(`bad ids on span ${s.name}`);
        out.push({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId || null,
          name: s.name,
          kind: s.kind,
          startNs: BigInt(s.startTimeUnixNano),
          endNs: BigInt(s.endTimeUnixNano),
          attributes: attrs(s.attributes),
          status: { code: s.status?.code ?? 0, message: s.status?.message },
          events: (s.events ?? []).map((e) => ({ name: e.name, attributes: attrs(e.attributes) })),
          resource,
          scope: { name: ss.scope?.name ?? '', version: ss.scope?.version },
        });
      }
    }
  }
  return out;
}

export class OtlpStandIn {
  readonly spans: ReceivedSpan[] = [];
  /** Every request: its status and how many spans it carried. */
  readonly requests: Array<{ status: number; spans: number }> = [];
  private server: http.Server | null = null;
  private port = 0;
  private faults: number[] = [];
  private gate: Gate | null = null;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    await this.up();
    return this;
  }

  up(): Promise<void> {
    const server = http.createServer((req, res) => this.handle(req, res));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        this.port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  async down(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  close = (): Promise<void> => this.down();

  fail(status: number): void {
    this.faults.push(status);
  }

  /** Lets `skip` requests through, then keeps the next one unanswered until `release()`. */
  hold(skip = 0): HeldRequest {
    const g = gate(skip);
    this.gate = g.gate;
    return g.held;
  }

  /** Spans of one CODI trace (by its OTLP trace id). */
  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((s) => s.traceId === traceId);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const g = this.gate;
      if (g && g.skip-- === 0) {
        this.gate = null;
        g.arrived();
        g.pass(() => (req.socket.destroyed ? void this.requests.push({ status: -1, spans: 0 }) : this.answer(req, res, chunks)));
        return;
      }
      this.answer(req, res, chunks);
    });
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse, chunks: Buffer[]): void {
    const answer = (status: number, body: unknown, spans = 0) => {
      this.requests.push({ status, spans });
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.url !== '/v1/traces') return answer(404, { code: 5, message: 'not found' });
    const fault = this.faults.shift();
    if (fault) return answer(fault, { code: 14, message: 'unavailable' });
    if (!String(req.headers['content-type']).startsWith('application/json')) return answer(415, { code: 3, message: 'only application/json' });
    try {
      const spans = decodeOtlpJson(Buffer.concat(chunks).toString('utf8'));
      this.spans.push(...spans);
      answer(200, { partialSuccess: {} }, spans.length);
    } catch (e) {
      answer(400, { code: 3, message: String(e) });
    }
  }
}
