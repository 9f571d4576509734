import * as zlib from 'node:zlib';
import type { Score, TraceRecord } from '../../shared/types';
import type { OutboxScoreEntry, OutboxTraceEntry } from '../opik/outbox';

/**
 * The journal's record framing. Every record is one frame:
 *
 *   magic u32 LE 'CDJ1' | bodyLength u32 LE | crc32(bodyLength bytes ‖ body) u32 LE | body
 *   body = kind u8 | codec version u8 | flags u8 | 0 | [summary length u32 LE | summary JSON] | UTF-8 JSON
 *
 * Flag 1 marks an optional summary section (trace records carry their index row there), so rebuilding
 * the index reads a few hundred bytes of JSON per trace instead of parsing whole payloads.
 *
 * The magic lets a reader resynchronise after a damaged frame (scan for the next magic whose frame checks
 * out); the checksum covers the length too, so a damaged length is caught instead of being trusted.
 */
export const MAGIC = 0x314a4443;
export const MAGIC_BYTES = Buffer.from([0x43, 0x44, 0x4a, 0x31]);
export const FRAME_HEADER = 12;
const BODY_PREFIX = 4;
/** Largest body accepted; a bigger length field means the frame is damaged. */
export const MAX_BODY = 256 * 1024 * 1024;
export const CODEC_VERSION = 1;

/**
 * Record kinds. The numbering is part of the file format: never reuse a number.
 * Kinds this version does not know (written by a newer CODI with the same store version) are kept:
 * the index remembers where they are and compaction copies them verbatim.
 */
export const RecordKind = {
  /** First record of every segment: who writes it, and for compacted segments, what it replaces. */
  Header: 1,
  /** Last record of a segment whose writer closed it cleanly (or rotated to a new segment). */
  Seal: 2,
  /** A whole trace (spans, scores, payloads). The index keeps its summary and location. */
  Trace: 3,
  /** Scores added to an existing trace later: user ratings, late judge scores. */
  Scores: 4,
  /** Tombstones: traces removed by retention, by the user, or by "Clear History". */
  Delete: 5,
  /**
   * A prompt version's unrendered template (name, version, system, user), written once per version: just
   * before (in the same write as) the first trace that used it. Several writers may each write the same
   * version; the copies are identical and the store lists the version once. Never removed by retention or
   * "Clear History" (they are tiny and old traces name them); compaction keeps one copy per version.
   */
  PromptVersion: 6,
  /** A trace's whole annotation (review state, note, labels) after a change; the latest wins (annotations.ts). */
  Annotation: 7,
  // 16–31 belong to the Opik export outbox kept in this store (outboxRecords.ts, the OutboxStore port of
  // src/core/opik/outbox.ts). Both kinds carry an `OutboxBody`, the whole new state of one entry (a
  // trace's delivery, or its pending score update), and are indexed alike (table `outbox`, latest `rev`
  // wins); compaction copies only each entry's latest record. 18–31 stay reserved.
  /** A trace (queue 'trace') or a score update (queue 'scores') was queued. */
  OutboxEnqueue: 16,
  /** An outbox entry changed: sent, failed (attempts, next attempt), retried, score update cleared. */
  OutboxState: 17,
} as const;
export type RecordKindValue = (typeof RecordKind)[keyof typeof RecordKind];

export type SegmentRole = 'writer' | 'compact' | 'migration';

export interface HeaderBody {
  format: 'codi-journal';
  /** Store version (manifest) the segment was written under. */
  schema: number;
  name: string;
  role: SegmentRole;
  pid: number;
  host: string;
  /** When the writing process started (epoch ms), to tell a reused pid from the writer. */
  processStart: number;
  created: number;
  /** Compacted segments: the names of the segments whose live records this one holds. */
  supersedes?: string[];
}
export interface SealBody {
  at: number;
}
export interface TraceBody {
  at: number;
  trace: TraceRecord;
}
export interface ScoresBody {
  at: number;
  /** Unique per record, so a copy made by compaction is not counted twice. */
  key: string;
  traceId: string;
  scores: Score[];
}
export interface PromptVersionBody {
  /** When this copy was written (the earliest copy's time is the version's "first seen"). */
  at: number;
  name: string;
  version: string;
  system: string;
  user: string;
}
/** Kinds 16 and 17: one outbox entry's whole new state (the entry types are the outbox port's). */
export interface OutboxBody {
  at: number;
  /** Unique per record, so a copy made by compaction is recognised as the same record. */
  key: string;
  traceId: string;
  /** 'trace': Opik delivery; 'scores': Opik score update; 'experiment': an experiment's Opik delivery, keyed by its
   * run id (in `traceId`); 'otlp': OTLP push delivery (outboxRecords.ts). */
  queue: 'trace' | 'scores' | 'experiment' | 'otlp';
  /** One more than the entry's revision the writer saw (under the outbox lock); the highest wins. */
  rev: number;
  /** The new state; null = no score update pending (queue 'scores'), or a delivery given up (queue 'trace', `codi opik sync --drop-failed`). */
  entry: OutboxTraceEntry | OutboxScoreEntry | null;
}
export interface DeleteBody {
  at: number;
  ids: string[];
  reason: 'retention' | 'clear' | 'user' | 'compaction';
}

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

