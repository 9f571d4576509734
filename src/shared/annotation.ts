/** Review and annotation of a trace (issue 13 §3): one vocabulary for the store, the panels, the CLI and Opik. */

export type ReviewState = 'queued' | 'reviewed';

/** The whole annotation of one trace; every change writes a new copy and the latest wins. */
export interface TraceAnnotation {
  /** In the review queue, reviewed, or neither. */
  review: ReviewState | null;
  /** When it was (last) put in the queue, epoch ms. */
  queuedAt: number | null;
  /** When it was marked reviewed, epoch ms. */
  reviewedAt: number | null;
  /** Free text; '' for none. Exported to Opik as a trace comment. */
  note: string;
  /** Labels from `codi.annotation.labels` (or any the CLI was given); exported as categorical feedback scores. */
  labels: string[];
  /** When this annotation last changed, epoch ms. */
  updatedAt: number;
  /** Labels removed since they were set (absent on older records): the Opik export deletes their scores. */
  removedLabels?: string[];
  /** Id of the note's Opik comment (a UUIDv7 made with the first note), so a re-send updates it instead of adding one. */
  commentId: string | null;
}

/** A change to an annotation; omitted fields stay as they are. */
export interface AnnotationChange {
  review?: ReviewState | null;
  note?: string;
  /** Replaces the labels. */
  labels?: string[];
  /** Added to the labels (the CLI's repeated --label). */
  addLabels?: string[];
}

export const DEFAULT_ANNOTATION_LABELS: readonly string[] = ['correct', 'hallucination', 'unclear', 'too long', 'wrong language'];

/** Longest note kept (Opik comments are text; a note is a reviewer's remark, not a document). */
export const NOTE_MAX_CHARS = 10_000;
export const LABEL_MAX_CHARS = 60;

/** A label as stored: trimmed, inner whitespace collapsed; null when empty or too long. */
export function cleanLabel(label: string): string | null {
  const l = label.trim().replace(/\s+/g, ' ');
  return l && l.length <= LABEL_MAX_CHARS ? l : null;
}

export function emptyAnnotation(now: number): TraceAnnotation {
  return { review: null, queuedAt: null, reviewedAt: null, note: '', labels: [], updatedAt: now, commentId: null };
}

/**
 * The annotation after `change`: queuing stamps queuedAt (kept if it was already queued), reviewing stamps
 * reviewedAt, clearing the review clears both. `newId` makes the comment id the first time a note is set.
 */
export function applyAnnotationChange(prev: TraceAnnotation | null, change: AnnotationChange, now: number, newId: () => string): TraceAnnotation {
  const a: TraceAnnotation = { ...(prev ?? emptyAnnotation(now)), updatedAt: now };
  if (change.review !== undefined) {
    if (change.review === 'queued') {
      if (a.review !== 'queued') a.queuedAt = now;
      a.reviewedAt = null;
    } else if (change.review === 'reviewed') {
      a.reviewedAt = now;
    } else {
      a.queuedAt = null;
      a.reviewedAt = null;
    }
    a.review = change.review;
  }
  if (change.note !== undefined) a.note = change.note.trim().slice(0, NOTE_MAX_CHARS);
  const labels = change.labels ?? [...a.labels, ...(change.addLabels ?? [])];
  a.labels = [...new Set(labels.map(cleanLabel).filter((l): l is string => l !== null))];
  const removed = [...(prev?.removedLabels ?? []), ...(prev?.labels ?? [])].filter((l) => !a.labels.includes(l));
  a.removedLabels = [...new Set(removed)];
  if (a.note && !a.commentId) a.commentId = newId();
  return a;
}

/** One line for tooltips and the CLI: "to review · hallucination, unclear · “note…”". */
export function annotationLine(a: TraceAnnotation | null | undefined, noteChars = 80): string | null {
  if (!a) return null;
  const parts: string[] = [];
  if (a.review === 'queued') parts.push('to review');
  if (a.review === 'reviewed') parts.push('reviewed');
  if (a.labels.length) parts.push(a.labels.join(', '));
  if (a.note) parts.push(`“${a.note.length > noteChars ? `${a.note.slice(0, noteChars - 1)}…` : a.note}”`);
  return parts.length ? parts.join(' · ') : null;
}

/** A user's rating of a trace: thumbs (1 up, 0 down) or stars (1..5). */
export interface RatingInput {
  kind: 'thumbs' | 'stars';
  value: number;
}

/** The user score a rating is stored as, by the panels and `codi traces rate` alike: "rating", 0..1 (stars n → (n-1)/4), the kind in `reason`. */
export function ratingScore(r: RatingInput): { name: 'rating'; value: number; reason: string; source: 'user'; spanId: null } {
  return { name: 'rating', value: r.kind === 'thumbs' ? r.value : (r.value - 1) / 4, reason: r.kind, source: 'user', spanId: null };
}
