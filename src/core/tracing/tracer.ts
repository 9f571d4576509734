import type { ErrorInfo, Score, SpanRecord, SpanType, TraceRecord, TraceType, Usage } from '../../shared/types';
import { addUsage, emptyUsage } from '../../shared/types';
import { toCodiError } from '../errors';
import { uuidv7 } from '../ids';
import type { PromptVersionRecord, RenderedPrompt } from '../prompts/prompt';
import { autoTags } from './autoTags';

/** What a trace brings besides its record. */
export interface TraceExtras {
  /** The prompt versions its LLM spans used, each once (the store keeps each version's template once). */
  prompts?: PromptVersionRecord[];
}

/** Where finished traces go (the store). A sink may ignore `extras`. */
export interface TraceSink {
  saveTrace(trace: TraceRecord, extras?: TraceExtras): Promise<void>;
}

export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

export interface StartTraceOptions {
  name: string;
  type: TraceType;
  input: unknown;
  metadata?: Record<string, unknown>;
  tags?: string[];
  threadId?: string | null;
}

/**
 * One span being recorded. Children are opened from their parent handle, so the context travels with
 * the call and no global "current span" is needed (concurrent runs cannot mix their spans).
 */
export class SpanHandle {
  constructor(
    private readonly trace: TraceHandle,
    readonly record: SpanRecord,
  ) {}

  get id(): string {
    return this.record.id;
  }

  /** Runs `fn` inside a child span; the span ends (with the error, if any) when `fn` settles. */
  span<T>(name: string, type: SpanType, input: unknown, fn: (span: SpanHandle) => Promise<T>): Promise<T> {
    return this.trace.runSpan(name, type, input, this.record.id, fn);
  }

  set(patch: Partial<Pick<SpanRecord, 'output' | 'model' | 'provider' | 'usage' | 'costUsd'>>): void {
    Object.assign(this.record, patch);
  }

  attr(attributes: Record<string, unknown>): void {
    Object.assign(this.record.attributes, attributes);
  }

  addScore(score: Omit<Score, 'spanId'>): void {
    this.trace.addScore({ ...score, spanId: this.record.id });
  }

  /** Records that this span's call used `prompt` (kept on the trace). */
  usePrompt(prompt: RenderedPrompt): void {
    this.trace.usePrompt(prompt);
  }
}

/** One trace being recorded. `end()` computes the totals and hands the record to the sink. */
export class TraceHandle {
  readonly record: TraceRecord;
  private ended = false;
  private readonly prompts = new Map<string, PromptVersionRecord>();

  constructor(
    private readonly sink: TraceSink,
    private readonly clock: Clock,
    opts: StartTraceOptions,
    private readonly onSaveError?: (err: unknown, trace: TraceRecord) => void,
  ) {
    const startTime = clock.now();
    this.record = {
      id: uuidv7(startTime),
      name: opts.name,
      type: opts.type,
      startTime,
      endTime: null,
      input: opts.input,
      output: null,
      metadata: { ...(opts.metadata ?? {}) },
      tags: [...(opts.tags ?? [])],
      threadId: opts.threadId ?? null,
      error: null,
      usage: null,
      costUsd: null,
      spans: [],
      scores: [],
    };
  }

  get id(): string {
    return this.record.id;
  }

  span<T>(name: string, type: SpanType, input: unknown, fn: (span: SpanHandle) => Promise<T>): Promise<T> {
    return this.runSpan(name, type, input, null, fn);
  }

  /** @internal used by SpanHandle for children. */
  async runSpan<T>(name: string, type: SpanType, input: unknown, parentSpanId: string | null, fn: (span: SpanHandle) => Promise<T>): Promise<T> {
    const startTime = this.clock.now();
    const record: SpanRecord = {
      id: uuidv7(startTime),
      traceId: this.record.id,
      parentSpanId,
      name,
      type,
      startTime,
      endTime: null,
      input,
      output: null,
      model: null,
      provider: null,
      usage: null,
      costUsd: null,
      error: null,
      attributes: {},
    };
    this.record.spans.push(record);
    try {
      return await fn(new SpanHandle(this, record));
    } catch (err) {
      record.error = toCodiError(err).toInfo();
      throw err;
    } finally {
      record.endTime = this.clock.now();
    }
  }