function crc32Js(data: Uint8Array, prev = 0): number {
  let c = ~prev;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** CRC-32 (IEEE): zlib's native one where Node has it (20.15+), else a table version. */
export const crc32: (data: Uint8Array, prev?: number) => number =
  typeof (zlib as { crc32?: unknown }).crc32 === 'function' ? (d, p = 0) => (zlib as unknown as { crc32(d: Uint8Array, p: number): number }).crc32(d, p) : crc32Js;

const FLAG_SUMMARY = 1;

/** Encodes one record as a frame, with an optional summary section. */
export function encodeRecord(kind: number, body: unknown, summary?: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(body), 'utf8');
  const sum = summary === undefined ? null : Buffer.from(JSON.stringify(summary), 'utf8');
  const sumLen = sum ? 4 + sum.length : 0;
  const bodyLen = BODY_PREFIX + sumLen + json.length;
  if (bodyLen > MAX_BODY) throw new Error(`A trace store record of ${bodyLen} bytes is larger than the ${MAX_BODY}-byte limit.`);
  const frame = Buffer.allocUnsafe(FRAME_HEADER + bodyLen);
  frame.writeUInt32LE(MAGIC, 0);
  frame.writeUInt32LE(bodyLen, 4);
  frame[12] = kind;
  frame[13] = CODEC_VERSION;
  frame[14] = sum ? FLAG_SUMMARY : 0;
  frame[15] = 0;
  if (sum) {
    frame.writeUInt32LE(sum.length, FRAME_HEADER + BODY_PREFIX);
    sum.copy(frame, FRAME_HEADER + BODY_PREFIX + 4);
  }
  json.copy(frame, FRAME_HEADER + BODY_PREFIX + sumLen);
  frame.writeUInt32LE(frameCrc(frame, bodyLen), 8);
  return frame;
}

function frameCrc(frame: Buffer, bodyLen: number): number {
  return crc32(frame.subarray(FRAME_HEADER, FRAME_HEADER + bodyLen), crc32(frame.subarray(4, 8)));
}

export interface RawRecord {
  kind: number;
  version: number;
  /** Offset of the frame in its segment, and the frame's total length. */
  off: number;
  len: number;
  /** The JSON part of the body. */
  json: Buffer;
  /** The summary section's JSON, if the record has one. */
  summary: Buffer | null;
}

export type FrameCheck =
  | { ok: true; record: RawRecord }
  /** The frame runs past the bytes available: still being written, or torn. */
  | { ok: false; reason: 'short'; need: number }
  | { ok: false; reason: 'magic' | 'length' | 'checksum' | 'layout' };

/** Checks the frame at `buf[0..]` (file offset `off`); `buf` may hold more than one frame. */
export function checkFrame(buf: Buffer, off: number): FrameCheck {
  if (buf.length < FRAME_HEADER) return { ok: false, reason: 'short', need: FRAME_HEADER };
  if (buf.readUInt32LE(0) !== MAGIC) return { ok: false, reason: 'magic' };
  const bodyLen = buf.readUInt32LE(4);
  if (bodyLen < BODY_PREFIX || bodyLen > MAX_BODY) return { ok: false, reason: 'length' };
  const len = FRAME_HEADER + bodyLen;
  if (buf.length < len) return { ok: false, reason: 'short', need: len };
  if (frameCrc(buf, bodyLen) !== buf.readUInt32LE(8)) return { ok: false, reason: 'checksum' };
  let start = FRAME_HEADER + BODY_PREFIX;
  let summary: Buffer | null = null;
  if (buf[14]! & FLAG_SUMMARY) {
    if (start + 4 > len || start + 4 + buf.readUInt32LE(start) > len) return { ok: false, reason: 'layout' };
    summary = buf.subarray(start + 4, start + 4 + buf.readUInt32LE(start));
    start += 4 + summary.length;
  }
  return { ok: true, record: { kind: buf[12]!, version: buf[13]!, off, len, json: buf.subarray(start, len), summary } };
}

export function parseBody<T>(r: RawRecord): T {
  return JSON.parse(r.json.toString('utf8')) as T;
}
