import type * as GenAi from '@google/genai';
import type { GoogleGenAI, GenerateContentResponse } from '@google/genai';
import type { Usage } from '../../shared/types';
import { CodiError } from '../errors';
import { mapModelError, ModelCallError } from './errors';

export interface GeminiClientOptions {
  apiKey: string;
  /** Endpoint override (proxy, gateway, test stand-in). Empty: Google's endpoint. */
  baseUrl?: string;
  apiVersion?: 'v1' | 'v1beta';
  /** Limit for one request, in ms. */
  timeoutMs?: number;
}

export interface GenerateRequest {
  model: string;
  prompt: string;
  systemInstruction?: string;
  temperature?: number;
  maxOutputTokens?: number;
  signal?: AbortSignal;
}

export interface JsonRequest extends GenerateRequest {
  /** Plain JSON Schema for structured output (`responseJsonSchema`). */
  schema: Record<string, unknown>;
}

/** What one model call produced, with the measurements every LLM span records. */
export interface GenerationResult {
  text: string;
  model: string;
  modelVersion: string | null;
  usage: Usage;
  finishReason: string | null;
  /** Time to first token, ms (streaming only). */
  ttftMs: number | null;
  chunks: number;
  latencyMs: number;
}

export interface GeminiClient {
  /** Streams a text answer; `onText` receives each delta as it arrives. */
  stream(req: GenerateRequest, onText?: (delta: string) => void): Promise<GenerationResult>;
  /** One structured-output call; returns the raw text and the parsed JSON (or a model-output error). */
  generateJson(req: JsonRequest): Promise<GenerationResult & { json: unknown }>;
  /** Exact token count of a text for a model (`models/{m}:countTokens`); no tokenizer download. */
  countTokens(req: { model: string; text: string; signal?: AbortSignal }): Promise<number>;
}

let sdk: Promise<typeof GenAi> | null = null;
/** The SDK is loaded on first use only, so activation stays cheap. */
const loadSdk = (): Promise<typeof GenAi> => (sdk ??= import('@google/genai'));

export function usageFrom(meta: GenerateContentResponse['usageMetadata'] | undefined): Usage {
  const promptTokens = meta?.promptTokenCount ?? 0;
  const outputTokens = meta?.candidatesTokenCount ?? 0;
  const thinkingTokens = meta?.thoughtsTokenCount ?? 0;
  return { promptTokens, outputTokens, thinkingTokens, totalTokens: meta?.totalTokenCount ?? promptTokens + outputTokens + thinkingTokens };
}

/** Visible text of a response: text parts that are not thoughts (the SDK's `.text` getter warns on other parts). */
function textOf(r: GenerateContentResponse): string {
  const parts = r.candidates?.[0]?.content?.parts ?? [];
  return parts.filter((p) => typeof p.text === 'string' && !p.thought).map((p) => p.text).join('');
}

/** A structured-output answer that is not valid JSON; keeps the call's usage so its cost is still recorded. */
export class UnparsableJsonError extends ModelCallError {
  constructor(readonly result: GenerationResult) {
    super('model-output', `The model's JSON answer could not be parsed (finish reason ${result.finishReason ?? 'unknown'}).`, undefined, null);
  }
}

export function createGeminiClient(opts: GeminiClientOptions): GeminiClient {
  if (!opts.apiKey) throw new CodiError('no-key', 'No Gemini API key is set.');
  let ai: GoogleGenAI | null = null;
  const client = async (): Promise<GoogleGenAI> => {
    if (ai) return ai;
    const { GoogleGenAI: Ctor } = await loadSdk();
    const baseUrl = opts.baseUrl?.replace(/\/+$/, '');
    // vertexai is passed explicitly so GOOGLE_GENAI_USE_VERTEXAI in the environment cannot switch backends.
    ai = new Ctor({ apiKey: opts.apiKey, vertexai: false, httpOptions: { apiVersion: opts.apiVersion ?? 'v1beta', ...(baseUrl ? { baseUrl } : {}) } });
    return ai;
  };

  /** Runs one call under the caller's signal and our timeout, and maps every failure. */
  async function withLimits<T>(req: GenerateRequest, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (req.signal?.aborted) throw new CodiError('cancelled', 'Cancelled.');
    const timeout = new AbortController();
    const timeoutMs = opts.timeoutMs ?? 120_000;
    const timer = setTimeout(() => timeout.abort(new Error('timeout')), timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout.signal]) : timeout.signal;
    try {
      return await run(signal);
    } catch (err) {
      if (req.signal?.aborted) throw new CodiError('cancelled', 'Cancelled.', undefined, { cause: err });
      if (timeout.signal.aborted) throw new ModelCallError('timeout', `Gemini did not answer within ${Math.round(timeoutMs / 1000)} s.`, undefined, null, { cause: err });
      throw mapModelError(err, req.model);
    } finally {
      clearTimeout(timer);
    }
  }

  const baseConfig = (req: GenerateRequest, signal: AbortSignal) => ({
    abortSignal: signal,
    ...(req.systemInstruction ? { systemInstruction: req.systemInstruction } : {}),
    ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
    ...(req.maxOutputTokens !== undefined ? { maxOutputTokens: req.maxOutputTokens } : {}),
  });

  return {
    async stream(req, onText) {
      const ai = await client();
      return withLimits(req, async (signal) => {
        const t0 = performance.now();
        const stream = await ai.models.generateContentStream({
          model: req.model,
          contents: [{ role: 'user', parts: [{ text: req.prompt }] }],
          config: baseConfig(req, signal),
        });
        let text = '';
        let chunks = 0;
        let ttftMs: number | null = null;
        let last: GenerateContentResponse | null = null;
        let finishReason: string | null = null;
        for await (const chunk of stream) {
          chunks++;
          last = chunk;
          const delta = textOf(chunk);
          if (delta) {
            ttftMs ??= performance.now() - t0;
            text += delta;
            onText?.(delta);
          }
          finishReason = chunk.candidates?.[0]?.finishReason ?? finishReason;
        }
        return {
          text,
          model: req.model,
          modelVersion: last?.modelVersion ?? null,
          usage: usageFrom(last?.usageMetadata),
          finishReason,
          ttftMs: ttftMs === null ? null : Math.round(ttftMs),
          chunks,
          latencyMs: Math.round(performance.now() - t0),
        };
      });
    },

    async generateJson(req) {
      const ai = await client();
      return withLimits(req, async (signal) => {
        const t0 = performance.now();
        const r = await ai.models.generateContent({
          model: req.model,
          contents: [{ role: 'user', parts: [{ text: req.prompt }] }],
          config: { ...baseConfig(req, signal), responseMimeType: 'application/json', responseJsonSchema: req.schema },
        });
        const text = textOf(r);
        const base: GenerationResult = {
          text,
          model: req.model,
          modelVersion: r.modelVersion ?? null,
          usage: usageFrom(r.usageMetadata),
          finishReason: r.candidates?.[0]?.finishReason ?? null,
          ttftMs: null,
          chunks: 1,
          latencyMs: Math.round(performance.now() - t0),
        };
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          throw new UnparsableJsonError(base);
        }
        return { ...base, json };
      });
    },

    async countTokens(req) {
      const ai = await client();
      return withLimits({ model: req.model, prompt: '', signal: req.signal }, async (signal) => {
        const r = await ai.models.countTokens({ model: req.model, contents: [{ role: 'user', parts: [{ text: req.text }] }], config: { abortSignal: signal } });
        return r.totalTokens ?? 0;
      });
    },
  };
}
