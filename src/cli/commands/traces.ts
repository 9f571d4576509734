import type { TraceFilter } from '../../core/store/queries';
import type { TraceSummary, TraceType } from '../../shared/types';
import type { ParsedArgs } from '../args';
import { checkFlags, intFlag, parseArgs, UsageError } from '../args';
import { EXIT, openStore, print, storeDir } from '../common';
import { fmtCost, fmtInt, fmtMs, fmtScore, formatList, formatTrace, traceJson } from '../format';
import { cliWording, opikStatusOf } from '../opik';
import { StoreFault, storeFaultOf } from '../storeAccess';
import { calibration, statsBy } from './analysis';
import { exportCmd, importCmd } from './tracesExport';
import { tag, TAG_USAGE } from './tag';
import { ANNOTATE_USAGE, annotate, rate } from './annotate';

export const TRACES_USAGE = `codi traces list [--json] [--limit N] [--type T] [--tag T] [--thread ID] [--model M] [--min-score X] [--max-score X]
                   [--errors] [--since DATE] [--until DATE] [--search WORDS] [--label L] [--to-review]
  codi traces show <id> [--json]
  codi traces export [the list filters] [--limit N] [--format jsonl|otlp] [--out FILE]
  codi traces import FILE
  codi traces stats [--days N] [--json]
  codi traces stats --by model|prompt|pipeline|tag|error [--days N] [--type T] [--model M] [--prompt P] [--tag T] [--json]
  codi traces calibration [--days N] [--type T] [--model M] [--prompt P] [--tag T] [--json]
  ${TAG_USAGE}
  ${ANNOTATE_USAGE}`;

const TYPES: readonly TraceType[] = ['explain', 'summarize', 'generate', 'judge', 'experiment'];
export const FILTER_FLAGS = ['type', 'tag', 'thread', 'model', 'min-score', 'max-score', 'since', 'until', 'search', 'label'];

function numberFlag(args: ParsedArgs, name: string): number | undefined {
  const v = args.flags.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v === true || !Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`--${name} must be a number from 0 to 1`);
  return n;
}

/** `--since 2026-11-01` (local midnight) or any date `Date.parse` reads; `--until` is inclusive of that day. */
function dateFlag(args: ParsedArgs, name: string, endOfDay: boolean): number | undefined {
  const v = args.flags.get(name);
  if (v === undefined) return undefined;
  const day = typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v);
  const ms = typeof v === 'string' ? (day ? new Date(`${v}T00:00:00`).getTime() : Date.parse(v)) : NaN;
  if (!Number.isFinite(ms)) throw new UsageError(`--${name} must be a date such as 2026-11-01`);
  return day && endOfDay ? ms + 86_400_000 - 1 : ms;
}

/** The `traces list` filters (also `traces export`'s). */
export function filterOf(args: ParsedArgs): TraceFilter {
  const type = args.flags.get('type');
  if (type !== undefined && !TYPES.includes(type as TraceType)) throw new UsageError(`--type must be one of ${TYPES.join(', ')}`);
  const str = (k: string) => {
    const v = args.flags.get(k);
    return typeof v === 'string' ? v : undefined;
  };
  const f: TraceFilter = {
    type: type as TraceType | undefined,
    tag: str('tag'),
    threadId: str('thread'),
    model: str('model'),
    minScore: numberFlag(args, 'min-score'),
    maxScore: numberFlag(args, 'max-score'),
    errorOnly: args.flags.has('errors') || undefined,
    from: dateFlag(args, 'since', false),
    to: dateFlag(args, 'until', true),
    text: str('search'),
    label: str('label'),
    review: args.flags.has('to-review') ? 'queued' : undefined,
  };
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as TraceFilter;
}

