import type { HostAction, ResultViewState } from '../../src/shared/protocol';
import type { JudgeVerdict } from '../../src/shared/types';
import { scoreBadge, scoreMeter } from '../shared/badge';
import { h, icon, stat, usageValue } from '../shared/dom';
import { errorTitles } from '../shared/errors';
import { formatCost, formatDuration, formatScore } from '../shared/format';
import { renderInlineMarkdownInto } from '../shared/markdown';

export const actionLabels: Record<HostAction, string> = {
  setApiKey: 'Set API key',
  showLog: 'Show log',
  openSettings: 'Open settings',
  retry: 'Retry',
};

const actionIcons: Record<HostAction, string> = {
  setApiKey: 'key',
  showLog: 'output',
  openSettings: 'settings-gear',
  retry: 'refresh',
};


/** What each kind of run is called while it runs, and what its output is called. */
const runningTexts: Record<ResultViewState['kind'], string> = {
  explain: 'Explaining…',
  summarize: 'Summarizing…',
  generate: 'Generating…',
};

const outputNouns: Record<ResultViewState['kind'], string> = {
  explain: 'explanation',
  summarize: 'summary',
  generate: 'code',
};

/** The kind of a state, for snapshots saved by a version that did not send one. */
export const kindOf = (s: ResultViewState): ResultViewState['kind'] => (s.kind in runningTexts ? s.kind : 'explain');

/**
 * The part of the panel below the header that depends on the kind of run. The shell owns the header, the
 * notices, the quality section and the stats; a body view owns the output in between.
 */
export interface BodyView {
  readonly root: HTMLElement;
  /** Paints a whole snapshot. */
  render(s: ResultViewState): void;
  /** Paints what streamed text changes; called at most once a frame while text streams in. */
  renderStream(s: ResultViewState): void;
  /** What the header's Copy button copies; an empty string disables it. */
  copyText(s: ResultViewState): string;
  /** Tooltip of the header's Copy button. */
  readonly copyTitle: string;
}

export function statusText(s: ResultViewState): string {
  switch (s.status) {
    case 'running':
      return runningTexts[kindOf(s)];
    case 'judging':
      return 'Judging…';
    case 'done':
      return 'Done';
    case 'cancelled':
      return 'Cancelled';
    case 'error':
      return s.error?.message ?? 'Failed';
  }
}

export function statusIcon(s: ResultViewState): HTMLSpanElement {
  switch (s.status) {
    case 'running':
    case 'judging':
      return icon('loading', 'codicon-modifier-spin');
    case 'done':
      return icon('check');
    case 'cancelled':
      return icon('circle-slash');
    case 'error':
      return icon('error');
  }
}

export const isBusy = (s: ResultViewState): boolean => s.status === 'running' || s.status === 'judging';

export function errorBox(s: ResultViewState, onAction: (a: HostAction) => void): HTMLElement | null {
  const err = s.error;
  if (!err || s.status === 'cancelled') return null;
  const actions = err.actions.map((a, i) => {
    const b = h('vscode-button', {
      class: 'error-action',
      id: `action-${a}`,
      attrs: { 'data-action': a, icon: actionIcons[a] },
      on: { click: () => onAction(a) },
    }, actionLabels[a]);
    b.secondary = i > 0;
    return b;
  });
  return h(
    'div',
    { id: 'error', class: 'notice notice-error', role: 'alert', attrs: { 'data-kind': err.kind } },
    icon('error'),
    h(
      'div',
      { class: 'notice-body' },
      h('div', { class: 'notice-title' }, errorTitles[err.kind] ?? 'Error'),
      h('div', { class: 'notice-message', id: 'error-message' }, err.message),
      err.status ? h('div', { class: 'notice-detail muted' }, `HTTP ${err.status}`) : null,
      actions.length ? h('div', { class: 'notice-actions' }, ...actions) : null,
    ),
  );
}

/**
 * The label of the panel's "run it again" button, or null when there is none: while it runs, when the host
 * cannot (a panel restored after a reload), or when the error notice offers its own next step.
 */
export function rerunLabel(s: ResultViewState): string | null {
  if (isBusy(s) || !s.canRerun) return null;
  if (s.status === 'error' && s.error?.actions.includes('retry')) return null;
  if (s.status === 'cancelled' || s.status === 'error') return 'Retry';
  return kindOf(s) === 'explain' ? 'Explain Again' : 'Regenerate';
}

/** Said once the run's trace is gone from the history (Clear History, Delete). */
export function deletedBox(): HTMLElement {
  return h(
    'div',
    { id: 'deleted', class: 'notice notice-info', role: 'status' },
    icon('trash'),
    h('div', { class: 'notice-body' }, h('div', { class: 'notice-message' }, 'This run’s trace was deleted from the history. The answer stays here until the panel closes; rating and the trace view are gone.')),
  );
}

/** A finished answer the model cut short (MAX_TOKENS): shown, but flagged so it is not taken as complete. */
export function warningBox(s: ResultViewState): HTMLElement | null {
  if (!s.warning) return null;
  return h(
    'div',
    { id: 'answer-warning', class: 'notice notice-warning', role: 'status' },
    icon('warning'),
    h('div', { class: 'notice-body' }, h('div', { class: 'notice-message' }, s.warning)),
  );
}

