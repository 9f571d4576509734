/**
 * Gemini REST wire shapes and builders for the test stand-in (see geminiStandIn.ts).
 * Shapes follow generativelanguage.googleapis.com: GenerateContentResponse, usageMetadata,
 * CountTokensResponse and google.rpc.Status error bodies (pretty-printed like Google's).
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';

export type ApiVersion = 'v1' | 'v1beta';
export type GeminiAction = 'generateContent' | 'streamGenerateContent' | 'countTokens' | 'get';
export type FinishReason = 'STOP' | 'MAX_TOKENS' | 'SAFETY';
export type ErrorStatus = 400 | 401 | 403 | 404 | 408 | 429 | 500 | 502 | 503 | 504;

export interface WirePart {
  text?: string;
  thought?: boolean;
  [key: string]: unknown;
}
export interface WireContent {
  role?: string;
  parts?: WirePart[];
}
export interface WireGenerationConfig {
  responseMimeType?: string;
  responseJsonSchema?: unknown;
  responseSchema?: unknown;
  maxOutputTokens?: number;
  temperature?: number;
  thinkingConfig?: { thinkingBudget?: number; includeThoughts?: boolean };
  [key: string]: unknown;
}
/** The JSON body our client posts (GenerateContentRequest / CountTokensRequest). */
export interface WireRequestBody {
  contents?: WireContent[];
  systemInstruction?: WireContent;
  generationConfig?: WireGenerationConfig;
  [key: string]: unknown;
}

export interface UsageMetadata {
  promptTokenCount: number;
  candidatesTokenCount: number;
  thoughtsTokenCount?: number;
  cachedContentTokenCount?: number;
  totalTokenCount: number;
  promptTokensDetails?: Array<{ modality: 'TEXT'; tokenCount: number }>;
}
/** Any subset; missing counts are derived from the text (≈ chars/4). */
export type UsageOverride = Partial<Omit<UsageMetadata, 'promptTokensDetails'>>;

export interface SafetyRating {
  category: string;
  probability: 'NEGLIGIBLE' | 'LOW' | 'MEDIUM' | 'HIGH';
  blocked?: boolean;
}
export interface WireCandidate {
  content?: { role: 'model'; parts: Array<{ text: string }> };
  finishReason?: FinishReason;
  index: number;
  safetyRatings?: SafetyRating[];
}
export interface GenerateContentResponse {
  candidates: WireCandidate[];
  usageMetadata: UsageMetadata;
  modelVersion: string;
  responseId: string;
}
export interface CountTokensResponse {
  totalTokens: number;
  promptTokensDetails: Array<{ modality: 'TEXT'; tokenCount: number }>;
}
export interface RpcStatusBody {
  error: { code: number; message: string; status: string; details?: Array<Record<string, unknown>> };
}

/** ≈ 4 characters per token, at least 1 for non-empty text. */
export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.max(1, Math.ceil(text.length / 4));
}

/** All text the request carries (system instruction + contents), in order. */
export function requestText(body: WireRequestBody): string {
  const contents = [...(body.systemInstruction ? [body.systemInstruction] : []), ...(body.contents ?? [])];
  return contents.flatMap((c) => c.parts ?? []).map((p) => (typeof p.text === 'string' ? p.text : '')).join('\n');
}

/** Text of the user turns only (what "the prompt" means to a reader). */
export function userText(body: WireRequestBody): string {
  return (body.contents ?? [])
    .filter((c) => c.role === undefined || c.role === 'user')
    .flatMap((c) => c.parts ?? [])
    .map((p) => (typeof p.text === 'string' ? p.text : ''))
    .join('\n');
}

/** A response id shaped like Google's (23 url-safe base64 characters). */
export function newResponseId(): string {
  return randomBytes(18).toString('base64url').slice(0, 23);
}

