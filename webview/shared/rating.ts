/**
 * The user's own rating of a run: thumbs up/down (`#rate-up`, `#rate-down`) and, in the trace panel, 1–5 stars
 * (`.star[data-value]` in a radio group). A choice shows at once and is sent with `rate`; it is reverted when
 * the host could not store it, and the host's own state wins as soon as it reports a new rating.
 */
import type { UserRating } from '../../src/shared/protocol';
import type { Score } from '../../src/shared/types';
import { h, icon } from './dom';

export type SendRating = (traceId: string, rating: UserRating) => Promise<unknown>;

export const sameRating = (a: UserRating | null, b: UserRating | null): boolean =>
  a === b || (a !== null && b !== null && a.kind === b.kind && a.value === b.value);

/** The trace-level `user` score named `rating`, which the host writes for `rate`. */
export const isUserRatingScore = (s: Score): boolean => s.source === 'user' && s.name === 'rating' && !s.spanId;

/**
 * A rating score (0..1) back as the user gave it. The host writes the kind into the score's reason
 * ("thumbs" or "stars"); without it, 0 and 1 read as thumbs and anything else as stars.
 */
export function ratingFromScore(s: Score): UserRating | null {
  if (!Number.isFinite(s.value)) return null;
  const v = Math.max(0, Math.min(1, s.value));
  const kind = /^\s*(thumbs|stars)\b/i.exec(s.reason ?? '')?.[1]?.toLowerCase() ?? (v === 0 || v === 1 ? 'thumbs' : 'stars');
  return kind === 'thumbs' ? { kind: 'thumbs', value: v >= 0.5 ? 1 : 0 } : { kind: 'stars', value: Math.round(v * 4) + 1 };
}

/** The latest user rating among a trace's scores, or null. */
export function ratingFromScores(scores: readonly Score[]): UserRating | null {
  const found = scores.filter(isUserRatingScore);
  const last = found[found.length - 1];
  return last ? ratingFromScore(last) : null;
}

export interface RatingOptions {
  send: SendRating;
  /** Offer 1–5 stars besides thumbs. */
  stars: boolean;
  /** A visible label before the buttons; without it the group is labelled for screen readers only. */
  label?: string;
}

const STAR_VALUES = [1, 2, 3, 4, 5] as const;
/** Arrow keys move through the stars quickly; only the star the user stops on is sent. */
const KEY_DEBOUNCE_MS = 400;

function thumbButton(id: string, label: string, onClick: () => void): HTMLButtonElement {
  return h('button', { id, class: 'icon-button rate-thumb', title: label, attrs: { type: 'button', 'aria-pressed': 'false', 'aria-label': label }, on: { click: onClick } });
}

export class RatingControl {
  readonly root: HTMLDivElement;
  private readonly up: HTMLButtonElement;
  private readonly down: HTMLButtonElement;
  private readonly stars: HTMLButtonElement[] = [];
  private readonly note: HTMLSpanElement;
  private readonly status: HTMLSpanElement;
  private traceId: string | null = null;
  /** What the host last reported. */
  private host: UserRating | null = null;
  /** What the host acknowledged but has not reported back yet. */
  private confirmed: UserRating | null = null;
  /** Shown but not acknowledged yet. */
  private pending: UserRating | null = null;
  private error: string | null = null;
  private seq = 0;
  private timer = 0;

  constructor(private readonly opts: RatingOptions) {
    this.up = thumbButton('rate-up', 'Helpful', () => this.choose({ kind: 'thumbs', value: 1 }));
    this.down = thumbButton('rate-down', 'Not helpful', () => this.choose({ kind: 'thumbs', value: 0 }));
    this.note = h('span', { id: 'rating-note', class: 'rating-note hidden' });
    this.status = h('span', { id: 'rating-status', class: 'rating-status', attrs: { 'aria-live': 'polite' } });
    const label = opts.label ? h('span', { id: 'rating-label', class: 'rating-label' }, opts.label) : null;
    this.root = h('div', {
      id: 'rating',
      class: 'rating',
      role: 'group',
      attrs: label ? { 'aria-labelledby': 'rating-label' } : { 'aria-label': 'Rate this result' },
    });
    if (label) this.root.append(label);
    this.root.append(h('span', { class: 'rating-thumbs' }, this.up, this.down));
    if (opts.stars) this.root.append(this.starGroup());
    else this.root.append(this.note);
    this.root.append(this.status);
    this.paint();
  }

