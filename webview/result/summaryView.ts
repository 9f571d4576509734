import type { ResultViewState } from '../../src/shared/protocol';
import type { CodStep } from '../../src/shared/types';
import { scoreBadge } from '../shared/badge';
import { h, icon } from '../shared/dom';
import { formatScore, formatTokens } from '../shared/format';
import { renderInlineMarkdownInto, renderMarkdownInto } from '../shared/markdown';
import type { BodyView } from './view';

/** What one row depends on; a row is rebuilt only when this changes, so focus and selection survive updates. */
interface RowInput {
  step: CodStep;
  recommended: boolean;
  expanded: boolean;
  judging: boolean;
  maxDensity: number;
}

interface Row {
  el: HTMLLIElement;
  key: string;
}

const densityText = (d: number): string => (Number.isFinite(d) ? d.toFixed(3) : '—');

/** One line of plain text for a collapsed row; the full summary is rendered as Markdown when expanded. */
const preview = (summary: string): string => summary.replace(/[`*_#>[\]]/g, '').replace(/\s+/g, ' ').trim();

function density(d: number, max: number): HTMLElement {
  const fill = h('span', { class: 'density-fill' });
  fill.style.width = `${max > 0 && Number.isFinite(d) ? Math.max(4, Math.min(100, (d / max) * 100)).toFixed(1) : 0}%`;
  return h(
    'span',
    {
      class: 'density',
      title: `Entity density ${densityText(d)}: distinct entities so far per token`,
      attrs: { 'data-density': String(d) },
    },
    h('span', { class: 'density-bar', attrs: { 'aria-hidden': 'true' } }, fill),
    h('span', { class: 'density-value' }, densityText(d), h('span', { class: 'density-unit' }, ' ent/tok')),
  );
}

function scoreCell(step: CodStep, judging: boolean): HTMLElement {
  if (step.score !== null) {
    return scoreBadge(step.score, { mini: true, name: `Step ${step.index} quality`, title: `Step ${step.index} quality ${formatScore(step.score)}${step.reason ? `: ${step.reason}` : ''}` });
  }
  if (judging) return h('span', { class: 'muted', title: 'The judge is scoring this step' }, icon('loading', 'codicon-modifier-spin'));
  return h('span', { class: 'muted', title: 'Not scored' }, '—');
}

function stepBody(step: CodStep, bodyId: string): HTMLElement {
  const summary = h('div', { class: 'step-summary markdown-body' });
  renderMarkdownInto(summary, step.summary);
  const entities = step.entitiesAdded.length
    ? h('ul', { class: 'entities', attrs: { 'aria-label': 'Entities added in this step' } }, ...step.entitiesAdded.map((e) => h('li', { class: 'entity', title: e }, e)))
    : h('span', { class: 'muted' }, 'None');
  return h(
    'div',
    { class: 'step-body', id: bodyId, role: 'region', attrs: { 'aria-label': `Step ${step.index}` } },
    summary,
    h('div', { class: 'step-field' }, h('span', { class: 'step-field-label' }, 'Added'), entities),
    step.reason ? h('div', { class: 'step-field step-judge' }, h('span', { class: 'step-field-label' }, 'Judge'), renderInlineMarkdownInto(h('span', { class: 'step-reason' }), step.reason)) : null,
    h('div', { class: 'step-field step-sizes' }, h('span', { class: 'step-field-label' }, 'Size'), h('span', null, `${formatTokens(step.words)} words · ${formatTokens(step.tokens)} tokens`)),
  );
}

function stepRow(r: RowInput, toggle: (index: number) => void): HTMLLIElement {
  const { step } = r;
  const bodyId = `step-body-${step.index}`;
  const main = r.recommended
    ? h('span', { class: 'step-main' }, h('span', { class: 'recommended-label' }, icon('star-full'), 'Recommended'), r.expanded ? null : h('span', { class: 'step-preview' }, preview(step.summary)))
    : h('span', { class: 'step-main' }, r.expanded ? null : h('span', { class: 'step-preview' }, preview(step.summary)));
  const head = h(
    'div',
    {
      class: 'step-head',
      role: 'button',
      attrs: { tabindex: '0', 'aria-expanded': String(r.expanded), 'aria-controls': bodyId },
      on: {
        click: () => toggle(step.index),
        keydown: (e) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            toggle(step.index);
          }
        },
      },
    },
    icon(r.expanded ? 'chevron-down' : 'chevron-right', 'twistie'),
    h('span', { class: 'step-number' }, String(step.index)),
    main,
    h('span', { class: 'step-words num', title: 'Words' }, formatTokens(step.words)),
    h('span', { class: 'step-tokens num', title: 'Tokens' }, formatTokens(step.tokens)),
    density(step.entityDensity, r.maxDensity),
    h('span', { class: 'step-score' }, scoreCell(step, r.judging)),
  );
  return h(
    'li',
    {
      class: `cod-step${r.recommended ? ' recommended' : ''}${r.expanded ? ' expanded' : ''}`,
      attrs: { 'data-index': String(step.index), 'data-score': step.score === null ? '' : String(step.score) },
    },
    head,
    r.expanded ? stepBody(step, bodyId) : null,
  );
}

const columnHead = (): HTMLElement =>
  h(
    'div',
    { class: 'steps-head', attrs: { 'aria-hidden': 'true' } },
    h('span', { class: 'step-number' }, '#'),
    h('span', { class: 'step-main' }, 'Summary'),
    h('span', { class: 'step-words num' }, 'Words'),
    h('span', { class: 'step-tokens num' }, 'Tokens'),
    h('span', { class: 'density-head' }, 'Density'),
    h('span', { class: 'step-score' }, 'Score'),
  );

/** Chain of Density: each step's summary with what it added, how dense it is, and the judge's score. */
export class SummaryView implements BodyView {
  private readonly list = h('ol', { id: 'steps', class: 'cod-steps', attrs: { 'aria-label': 'Chain-of-Density steps' } });
  private readonly pending = h('li', { class: 'cod-step-pending muted', attrs: { 'aria-live': 'polite' } });
  private readonly empty = h('div', { class: 'placeholder muted' });
  private readonly count = h('span', { class: 'count' });
  readonly root = h(
    'section',
    { id: 'summary', class: 'section summary-view' },
    h('h2', { class: 'section-title' }, 'Chain of Density', this.count),
    h('div', { class: 'steps-table' }, columnHead(), this.list),
    this.empty,
  );
  readonly copyTitle = 'Copy the recommended summary';
  private readonly rows = new Map<number, Row>();
  /** Steps the reader opened or closed; they keep that choice while the run goes on. */
  private readonly toggled = new Map<number, boolean>();
  private traceId: string | null = null;
  private last: ResultViewState | null = null;

  render(s: ResultViewState): void {
    if (s.traceId !== this.traceId) {
      this.traceId = s.traceId;
      this.toggled.clear();
    }
    this.last = s;
    const steps = s.steps ?? [];
    const recommended = s.recommendedStep ?? null;
    const maxDensity = Math.max(0, ...steps.map((st) => (Number.isFinite(st.entityDensity) ? st.entityDensity : 0)));
    const latest = steps.length ? steps[steps.length - 1].index : null;
    // The recommended step is open; until there is one, the newest, so the stream can be read as it arrives.
    const openByDefault = recommended ?? latest;
    const judging = s.status === 'judging' || (s.judgeStatus === 'pending' && s.status === 'done');

    const wanted: HTMLLIElement[] = [];
    const seen = new Set<number>();
    for (const step of steps) {
      const input: RowInput = {
        step,
        recommended: step.index === recommended,
        expanded: this.toggled.get(step.index) ?? step.index === openByDefault,
        judging,
        maxDensity,
      };
      const key = JSON.stringify(input);
      let row = this.rows.get(step.index);
      if (!row || row.key !== key) {
        const el = stepRow(input, (i) => this.toggle(i));
        const hadFocus = row?.el.contains(document.activeElement) ?? false;
        row?.el.replaceWith(el);
        row = { el, key };
        this.rows.set(step.index, row);
        if (hadFocus) el.querySelector<HTMLElement>('.step-head')?.focus();
      }
      seen.add(step.index);
      wanted.push(row.el);
    }
    for (const [index, row] of this.rows) {
      if (!seen.has(index)) {
        row.el.remove();
        this.rows.delete(index);
      }
    }
    // Insert in order without moving rows that are already in place (moving a focused node blurs it).
    let cursor: ChildNode | null = this.list.firstChild;
    for (const el of wanted) {
      if (cursor === el) cursor = el.nextSibling;
      else this.list.insertBefore(el, cursor);
    }

    const writing = s.status === 'running';
    this.pending.replaceChildren(icon('loading', 'codicon-modifier-spin'), ` Writing step ${steps.length + 1}…`);
    if (writing && steps.length > 0) this.list.append(this.pending);
    else this.pending.remove();

    this.count.textContent = steps.length ? `${steps.length} step${steps.length === 1 ? '' : 's'}` : '';
    this.root.classList.toggle('no-steps', steps.length === 0);
    this.empty.classList.toggle('hidden', steps.length > 0 || s.status === 'error');
    if (steps.length === 0) {
      this.empty.replaceChildren(
        ...(writing ? [icon('loading', 'codicon-modifier-spin'), ' Writing the first summary…'] : [s.status === 'cancelled' ? 'Cancelled before the first summary.' : 'No summary steps.']),
      );
    }
  }

  renderStream(): void {
    // Steps arrive in snapshots; the raw streamed text (the model's JSON) is not shown.
  }

  copyText(s: ResultViewState): string {
    const steps = s.steps ?? [];
    const chosen = steps.find((st) => st.index === s.recommendedStep) ?? steps[steps.length - 1];
    return chosen?.summary ?? '';
  }

  private toggle(index: number): void {
    const row = this.rows.get(index);
    const open = row?.el.classList.contains('expanded') ?? false;
    this.toggled.set(index, !open);
    if (this.last) this.render(this.last);
  }
}
