/**
 * The trace panel's "Review" section: the review state (`#review-status`), Mark for Review / Mark Reviewed
 * (`#review-queue`, `#review-done`), labels as toggle buttons (`.review-label[data-label]`, aria-pressed)
 * and a note (`#review-note`, saved by `#review-save`). Kept across renders, so a note being typed survives
 * a state update from the host; the host's stored note replaces it only when the user has not edited it.
 */
import type { AnnotationChange, TraceAnnotation } from '../../src/shared/annotation';
import { NOTE_MAX_CHARS } from '../../src/shared/annotation';
import { formatAbsoluteTime, formatRelativeTime } from '../shared/format';
import { clear, h, icon } from '../shared/dom';

export type SendAnnotation = (traceId: string, change: AnnotationChange) => Promise<unknown>;

export class ReviewControl {
  readonly root: HTMLElement;
  private readonly status = h('div', { id: 'review-status', class: 'review-status', role: 'status' });
  private readonly actions = h('div', { class: 'review-actions' });
  private readonly labelGroup = h('div', { id: 'review-labels', class: 'review-labels', role: 'group', attrs: { 'aria-label': 'Labels' } });
  private readonly note = h('textarea', { id: 'review-note', class: 'review-note', attrs: { rows: '3', maxlength: String(NOTE_MAX_CHARS), placeholder: 'What is right or wrong with this answer?', 'aria-label': 'Review note' } });
  private readonly saveButton: HTMLElement;
  private readonly error = h('div', { id: 'review-error', class: 'review-error', role: 'alert' });
  private traceId: string | null = null;
  private annotation: TraceAnnotation | null = null;
  /** The note as last stored; the textarea is "dirty" while it differs. */
  private storedNote = '';
  private busy = false;

  constructor(private readonly send: SendAnnotation) {
    this.saveButton = h('vscode-button', { id: 'review-save', attrs: { secondary: '' }, on: { click: () => void this.change({ note: this.note.value }) } }, 'Save Note');
    this.note.addEventListener('input', () => this.syncSave());
    this.root = h(
      'section',
      { id: 'review', class: 'section review' },
      h('h2', { class: 'section-title' }, 'Review'),
      this.status,
      this.actions,
      this.labelGroup,
      h('label', { class: 'review-note-label muted', attrs: { for: 'review-note' } }, 'Note (sent to Opik as a comment when export is on)'),
      this.note,
      h('div', { class: 'review-note-actions' }, this.saveButton),
      this.error,
    );
  }

  /** Shows a trace's annotation; `labels` are the configured ones (the trace's own are added); null trace = read-only. */
  update(traceId: string | null, annotation: TraceAnnotation | null, labels: readonly string[]): void {
    const other = traceId !== this.traceId;
    this.traceId = traceId;
    this.annotation = annotation;
    const stored = annotation?.note ?? '';
    if (other || this.note.value === this.storedNote) this.note.value = stored;
    this.storedNote = stored;
    if (other) this.error.textContent = '';
    this.render([...new Set([...labels, ...(annotation?.labels ?? [])])]);
  }

  private render(labels: string[]): void {
    const a = this.annotation;
    const off = this.traceId === null;
    clear(this.status);
    if (a?.review === 'queued' && a.queuedAt !== null) this.status.append(icon('eye'), h('span', { title: formatAbsoluteTime(a.queuedAt) }, `To review · marked ${formatRelativeTime(a.queuedAt)}`));
    else if (a?.review === 'reviewed' && a.reviewedAt !== null) this.status.append(icon('pass'), h('span', { title: formatAbsoluteTime(a.reviewedAt) }, `Reviewed ${formatRelativeTime(a.reviewedAt)}`));
    else this.status.append(h('span', { class: 'muted' }, 'Not in the review queue.'));
    clear(this.actions);
    const button = (id: string, text: string, change: AnnotationChange, secondary = false) =>
      h('vscode-button', { id, attrs: { ...(secondary ? { secondary: '' } : {}), ...(off ? { disabled: '' } : {}) }, on: { click: () => void this.change(change) } }, text);
    if (a?.review === 'queued') this.actions.append(button('review-done', 'Mark Reviewed', { review: 'reviewed' }), button('review-remove', 'Remove from Queue', { review: null }, true));
    else this.actions.append(button('review-queue', a?.review === 'reviewed' ? 'Review Again' : 'Mark for Review', { review: 'queued' }, a?.review === 'reviewed'));
    clear(this.labelGroup);
    const on = new Set(a?.labels ?? []);
    for (const l of labels) {
      const pressed = on.has(l);
      this.labelGroup.append(
        h(
          'button',
          {
            class: `review-label${pressed ? ' on' : ''}`,
            attrs: { type: 'button', 'data-label': l, 'aria-pressed': String(pressed), ...(off ? { disabled: '' } : {}) },
            on: { click: () => void this.change({ labels: pressed ? [...on].filter((x) => x !== l) : [...on, l] }) },
          },
          pressed ? icon('check') : icon('tag'),
          l,
        ),
      );
    }
    this.note.disabled = off;
    this.syncSave();
  }

  private syncSave(): void {
    const dirty = this.note.value.trim() !== this.storedNote;
    if (dirty && this.traceId && !this.busy) this.saveButton.removeAttribute('disabled');
    else this.saveButton.setAttribute('disabled', '');
  }

  /** Sends a change; a note being typed goes with "Mark Reviewed" so it is not lost. */
  private async change(change: AnnotationChange): Promise<void> {
    if (!this.traceId || this.busy) return;
    const c: AnnotationChange = change.review === 'reviewed' && this.note.value.trim() !== this.storedNote ? { ...change, note: this.note.value } : change;
    this.busy = true;
    this.error.textContent = '';
    try {
      await this.send(this.traceId, c);
      if (c.note !== undefined) this.storedNote = c.note.trim();
    } catch (err) {
      this.error.textContent = `Not saved: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      this.busy = false;
      this.syncSave();
    }
  }
}
