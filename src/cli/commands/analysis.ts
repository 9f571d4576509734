/**
 * `codi traces stats --by …` and `codi traces calibration`: the dashboard's comparisons, error groups and
 * judge calibration, headless (the same store queries: rollups and indexes, never every trace).
 */
import { rangeWindow } from '../../core/store/analytics';
import type { AnalysisFilter, Calibration, GroupBy, GroupStats } from '../../shared/analytics';
import type { TraceType } from '../../shared/types';
import type { ParsedArgs } from '../args';
import { checkFlags, intFlag, parseArgs, UsageError } from '../args';
import { EXIT, openStore, print } from '../common';
import { fmtCost, fmtInt, fmtMs, fmtScore } from '../format';

const BY: readonly (GroupBy | 'error')[] = ['model', 'prompt', 'pipeline', 'tag', 'error'];
const TYPES: readonly TraceType[] = ['explain', 'summarize', 'generate', 'judge', 'experiment'];
const FILTERS = ['type', 'model', 'prompt', 'tag'];

/** The last N days, in whole hours up to the end of the current one (the rollups' grain). */
function windowOf(args: ParsedArgs): { from: number; to: number } {
  const days = intFlag(args, 'days', 1, 3650) ?? 30;
  const to = rangeWindow('24h', Date.now()).current.to;
  return { from: to - days * 86_400_000, to };
}

function filterOf(args: ParsedArgs): AnalysisFilter {
  const str = (k: string) => {
    const v = args.flags.get(k);
    return typeof v === 'string' ? v : undefined;
  };
  const type = str('type');
  if (type !== undefined && !TYPES.includes(type as TraceType)) throw new UsageError(`--type must be one of ${TYPES.join(', ')}`);
  const f: AnalysisFilter = { type: type as TraceType | undefined, model: str('model'), promptVersion: str('prompt'), tag: str('tag') };
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as AnalysisFilter;
}

function table(head: string[], body: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  return [head, ...body].map((cols) => cols.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
const interval = (r: GroupStats) => (r.scoreLow === null || r.scoreHigh === null ? '' : ` (${r.scoreLow.toFixed(2)}–${r.scoreHigh.toFixed(2)})`);

/** `traces stats --by model|prompt|pipeline|tag|error [--days N] [--type T] [--model M] [--prompt P] [--tag T] [--json]`. */
export async function statsBy(args: ParsedArgs): Promise<number> {
  checkFlags(args, ['json', 'days', 'by', ...FILTERS]);
  if (args.positionals.length) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
  const by = args.flags.get('by') as GroupBy | 'error';
  if (!BY.includes(by)) throw new UsageError(`--by must be one of ${BY.join(', ')}`);
  const win = windowOf(args);
  const filter = filterOf(args);
  const store = await openStore();
  try {
    const a = store.analysis();
    if (by === 'error') {
      const groups = a.errorGroups(filter, win);
      if (args.flags.has('json')) print(JSON.stringify(groups, null, 2));
      else if (!groups.length) print('No errors in this period.');
      else print(table(['ERROR', 'RUNS', 'FIRST SEEN', 'LAST SEEN', 'EXAMPLES'], groups.map((g) => [g.key, String(g.runs), new Date(g.firstSeen).toISOString(), new Date(g.lastSeen).toISOString(), g.exampleTraceIds.map((id) => id.slice(0, 8)).join(' ')])));
      return EXIT.ok;
    }
    // The documented shape: without the experiment pass rate (the dashboard shows it where there is one).
    const rows = a.compare(by, filter, win).map(({ passRate: _p, ...r }) => r);
    if (args.flags.has('json')) print(JSON.stringify(rows, null, 2));
    else if (!rows.length) print('No traces in this period.');
    else
      print(
        table(
          [by.toUpperCase(), 'RUNS', 'MEAN SCORE (95% CI)', 'RATING', 'P50', 'P95', 'TOKENS', 'COST', 'ERRORS'],
          rows.map((r) => [r.key || '(none)', String(r.runs), `${fmtScore(r.meanScore)}${interval(r)}`, fmtScore(r.userRating), fmtMs(r.p50LatencyMs), fmtMs(r.p95LatencyMs), fmtInt(r.tokens), fmtCost(r.costUsd), pct(r.errorRate)]),
        ),
      );
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

/** `traces calibration [--days N] [filters] [--json]`: judge ≥ 0.7 against thumbs up / ≥ 4 stars. */
export async function calibration(rest: string[]): Promise<number> {
  const args = parseArgs(rest, ['days', ...FILTERS]);
  checkFlags(args, ['json', 'days', ...FILTERS]);
  if (args.positionals.length) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
  const filter = filterOf(args);
  const store = await openStore();
  let c: Calibration;
  try {
    c = store.analysis().calibration(filter, windowOf(args));
  } finally {
    await store.close();
  }
  if (args.flags.has('json')) {
    print(JSON.stringify(c, null, 2));
    return EXIT.ok;
  }
  if (!c.pairs) {
    print('No trace has both a judge score and a user rating in this period (rate results in VS Code: thumbs or stars).');
    return EXIT.ok;
  }
  const t = c.table;
  print(
    [
      `${c.pairs} rated traces · agreement ${pct(c.agreement)} (judge ≥ 0.7 vs thumbs up / ≥ 4 stars) · Spearman ρ ${c.spearman === null ? '—' : c.spearman.toFixed(3)}`,
      '',
      table(['', 'USER APPROVED', 'USER DID NOT'], [
        ['judge ≥ 0.7', String(t.judgePassUserUp), String(t.judgePassUserDown)],
        ['judge < 0.7', String(t.judgeFailUserUp), String(t.judgeFailUserDown)],
      ]),
      '',
      'Biggest disagreements:',
      ...c.disagreements.map((d) => `  ${d.traceId.slice(0, 8)}  judge ${d.judge.toFixed(2)}  user ${d.user.toFixed(2)}  ${d.name}`),
    ].join('\n'),
  );
  return EXIT.ok;
}