async function list(rest: string[]): Promise<number> {
  const args = parseArgs(rest, ['limit', ...FILTER_FLAGS]);
  checkFlags(args, ['json', 'limit', 'errors', 'to-review', ...FILTER_FLAGS]);
  if (args.positionals.length) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
  const limit = intFlag(args, 'limit', 1, 10_000) ?? 50;
  const filter = filterOf(args);
  const store = await openStore();
  const rows: TraceSummary[] = [];
  try {
    // Pages of up to 1,000 from the index, newest first, until the limit.
    let cursor: string | null = null;
    do {
      const page = store.query({ ...filter, limit: Math.min(1000, limit - rows.length), cursor });
      rows.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && rows.length < limit);
  } finally {
    await store.close();
  }
  print(args.flags.has('json') ? JSON.stringify(rows, null, 2) : formatList(rows));
  return EXIT.ok;
}

/** A trace whose record cannot be read: a clean message and exit 6, not a stack. */
function damagedTrace(e: unknown): never {
  const fault = storeFaultOf(e, storeDir(), 'read');
  if (fault instanceof StoreFault) throw fault;
  throw new StoreFault(e instanceof Error ? e.message : String(e), '`codi store check` lists the damaged records; `codi store compact` sets them aside in journal/damaged/.');
}

async function show(rest: string[]): Promise<number> {
  const args = parseArgs(rest, []);
  checkFlags(args, ['json']);
  if (args.positionals.length !== 1) throw new UsageError('traces show needs one <id>');
  const store = await openStore();
  const t = await store.get(args.positionals[0]!).catch(async (e: unknown) => (await store.close(), damagedTrace(e)));
  if (!t) {
    await store.close();
    process.stderr.write(`codi: no trace with id ${args.positionals[0]} in ${storeDir()}\n`);
    return EXIT.usage;
  }
  const opik = await opikStatusOf(store, t.id).finally(() => store.close());
  print(args.flags.has('json') ? JSON.stringify(traceJson(t, opik), null, 2) : formatTrace(t, { ...opik, lastError: opik.lastError && cliWording(opik.lastError) }));
  return EXIT.ok;
}

/** Daily totals from the index: count, mean score, p50/p95 latency, tokens, cost, errors. */
async function stats(rest: string[]): Promise<number> {
  const args = parseArgs(rest, ['days', 'by', 'type', 'model', 'prompt', 'tag']);
  if (args.flags.has('by')) return statsBy(args);
  checkFlags(args, ['json', 'days']);
  if (args.positionals.length) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
  const days = intFlag(args, 'days', 1, 3650) ?? 30;
  const today = new Date();
  const from = new Date(today.getFullYear(), today.getMonth(), today.getDate() - (days - 1)).getTime();
  const store = await openStore();
  const rows = store.aggregates({ from, to: Date.now() });
  await store.close();
  if (args.flags.has('json')) {
    print(JSON.stringify(rows, null, 2));
    return EXIT.ok;
  }
  if (!rows.length) {
    print(`No traces in the last ${days} day(s).`);
    return EXIT.ok;
  }
  const head = ['DAY', 'TRACES', 'MEAN SCORE', 'P50', 'P95', 'TOKENS', 'COST', 'ERRORS'];
  const body = rows.map((r) => [r.day, String(r.count), fmtScore(r.meanScore), fmtMs(r.p50LatencyMs), fmtMs(r.p95LatencyMs), fmtInt(r.tokens), fmtCost(r.costUsd), String(r.errors)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  print([head, ...body].map((cols) => cols.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n'));
  return EXIT.ok;
}

export function cmdTraces(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'list') return list(rest);
  if (sub === 'show') return show(rest);
  if (sub === 'stats') return stats(rest);
  if (sub === 'calibration') return calibration(rest);
  if (sub === 'export') return exportCmd(rest);
  if (sub === 'import') return importCmd(rest);
  if (sub === 'tag') return tag(rest);
  if (sub === 'annotate') return annotate(rest);
  if (sub === 'rate') return rate(rest);
  throw new UsageError(sub ? `unknown traces command "${sub}"` : 'traces needs a command: list, show, stats, calibration, tag, annotate, rate, export or import');
}
