import type { TraceFilter } from '../../core/store/queries';
import type { TraceType } from '../../shared/types';

/**
 * What the user chose in "Filter Traces", kept as choices (not as a TraceFilter) so a relative date such as
 * "last 7 days" is recomputed on every load and the choices can be saved and shown. Every part combines
 * with the others (search AND errors AND type AND date).
 */
export interface FilterChoices {
  /** Words that must all occur in the title or the start of the input or output. */
  text?: string;
  errors?: boolean;
  score?: 'low' | 'good';
  types?: TraceType[];
  since?: 'today' | '7d' | '30d' | '90d';
  /** A date range the user typed (local days, `to` exclusive); replaces `since`. */
  range?: { from: number; to: number };
  /** Traces with any of these tags. */
  tags?: string[];
  /** Traces answered by any of these models. */
  models?: string[];
  /** One thread (re-asks on the same code), with the title shown for it. */
  thread?: { id: string; label: string };
  /** Only traces waiting in the review queue. */
  toReview?: boolean;
  /** Traces with any of these annotation labels. */
  labels?: string[];
  /** A selection made elsewhere (a dashboard row: a model, a prompt version, an error kind, a period), with its label. */
  selection?: Selection;
}

export type Selection = { label: string } & Pick<TraceFilter, 'type' | 'tag' | 'threadId' | 'answerModel' | 'promptVersion' | 'errorKind' | 'from' | 'to'>;

const DAY = 86_400_000;

const SINCE_LABELS: Record<NonNullable<FilterChoices['since']>, string> = { today: 'today', '7d': 'last 7 days', '30d': 'last 30 days', '90d': 'last 90 days' };
const SINCE_DAYS = { '7d': 7, '30d': 30, '90d': 90 } as const;

export function isFiltered(c: FilterChoices): boolean {
  return !!(c.text?.trim() || c.errors || c.score || c.types?.length || c.since || c.range || c.tags?.length || c.models?.length || c.thread || c.selection || c.toReview || c.labels?.length);
}

const localDay = (s: string): number | null => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s.trim());
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return d.getMonth() === Number(m[2]) - 1 && d.getDate() === Number(m[3]) ? d.getTime() : null;
};

/**
 * A date range typed as `2026-11-01..2026-11-20` (both days included) or one day `2026-11-01`, in local
 * days; `to` is the midnight after the last day. Null when it is not one, or ends before it starts.
 */
export function parseDateRange(text: string): { from: number; to: number } | null {
  const [a, b, ...more] = text.split('..');
  if (a === undefined || more.length) return null;
  const from = localDay(a);
  const last = b === undefined ? from : localDay(b);
  if (from === null || last === null || last < from) return null;
  const end = new Date(last);
  return { from, to: new Date(end.getFullYear(), end.getMonth(), end.getDate() + 1).getTime() };
}

