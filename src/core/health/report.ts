/**
 * Runs every check of the status report at once (the network probes in parallel) and puts them in one
 * order: Gemini key, endpoint, models, Opik, outbox, OTLP, store, cost. The editor and `codi doctor`
 * both call this with what they know (SecretStorage and settings, or the environment).
 */
import { checkGemini } from './gemini';
import type { GeminiHealthInput } from './gemini';
import { checkCost, checkOtlp, checkStoreHealth } from './local';
import type { StoreHealthInput } from './local';
import { checkOpik } from './opik';
import type { OpikHealthInput } from './opik';
import type { HealthCheck, HealthReport, Surface } from './types';
import { check, worstLevel } from './types';

export interface HealthInput {
  surface: Surface;
  /** false: only what needs no network (the status bar's frequent check); default true. */
  probe?: boolean;
  gemini: Omit<GeminiHealthInput, 'surface'>;
  opik: Omit<OpikHealthInput, 'surface'>;
  otlpEndpoint: string | null;
  /** null: the store's line says why it could not be looked at. */
  store: Omit<StoreHealthInput, 'surface'>;
  /** Today's spend; null when it could not be read (the store did not open). */
  cost: { spentUsd: number | null; dailyUsd: number };
  now?: number;
}

/** A check that threw (a bug): shown as an error line rather than losing the whole report. */
const guard = (id: HealthCheck['id'], label: string, p: Promise<HealthCheck[]>): Promise<HealthCheck[]> =>
  p.catch((err: unknown) => [check(id, label, 'error', `The check failed: ${err instanceof Error ? err.message : String(err)}`, { id: 'show-log', text: 'This is a bug in CODI; the log has the details.' })]);

export async function runHealthChecks(input: HealthInput): Promise<HealthReport> {
  const s = input.surface;
  const probe = input.probe !== false;
  const [gemini, opik, otlp, store] = await Promise.all([
    guard('gemini-key', 'Gemini', checkGemini({ ...input.gemini, surface: s, probe })),
    guard('opik', 'Opik', checkOpik({ ...input.opik, surface: s, probe })),
    guard('otlp', 'OTLP receiver', (probe || !input.otlpEndpoint ? checkOtlp(input.otlpEndpoint, s) : Promise.resolve(check('otlp', 'OTLP receiver', 'skipped', `${input.otlpEndpoint}: not checked yet.`))).then((c) => [c])),
    guard('store', 'Trace store', checkStoreHealth({ ...input.store, surface: s }).then((c) => [c])),
  ]);
  const cost = input.cost.spentUsd === null
    ? check('cost', 'Cost today', 'skipped', 'Not known: the trace store could not be read.')
    : checkCost(input.cost.spentUsd, input.cost.dailyUsd, s);
  const checks = [...gemini, ...opik, ...otlp, ...store, cost];
  return { checks, level: worstLevel(checks), at: input.now ?? Date.now() };
}

/** One line per problem with its fix: what `codi doctor` prints and the status bar tooltip lists. */
export function problemLines(report: Pick<HealthReport, 'checks'>): string[] {
  return report.checks
    .filter((c) => c.level === 'error' || c.level === 'warn')
    .map((c) => `${c.level === 'error' ? 'error' : 'warning'}: ${c.label}: ${c.message}${c.fix ? ` → ${c.fix.text}` : ''}`);
}