export function buildUsage(promptTokens: number, outputText: string, thoughts: number | undefined, override?: UsageOverride): UsageMetadata {
  const promptTokenCount = override?.promptTokenCount ?? promptTokens;
  const candidatesTokenCount = override?.candidatesTokenCount ?? estimateTokens(outputText);
  const thoughtsTokenCount = override?.thoughtsTokenCount ?? thoughts;
  const usage: UsageMetadata = {
    promptTokenCount,
    candidatesTokenCount,
    totalTokenCount: override?.totalTokenCount ?? promptTokenCount + candidatesTokenCount + (thoughtsTokenCount ?? 0),
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: promptTokenCount }],
  };
  if (thoughtsTokenCount !== undefined) usage.thoughtsTokenCount = thoughtsTokenCount;
  if (override?.cachedContentTokenCount !== undefined) usage.cachedContentTokenCount = override.cachedContentTokenCount;
  return usage;
}

export function buildResponse(a: {
  text: string;
  finishReason?: FinishReason;
  usage: UsageMetadata;
  modelVersion: string;
  responseId: string;
}): GenerateContentResponse {
  // Key order as Google sends it: content, finishReason, index.
  const candidate = {
    ...(a.text.length > 0 || a.finishReason !== 'SAFETY' ? { content: { role: 'model' as const, parts: [{ text: a.text }] } } : {}),
    ...(a.finishReason ? { finishReason: a.finishReason } : {}),
    index: 0,
  } as WireCandidate;
  if (a.finishReason === 'SAFETY') {
    candidate.safetyRatings = [
      { category: 'HARM_CATEGORY_HATE_SPEECH', probability: 'NEGLIGIBLE' },
      { category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true },
      { category: 'HARM_CATEGORY_HARASSMENT', probability: 'NEGLIGIBLE' },
      { category: 'HARM_CATEGORY_SEXUALLY_EXPLICIT', probability: 'NEGLIGIBLE' },
    ];
  }
  return { candidates: [candidate], usageMetadata: a.usage, modelVersion: a.modelVersion, responseId: a.responseId };
}

/**
 * Split text into n non-empty pieces that concatenate back to it exactly, preferring to cut
 * after whitespace (like model token boundaries). Fewer pieces if the text is too short.
 */
export function splitText(text: string, n: number): string[] {
  const count = Math.max(1, Math.min(Math.floor(n), text.length));
  if (count <= 1) return [text];
  const pieces: string[] = [];
  let start = 0;
  for (let i = 1; i < count; i++) {
    const ideal = Math.round((text.length * i) / count);
    let cut = ideal;
    const ws = text.lastIndexOf(' ', ideal);
    if (ws >= 0 && ws + 1 > start && ideal - ws < 12) cut = ws + 1;
    if (cut <= start) cut = start + 1;
    if (cut >= text.length) break;
    pieces.push(text.slice(start, cut));
    start = cut;
  }
  pieces.push(text.slice(start));
  return pieces.filter((p) => p.length > 0);
}

/** Default number of SSE frames for an answer of this length. */
export function defaultChunkCount(text: string): number {
  return Math.max(1, Math.min(6, Math.ceil(text.length / 60)));
}

export function sseFrame(value: unknown): string {
  return `data: ${JSON.stringify(value)}\r\n\r\n`;
}

const STATUS_NAMES: Record<ErrorStatus, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  408: 'DEADLINE_EXCEEDED',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export const DEFAULT_ERROR_MESSAGES: Record<ErrorStatus, string> = {
  400: 'Request contains an invalid argument.',
  401: 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
  403: 'The caller does not have permission',
  404: 'Requested entity was not found.',
  408: 'Request timed out before the backend answered.',
  429: 'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.',
  500: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
  502: 'The service is temporarily unavailable (bad gateway).',
  503: 'The model is overloaded. Please try again later.',
  504: 'Deadline expired before operation could complete.',
};

export function statusName(code: number): string {
  return (STATUS_NAMES as Record<number, string | undefined>)[code] ?? 'UNKNOWN';
}

/** A google.rpc.Status body exactly as Google nests it: {"error":{code,message,status,details?}}. */
export function rpcStatusBody(code: number, message: string, details?: Array<Record<string, unknown>>, status?: string): RpcStatusBody {
  const error: RpcStatusBody['error'] = { code, message, status: status ?? statusName(code) };
  if (details && details.length > 0) error.details = details;
  return { error };
}