  addScore(score: Score): void {
    this.record.scores.push({ ...score, spanId: score.spanId ?? null });
  }

  /** Records a prompt version an LLM call of this trace used; saved with the trace, once per name@version. */
  usePrompt(p: RenderedPrompt): void {
    const key = `${p.name}@${p.version}`;
    if (!this.prompts.has(key)) this.prompts.set(key, { name: p.name, version: p.version, system: p.template.system, user: p.template.user });
  }

  /** The prompt versions used so far, in order of first use. */
  get promptVersions(): PromptVersionRecord[] {
    return [...this.prompts.values()];
  }

  setMetadata(patch: Record<string, unknown>): void {
    Object.assign(this.record.metadata, patch);
  }

  /** Ends the trace once: totals usage and cost over its spans and saves it. */
  async end(result: { output?: unknown; error?: ErrorInfo | null }): Promise<TraceRecord> {
    if (this.ended) return this.record;
    this.ended = true;
    const r = this.record;
    r.endTime = this.clock.now();
    if (result.output !== undefined) r.output = result.output;
    r.error = result.error ?? null;
    let usage: Usage | null = null;
    let cost: number | null = null;
    for (const s of r.spans) {
      if (s.usage) usage = addUsage(usage ?? emptyUsage(), s.usage);
      if (s.costUsd !== null) cost = (cost ?? 0) + s.costUsd;
    }
    r.usage = usage;
    r.costUsd = cost;
    // The envelope every pipeline shares: which pipeline, and every prompt name → version it used.
    r.metadata.pipeline = r.type;
    if (this.prompts.size) r.metadata.prompts = { ...(r.metadata.prompts as Record<string, string> | undefined), ...Object.fromEntries([...this.prompts.values()].map((p) => [p.name, p.version])) };
    recordAnsweringModel(r);
    r.tags = [...new Set([...r.tags, ...autoTags(r)])];
    try {
      if (this.prompts.size) await this.sink.saveTrace(r, { prompts: this.promptVersions });
      else await this.sink.saveTrace(r);
    } catch (err) {
      // With a handler, a store that cannot be written never fails the run: the caller says the trace was not saved.
      if (!this.onSaveError) throw err;
      this.onSaveError(err, r);
    }
    return r;
  }
}

export class Tracer {
  constructor(
    private readonly sink: TraceSink,
    private readonly clock: Clock = systemClock,
    /** When set, a failed save is reported here instead of thrown (the run's result stands). */
    private readonly onSaveError?: (err: unknown, trace: TraceRecord) => void,
    private readonly extra: { tags?: readonly string[]; metadata?: Record<string, unknown> } = {},
  ) {}

  startTrace(opts: StartTraceOptions): TraceHandle {
    const tags = [...new Set([...(opts.tags ?? []), ...(this.extra.tags ?? [])])];
    return new TraceHandle(this.sink, this.clock, { ...opts, tags, metadata: { ...(opts.metadata ?? {}), ...(this.extra.metadata ?? {}) } }, this.onSaveError);
  }

  /** A tracer whose traces also carry these tags and metadata (an experiment's name, the trace replayed…). */
  with(extra: { tags?: readonly string[]; metadata?: Record<string, unknown> }): Tracer {
    return new Tracer(this.sink, this.clock, this.onSaveError, {
      tags: [...(this.extra.tags ?? []), ...(extra.tags ?? [])],
      metadata: { ...(this.extra.metadata ?? {}), ...(extra.metadata ?? {}) },
    });
  }
}

/**
 * The trace's `model` is the model that answered, `requestedModel` the one asked for: they differ when the
 * answer came from the fallback model (the first answering LLM span outside the judge that fell back says
 * so); such a trace is tagged `fallback`.
 */
function recordAnsweringModel(r: TraceRecord): void {
  const requested = typeof r.metadata.model === 'string' ? r.metadata.model : null;
  if (requested !== null && r.metadata.requestedModel === undefined) r.metadata.requestedModel = requested;
  const fell = r.spans.find((s) => s.type === 'llm' && !s.name.startsWith('judge') && typeof s.attributes.fallbackFrom === 'string' && s.error === null);
  if (!fell?.model) return;
  r.metadata.model = fell.model;
  r.metadata.requestedModel = fell.attributes.fallbackFrom;
  if (!r.tags.includes('fallback')) r.tags.push('fallback');
}
