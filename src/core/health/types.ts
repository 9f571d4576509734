/**
 * The status/health model both front ends show: "CODI: Show Status" and the status bar item in the editor,
 * `codi doctor` in the terminal. Each check answers one question (is the key accepted? is Opik reachable?)
 * with a level, one line of message, and the next step that fixes it.
 */
import type { Surface } from '../errors';

/** ok: nothing to do; warn: works, but needs attention; error: broken; skipped: could not be checked (says why). */
export type HealthLevel = 'ok' | 'warn' | 'error' | 'skipped';

/**
 * What runs the fix. The editor maps each id to a command (Set API key, Open settings…); the CLI prints
 * the fix's text, which names its own way of doing it (an environment variable, a `codi` command).
 */
export type FixId =
  | 'set-gemini-key'
  | 'gemini-endpoint'
  | 'model-settings'
  | 'enable-opik'
  | 'set-opik-key'
  | 'opik-settings'
  | 'sync-opik'
  | 'otlp-settings'
  | 'store-compact'
  | 'store-settings'
  | 'budget-settings'
  | 'show-log';

export interface HealthFix {
  id: FixId;
  /** The next step in words, for the surface the report was made for. */
  text: string;
}

export type CheckId = 'gemini-key' | 'gemini-endpoint' | 'gemini-models' | 'opik' | 'opik-outbox' | 'otlp' | 'store' | 'cost';

export interface HealthCheck {
  id: CheckId;
  /** Short name: "Gemini API key", "Opik", "Trace store"… */
  label: string;
  level: HealthLevel;
  /** One line: what was found ("accepted by https://…", "connection refused at http://…"). */
  message: string;
  /** Present when there is something to do (also for ok lines that offer a next step, e.g. "Connect Opik"). */
  fix?: HealthFix;
}

export interface HealthReport {
  checks: HealthCheck[];
  /** The worst level (skipped counts as ok). */
  level: 'ok' | 'warn' | 'error';
  /** When the checks ran (epoch ms). */
  at: number;
}

export type { Surface };

/** Lines that need attention: errors and warnings. */
export function problemsOf(report: Pick<HealthReport, 'checks'>): HealthCheck[] {
  return report.checks.filter((c) => c.level === 'error' || c.level === 'warn');
}

export function worstLevel(checks: readonly HealthCheck[]): HealthReport['level'] {
  if (checks.some((c) => c.level === 'error')) return 'error';
  return checks.some((c) => c.level === 'warn') ? 'warn' : 'ok';
}

export const check = (id: CheckId, label: string, level: HealthLevel, message: string, fix?: HealthFix): HealthCheck =>
  fix ? { id, label, level, message, fix } : { id, label, level, message };