const dayText = (ms: number): string => {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

/** `2026-11-01..2026-11-20` (or one day): what parseDateRange reads back. */
export function formatDateRange(r: { from: number; to: number }): string {
  const last = new Date(r.to);
  const lastDay = new Date(last.getFullYear(), last.getMonth(), last.getDate() - 1).getTime();
  return lastDay <= r.from ? dayText(r.from) : `${dayText(r.from)}..${dayText(lastDay)}`;
}

/** The store query for these choices at `now` (local midnight for "today"). */
export function filterFor(c: FilterChoices, now = Date.now()): TraceFilter {
  const { label: _label, ...selected } = c.selection ?? { label: '' };
  void _label;
  const f: TraceFilter = { ...selected };
  if (c.text?.trim()) f.text = c.text.trim();
  if (c.errors) f.errorOnly = true;
  if (c.score === 'low') f.maxScore = 0.599;
  if (c.score === 'good') f.minScore = 0.8;
  if (c.types?.length) f.type = c.types.length === 1 ? c.types[0] : [...c.types];
  if (c.tags?.length) f.tag = c.tags.length === 1 ? c.tags[0] : [...c.tags];
  if (c.models?.length) f.answerModel = c.models.length === 1 ? c.models[0] : [...c.models];
  if (c.thread) f.threadId = c.thread.id;
  if (c.toReview) f.review = 'queued';
  if (c.labels?.length) f.label = c.labels.length === 1 ? c.labels[0] : [...c.labels];
  // The date choices narrow a dashboard selection's period, never widen it.
  const narrow = (from: number, to?: number) => {
    f.from = Math.max(f.from ?? from, from);
    if (to !== undefined) f.to = Math.min(f.to ?? to, to);
  };
  if (c.range) narrow(c.range.from, c.range.to);
  else if (c.since === 'today') {
    const d = new Date(now);
    narrow(new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime());
  } else if (c.since) narrow(now - SINCE_DAYS[c.since] * DAY);
  return f;
}

/** A short line for the view: `"lru" · errors · explain, generate · last 7 days`. Empty when unfiltered. */
export function describeFilter(c: FilterChoices): string {
  return [
    c.text?.trim() ? `"${c.text.trim()}"` : '',
    c.errors ? 'errors' : '',
    c.score === 'low' ? 'score < 0.6' : c.score === 'good' ? 'score ≥ 0.8' : '',
    c.types?.length ? c.types.join(', ') : '',
    c.tags?.length ? `tag ${c.tags.join(' or ')}` : '',
    c.models?.length ? `model ${c.models.join(' or ')}` : '',
    c.thread ? `thread "${c.thread.label}"` : '',
    c.range ? formatDateRange(c.range) : c.since ? SINCE_LABELS[c.since] : '',
    c.toReview ? 'to review' : '',
    c.labels?.length ? `label ${c.labels.join(' or ')}` : '',
    c.selection?.label ?? '',
  ]
    .filter(Boolean)
    .join(' · ');
}

const TYPES: readonly TraceType[] = ['explain', 'summarize', 'generate', 'judge', 'experiment'];

/** Choices read back from storage (another version may have written them): unknown parts are dropped. */
export function parseChoices(v: unknown): FilterChoices {
  if (typeof v !== 'object' || v === null) return {};
  const o = v as Record<string, unknown>;
  const c: FilterChoices = {};
  if (typeof o.text === 'string' && o.text.trim()) c.text = o.text.trim().slice(0, 200);
  if (o.errors === true) c.errors = true;
  if (o.score === 'low' || o.score === 'good') c.score = o.score;
  if (Array.isArray(o.types)) {
    const types = o.types.filter((t): t is TraceType => TYPES.includes(t as TraceType));
    if (types.length) c.types = types;
  }
  if (o.since === 'today' || o.since === '7d' || o.since === '30d' || o.since === '90d') c.since = o.since;
  const r = o.range as Record<string, unknown> | null | undefined;
  if (r && typeof r === 'object' && typeof r.from === 'number' && typeof r.to === 'number' && Number.isFinite(r.from) && Number.isFinite(r.to) && r.from < r.to) c.range = { from: r.from, to: r.to };
  for (const k of ['tags', 'models'] as const) {
    const v = o[k];
    const list = Array.isArray(v) ? [...new Set(v.filter((x): x is string => typeof x === 'string' && x.length > 0 && x.length <= 200))].slice(0, 50) : [];
    if (list.length) c[k] = list;
  }
  const t = o.thread as Record<string, unknown> | null | undefined;
  if (t && typeof t === 'object' && typeof t.id === 'string' && t.id && typeof t.label === 'string') c.thread = { id: t.id.slice(0, 200), label: t.label.slice(0, 200) };
  if (o.toReview === true) c.toReview = true;
  if (Array.isArray(o.labels)) {
    const labels = o.labels.filter((l): l is string => typeof l === 'string' && l.length > 0 && l.length <= 60).slice(0, 50);
    if (labels.length) c.labels = labels;
  }
  const sel = parseSelection(o.selection);
  if (sel) c.selection = sel;
  return c;
}

function parseSelection(v: unknown): Selection | null {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (typeof o.label !== 'string') return null;
  const sel: Selection = { label: o.label.slice(0, 200) };
  for (const k of ['tag', 'threadId', 'answerModel', 'promptVersion', 'errorKind'] as const) if (typeof o[k] === 'string') sel[k] = o[k];
  for (const k of ['from', 'to'] as const) if (typeof o[k] === 'number' && Number.isFinite(o[k])) sel[k] = o[k];
  if (typeof o.type === 'string' && TYPES.includes(o.type as TraceType)) sel.type = o.type as TraceType;
  return sel;
}
