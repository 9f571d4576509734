import { scoreBand, type ScoreBand } from '../../src/shared/types';
import { formatScore } from './format';
import { h, icon } from './dom';

const bandIcon: Record<ScoreBand, string> = {
  good: 'pass-filled',
  fair: 'warning',
  poor: 'error',
  none: 'circle-large-outline',
};

const bandWord: Record<ScoreBand, string> = {
  good: 'good',
  fair: 'fair',
  poor: 'poor',
  none: 'not scored',
};

export interface BadgeOptions {
  /** Shown before the value, e.g. "Quality". */
  label?: string;
  /** What is scored, for the tooltip and screen readers when there is no visible label. */
  name?: string;
  /** Tooltip; defaults to "Quality 0.86 (good)". */
  title?: string;
  /** Smaller variant for table rows. */
  compact?: boolean;
  /**
   * A compact badge that is not a `.badge` (class `mini-badge`), for per-row scores inside a panel whose one
   * `.badge` is its overall score.
   */
  mini?: boolean;
}

/**
 * A score badge: codicon plus value, coloured by band through theme variables (see .badge-* in base.css),
 * so it follows light, dark and high-contrast themes. `data-band` and `data-score` let tests read it.
 */
export function scoreBadge(score: number | null | undefined, opts: BadgeOptions = {}): HTMLSpanElement {
  const band = scoreBand(score);
  const value = band === 'none' ? '—' : formatScore(score);
  const label = opts.label ?? opts.name ?? 'Quality';
  const el = h(
    'span',
    {
      class: `${opts.mini ? 'mini-badge' : 'badge'} badge-${band}${opts.compact || opts.mini ? ' badge-compact' : ''}`,
      title: opts.title ?? `${label} ${value} (${bandWord[band]})`,
      role: 'img',
      attrs: {
        'data-band': band,
        'data-score': band === 'none' ? '' : String(score),
        'aria-label': `${label} ${value}, ${bandWord[band]}`,
      },
    },
    icon(bandIcon[band]),
    opts.label ? h('span', { class: 'badge-label' }, opts.label) : null,
    h('span', { class: 'badge-value' }, value),
  );
  return el;
}

/** A horizontal meter for a 0..1 score, coloured by the same bands. */
export function scoreMeter(score: number | null | undefined, label: string): HTMLDivElement {
  const band = scoreBand(score);
  const fill = h('div', { class: 'meter-fill' });
  const clamped = band === 'none' ? 0 : Math.max(0, Math.min(1, score ?? 0));
  fill.style.width = `${(clamped * 100).toFixed(1)}%`;
  return h(
    'div',
    {
      class: `meter meter-${band}`,
      role: 'meter',
      attrs: {
        'aria-label': label,
        'aria-valuemin': '0',
        'aria-valuemax': '1',
        'aria-valuenow': band === 'none' ? '0' : String(clamped),
      },
    },
    fill,
  );
}