/** Secrets replaced before the model call (codi.redact.beforeModel): said, so an answer about "[REDACTED:…]" makes sense. */
export function redactionBox(s: ResultViewState): HTMLElement | null {
  if (!s.redactions) return null;
  const n = s.redactions;
  return h(
    'div',
    { id: 'redaction-notice', class: 'notice notice-info', role: 'status' },
    icon('shield'),
    h('div', { class: 'notice-body' }, h('div', { class: 'notice-message' },
      `${n} secret${n === 1 ? ' was' : 's were'} replaced by [REDACTED:…] placeholders before the code was sent; the trace keeps the redacted text (setting codi.redact.beforeModel).`)),
  );
}

export function judgeErrorBox(s: ResultViewState): HTMLElement | null {
  if (s.judgeStatus !== 'error') return null;
  return h(
    'div',
    { id: 'judge-error', class: 'notice notice-warning', role: 'status' },
    icon('warning'),
    h(
      'div',
      { class: 'notice-body' },
      h('div', { class: 'notice-message' }, `Judge failed: ${s.judgeError ?? 'unknown error'}`),
      h('div', { class: 'muted' }, `The ${outputNouns[kindOf(s)]} is complete; only its quality score is missing.`),
    ),
  );
}

function criteriaList(judge: JudgeVerdict): HTMLElement {
  return h(
    'ul',
    { id: 'criteria', class: 'criteria' },
    ...judge.criteria.map((c) =>
      h(
        'li',
        { class: 'criterion', attrs: { 'data-name': c.name } },
        h('span', { class: 'criterion-name' }, c.name),
        scoreMeter(c.score, `${c.name} ${formatScore(c.score)}`),
        h('span', { class: 'criterion-score' }, formatScore(c.score)),
        renderInlineMarkdownInto(h('span', { class: 'criterion-reason' }), c.reason),
      ),
    ),
  );
}

export function qualitySection(s: ResultViewState): HTMLElement | null {
  if (s.judgeStatus === 'off' || s.judgeStatus === 'error') return null;
  const title = h('h2', { class: 'section-title' }, 'Quality');
  if (s.judgeStatus === 'pending' || !s.judge) {
    if (s.status === 'running' || s.status === 'error' || s.status === 'cancelled') return null;
    return h(
      'section',
      { id: 'quality', class: 'section quality pending' },
      title,
      h(
        'div',
        { class: 'muted judge-pending' },
        icon('loading', 'codicon-modifier-spin'),
        kindOf(s) === 'summarize' ? ' The judge is scoring each step…' : ` The judge is scoring this ${outputNouns[kindOf(s)]}…`,
      ),
    );
  }
  const judge = s.judge;
  if (kindOf(s) === 'summarize' && s.recommendedStep) title.append(h('span', { class: 'count' }, `recommended step ${s.recommendedStep}`));
  return h(
    'section',
    { id: 'quality', class: 'section quality' },
    title,
    h(
      'div',
      { class: 'quality-table' },
      h(
        'div',
        { class: 'overall', attrs: { 'data-score': String(judge.score) } },
        h('span', { class: 'overall-label' }, 'Overall'),
        scoreMeter(judge.score, `Overall ${formatScore(judge.score)}`),
        h('span', { class: 'overall-score' }, formatScore(judge.score)),
        renderInlineMarkdownInto(h('p', { class: 'overall-reason', id: 'judge-reason' }), judge.reason),
      ),
      judge.criteria.length ? criteriaList(judge) : null,
    ),
  );
}

/** The one quality badge of the panel, in the header; clicking it scrolls to the criteria. */
export function headerBadge(s: ResultViewState): HTMLElement | null {
  if (s.judgeStatus !== 'done' || !s.judge) return null;
  const step = kindOf(s) === 'summarize' && s.recommendedStep ? s.recommendedStep : null;
  const what = step ? `Quality of the recommended step (${step})` : 'Quality';
  const badge = scoreBadge(s.judge.score, { title: `${what} ${formatScore(s.judge.score)}: ${s.judge.reason}` });
  badge.id = 'quality-badge';
  badge.tabIndex = 0;
  // A summary's score belongs to its recommended step, so the badge leads there rather than to the criteria.
  const target = (): Element | null => (step ? document.querySelector('.cod-step.recommended') : null) ?? document.getElementById('quality');
  const reveal = (): void => target()?.scrollIntoView({ behavior: 'smooth', block: 'start' });
  badge.addEventListener('click', reveal);
  badge.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      reveal();
    }
  });
  return badge;
}

export function metaSection(s: ResultViewState): HTMLElement | null {
  const u = s.usage;
  if (!u && s.costUsd === null && s.latencyMs === null) return null;
  return h(
    'section',
    { id: 'meta', class: 'section meta' },
    h(
      'div',
      { class: 'stats' },
      stat('Tokens', usageValue(u), u ? `Prompt ${u.promptTokens}, output ${u.outputTokens}, thinking ${u.thinkingTokens}` : undefined),
      stat('Cost', formatCost(s.costUsd), 'Estimated from the price table (USD)'),
      stat('Latency', formatDuration(s.latencyMs)),
      s.requestedModel && s.requestedModel !== s.model
        ? stat('Model', `${s.model} (fallback)`, `${s.model} answered: ${s.requestedModel} was rate-limited or unavailable (fallback from ${s.requestedModel})`)
        : stat('Model', s.model || '—'),
    ),
  );
}
