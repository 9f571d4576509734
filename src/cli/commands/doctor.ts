/**
 * `codi doctor [--json] [--opik]`: the status report of "CODI: Show Status", headless. Checks the Gemini key
 * (a `models.get` per model), the endpoint, the models, Opik (when configured), the OTLP receiver (when
 * CODI_OTLP_ENDPOINT is set), the trace store (a full read of its journal, as `codi store check` does) and
 * today's cost. Exit 0 when healthy, 1 when a problem was found: one line per problem with its fix.
 */
import { spentTodayIn } from '../../core/budget';
import { runHealthChecks, problemLines } from '../../core/health/report';
import type { HealthCheck, HealthReport } from '../../core/health/types';
import { checkStore } from '../../core/store/check';
import type { CheckReport } from '../../core/store/check';
import type { StoreIssue } from '../../core/store/replay';
import type { TraceStore } from '../../core/store/traceStore';
import { checkFlags, parseArgs, UsageError } from '../args';
import { cliConfig, openStore, print, storeDir } from '../common';
import type { OutboxDepth } from '../../core/health/opik';
import { cliWording, opikDoctorInput, outboxDepth } from '../opik';

export const DOCTOR_USAGE = 'codi doctor [--json] [--opik]';

const MARK: Record<HealthCheck['level'], string> = { ok: 'ok', warn: 'warning', error: 'error', skipped: 'skipped' };

interface StoreLook {
  traces: number | null;
  issues: StoreIssue[];
  report: CheckReport | null;
  openError: string | null;
  spentUsd: number | null;
  outbox: OutboxDepth | null;
}

/** Opens the store, reads its whole journal and today's spend; a store that cannot be opened is a finding, not a crash. */
async function lookAtStore(dir: string): Promise<StoreLook> {
  let store: TraceStore;
  try {
    store = await openStore();
  } catch (err) {
    return { traces: null, issues: [], report: null, openError: err instanceof Error ? err.message : String(err), spentUsd: null, outbox: null };
  }
  try {
    const report = await checkStore(dir).catch(() => null);
    return { traces: store.count(), issues: [...store.issues], report, openError: null, spentUsd: spentTodayIn(store), outbox: await outboxDepth(store) };
  } finally {
    await store.close();
  }
}

function budgetUsd(): number {
  const v = Number(process.env.CODI_DAILY_BUDGET_USD?.trim() || '0');
  return Number.isFinite(v) && v > 0 ? v : 0;
}

function text(r: HealthReport): string {
  const width = Math.max(...r.checks.map((c) => c.label.length));
  const lines = r.checks.map((c) => `${MARK[c.level].padEnd(8)} ${c.label.padEnd(width)}  ${c.message}`);
  const problems = problemLines(r);
  lines.push('', problems.length ? `${problems.length} problem(s):` : 'No problems found.');
  return [...lines, ...problems].join('\n');
}

export async function cmdDoctor(rest: string[]): Promise<number> {
  const args = parseArgs(rest, []);
  checkFlags(args, ['json', 'opik']);
  if (args.positionals.length) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
  const config = cliConfig();
  const dir = storeDir();
  const store = await lookAtStore(dir);
  const outbox = store.outbox;
  const report = await runHealthChecks({
    surface: 'cli',
    gemini: {
      apiKey: process.env.GOOGLE_API_KEY || process.env.GEMINI_API_KEY || null,
      baseUrl: process.env.GOOGLE_GEMINI_BASE_URL || undefined,
      models: [config.model, config.judgeModel, config.client.fallbackModel],
    },
    opik: { ...opikDoctorInput(args.flags.has('opik')), outbox },
    otlpEndpoint: process.env.CODI_OTLP_ENDPOINT ?? null,
    store: { dir, traces: store.traces, issues: store.issues, report: store.report, openError: store.openError },
    cost: { spentUsd: store.spentUsd, dailyUsd: budgetUsd() },
  });
  // The core words Opik's configuration problems for the editor; the terminal's user sets variables.
  const worded: HealthReport = { ...report, checks: report.checks.map((c) => ({ ...c, message: cliWording(c.message) })) };
  print(args.flags.has('json') ? JSON.stringify({ ...worded, problems: problemLines(worded) }, null, 2) : text(worded));
  return worded.level === 'ok' ? 0 : 1;
}