  /** Called with every host snapshot; `enabled` decides whether the control is shown at all. */
  update(traceId: string | null, hostRating: UserRating | null, enabled: boolean): void {
    if (traceId !== this.traceId) {
      this.traceId = traceId;
      this.seq++;
      window.clearTimeout(this.timer);
      this.timer = 0;
      this.pending = this.confirmed = null;
      this.error = null;
      this.host = hostRating;
    } else if (!sameRating(hostRating, this.host)) {
      // The host reported a change: it is newer than anything acknowledged before.
      this.host = hostRating;
      this.confirmed = null;
    }
    this.root.classList.toggle('hidden', !enabled || !traceId);
    this.paint();
  }

  /** The rating on screen. */
  get shown(): UserRating | null {
    return this.pending ?? this.confirmed ?? this.host;
  }

  private starGroup(): HTMLElement {
    for (const n of STAR_VALUES) {
      const label = `${n} star${n > 1 ? 's' : ''}`;
      this.stars.push(
        h('button', {
          class: 'icon-button star',
          role: 'radio',
          title: `${n} of 5`,
          attrs: { type: 'button', 'data-value': String(n), 'aria-checked': 'false', 'aria-label': label },
          on: { click: () => this.choose({ kind: 'stars', value: n }) },
        }),
      );
    }
    return h('span', { id: 'rate-stars', class: 'stars', role: 'radiogroup', attrs: { 'aria-label': 'Stars' }, on: { keydown: (e) => this.onStarKey(e) } }, ...this.stars);
  }

  private onStarKey(e: KeyboardEvent): void {
    const from = Number((e.target as HTMLElement).dataset.value ?? this.checkedStar() ?? 1);
    let to: number | null = null;
    if (e.key === 'ArrowRight' || e.key === 'ArrowUp') to = Math.min(5, from + 1);
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowDown') to = Math.max(1, from - 1);
    else if (e.key === 'Home') to = 1;
    else if (e.key === 'End') to = 5;
    else if (/^[1-5]$/.test(e.key)) to = Number(e.key);
    if (to === null) return;
    e.preventDefault();
    this.choose({ kind: 'stars', value: to }, e.key.startsWith('Arrow'));
    this.stars[to - 1]?.focus();
  }

  private checkedStar(): number | null {
    const r = this.shown;
    return r?.kind === 'stars' ? r.value : null;
  }

  private choose(rating: UserRating, debounce = false): void {
    if (!this.traceId || sameRating(rating, this.shown)) return;
    const seq = ++this.seq;
    this.pending = rating;
    this.error = null;
    window.clearTimeout(this.timer);
    this.timer = 0;
    this.paint();
    if (debounce) {
      this.timer = window.setTimeout(() => {
        this.timer = 0;
        this.flush(seq, rating);
      }, KEY_DEBOUNCE_MS);
    } else this.flush(seq, rating);
  }

  private flush(seq: number, rating: UserRating): void {
    const traceId = this.traceId;
    if (!traceId) return;
    this.opts.send(traceId, rating).then(
      () => {
        if (traceId !== this.traceId) return;
        this.confirmed = rating;
        if (seq === this.seq) this.pending = null;
        this.paint();
      },
      (err: unknown) => {
        console.error('[codi] rate failed', err);
        if (seq !== this.seq) return;
        this.pending = null;
        this.error = err instanceof Error ? err.message : String(err);
        this.paint();
      },
    );
  }

  private paint(): void {
    const r = this.shown;
    const up = r?.kind === 'thumbs' && r.value === 1;
    const down = r?.kind === 'thumbs' && r.value === 0;
    for (const [b, on, name] of [[this.up, up, 'thumbsup'], [this.down, down, 'thumbsdown']] as const) {
      b.setAttribute('aria-pressed', String(on));
      b.replaceChildren(icon(on ? `${name}-filled` : name));
    }
    const value = this.checkedStar();
    this.stars.forEach((b, i) => {
      const n = i + 1;
      b.setAttribute('aria-checked', String(n === value));
      b.tabIndex = n === (value ?? 1) ? 0 : -1;
      b.classList.toggle('filled', value !== null && n <= value);
      b.replaceChildren(icon(value !== null && n <= value ? 'star-full' : 'star-empty'));
    });
    this.root.dataset.rating = r ? `${r.kind}:${r.value}` : '';
    this.root.classList.toggle('saving', this.pending !== null);
    // The result panel has thumbs only: a star rating given in the trace panel is shown as a note.
    const starNote = !this.opts.stars && r?.kind === 'stars';
    this.note.classList.toggle('hidden', !starNote);
    this.note.replaceChildren(...(starNote ? [icon('star-full'), `${r.value}/5`] : []));
    this.note.title = starNote ? `You rated this ${r.value} of 5 stars in the trace panel` : '';
    this.status.replaceChildren(...(this.error ? [icon('warning'), 'Not saved', h('span', { class: 'sr-only' }, `: ${this.error}`)] : []));
    this.status.title = this.error ? `Your rating was not saved: ${this.error}` : '';
    this.status.classList.toggle('hidden', !this.error);
  }
}
