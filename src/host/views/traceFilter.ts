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
  since?: 'today' | '7d' | '30d';
  /** Only traces waiting in the review queue. */
  toReview?: boolean;
  /** Traces with any of these annotation labels. */
  labels?: string[];
  /** A selection made elsewhere (a dashboard row: a model, a prompt version, an error kind, a period), with its label. */
  selection?: Selection;
}

export type Selection = { label: string } & Pick<TraceFilter, 'type' | 'tag' | 'threadId' | 'answerModel' | 'promptVersion' | 'errorKind' | 'from' | 'to'>;

const DAY = 86_400_000;

const SINCE_LABELS: Record<NonNullable<FilterChoices['since']>, string> = { today: 'today', '7d': 'last 7 days', '30d': 'last 30 days' };

export function isFiltered(c: FilterChoices): boolean {
  return !!(c.text?.trim() || c.errors || c.score || c.types?.length || c.since || c.selection || c.toReview || c.labels?.length);
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
  if (c.toReview) f.review = 'queued';
  if (c.labels?.length) f.label = c.labels.length === 1 ? c.labels[0] : [...c.labels];
  if (c.since === 'today') {
    const d = new Date(now);
    f.from = new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  } else if (c.since) f.from = now - (c.since === '7d' ? 7 : 30) * DAY;
  return f;
}

/** A short line for the view: `"lru" · errors · explain, generate · last 7 days`. Empty when unfiltered. */
export function describeFilter(c: FilterChoices): string {
  return [
    c.text?.trim() ? `"${c.text.trim()}"` : '',
    c.errors ? 'errors' : '',
    c.score === 'low' ? 'score < 0.6' : c.score === 'good' ? 'score ≥ 0.8' : '',
    c.types?.length ? c.types.join(', ') : '',
    c.since ? SINCE_LABELS[c.since] : '',
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
  if (o.since === 'today' || o.since === '7d' || o.since === '30d') c.since = o.since;
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