/** The details Google attaches to a quota 429 (QuotaFailure, Help, then RetryInfo when a delay is known). */
export function quotaDetails(model: string, retryDelay?: string): Array<Record<string, unknown>> {
  const details: Array<Record<string, unknown>> = [
    {
      '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
      violations: [
        {
          quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
          quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
          quotaDimensions: { location: 'global', model },
          quotaValue: '10',
        },
      ],
    },
    {
      '@type': 'type.googleapis.com/google.rpc.Help',
      links: [{ description: 'Learn more about Gemini API quotas', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }],
    },
  ];
  if (retryDelay !== undefined) details.push({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay });
  return details;
}

export const API_KEY_INVALID_MESSAGE = 'API key not valid. Please pass a valid API key.';

export function apiKeyInvalidBody(): RpcStatusBody {
  return rpcStatusBody(400, API_KEY_INVALID_MESSAGE, [
    {
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: 'API_KEY_INVALID',
      domain: 'googleapis.com',
      metadata: { service: 'generativelanguage.googleapis.com' },
    },
    { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: API_KEY_INVALID_MESSAGE },
  ]);
}

export function missingKeyBody(): RpcStatusBody {
  return rpcStatusBody(
    403,
    "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    undefined,
    'PERMISSION_DENIED',
  );
}

export function modelNotFoundBody(model: string, apiVersion: string, action: string): RpcStatusBody {
  return rpcStatusBody(
    404,
    `models/${model} is not found for API version ${apiVersion}, or is not supported for ${action}. Call ListModels to see the list of available models and their supported methods.`,
  );
}

/** Google pretty-prints error bodies with two-space indentation. */
export function errorJson(body: RpcStatusBody): string {
  return JSON.stringify(body, null, 2) + '\n';
}

// ---------------------------------------------------------------------------------------------
// Writing answers

export const JSON_TYPE = 'application/json; charset=UTF-8';
/** Headers Google's front end sends on every answer. */
export const GOOGLE_HEADERS: Record<string, string> = {
  vary: 'Origin, X-Origin, Referer',
  server: 'scaffolding on HTTPServer2',
  'x-xss-protection': '0',
  'x-frame-options': 'SAMEORIGIN',
  'x-content-type-options': 'nosniff',
};

export function countBody(totalTokens: number): CountTokensResponse {
  return { totalTokens, promptTokensDetails: [{ modality: 'TEXT', tokenCount: totalTokens }] };
}

/** `models.get`'s answer (a `Model` resource), as Google sends it for a known model. */
export function modelBody(model: string): Record<string, unknown> {
  return {
    name: `models/${model}`,
    version: '001',
    displayName: model.replace(/^gemini-/, 'Gemini ').replace(/-/g, ' '),
    inputTokenLimit: 1_048_576,
    outputTokenLimit: 65_536,
    supportedGenerationMethods: ['generateContent', 'countTokens', 'createCachedContent', 'batchGenerateContent'],
  };
}

export function sendJson(res: http.ServerResponse, status: number, value: unknown, extra?: Record<string, string>): void {
  const isError = status >= 400;
  const text = isError ? errorJson(value as RpcStatusBody) : JSON.stringify(value);
  res.writeHead(status, { ...GOOGLE_HEADERS, 'content-type': JSON_TYPE, 'server-timing': 'gfet4t7; dur=12', ...(extra ?? {}) });
  res.end(text);
}

export function startSse(res: http.ServerResponse): void {
  if (res.headersSent) return;
  res.writeHead(200, { ...GOOGLE_HEADERS, 'content-type': 'text/event-stream', 'content-disposition': 'attachment' });
  res.flushHeaders();
}

/** Resolves true once the data is handed to the socket, false if the client has gone away. */
export function write(res: http.ServerResponse, data: string): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return Promise.resolve(false);
  return new Promise((resolve) => res.write(data, (err) => resolve(!err && !res.destroyed)));
}
