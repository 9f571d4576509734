/**
 * The lines of the status report that need no model: the OTLP receiver (when one is set), the trace store
 * and today's cost against the daily budget.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { BUDGET_WARN_AT, usd } from '../budget';
import type { Surface } from '../errors';
import type { CheckReport } from '../store/check';
import { JOURNAL_DIR } from '../store/manifest';
import type { StoreIssue } from '../store/replay';
import type { HealthCheck } from './types';
import { check } from './types';

/** Probes an OTLP/HTTP receiver: any HTTP answer (even 404/405 to a GET) proves it is listening. */
export async function checkOtlp(endpoint: string | null | undefined, surface: Surface, timeoutMs = 5_000): Promise<HealthCheck> {
  const url = endpoint?.trim();
  const setting = surface === 'editor' ? 'codi.otlp.endpoint' : 'CODI_OTLP_ENDPOINT';
  if (!url) return check('otlp', 'OTLP receiver', 'ok', `Off (${setting} is not set).`);
  const fix = { id: 'otlp-settings' as const, text: `Start the receiver (e.g. AI Toolkit's collector on http://localhost:4318), or correct or clear ${setting}.` };
  let target: URL;
  try {
    target = new URL(url);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    return check('otlp', 'OTLP receiver', 'error', `${setting} is not an http(s) URL: "${url}".`, fix);
  }
  try {
    const res = await fetch(target, { method: 'GET', signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel().catch(() => undefined);
    return check('otlp', 'OTLP receiver', 'ok', `${url} answers (HTTP ${res.status}).`);
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    const why = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${Math.round(timeoutMs / 1000)} s` : (cause ?? (err instanceof Error ? err.message : String(err)));
    return check('otlp', 'OTLP receiver', 'error', `${url} cannot be reached (${why}); traces wait in the outbox until it answers.`, fix);
  }
}

export interface StoreHealthInput {
  dir: string;
  /** Traces in the index; null when the store could not be opened. */
  traces: number | null;
  /** Problems the store reported when it opened and read its journal. */
  issues: readonly StoreIssue[];
  /** A full read of the journal (`checkStore`), when one was made (the CLI's doctor makes one). */
  report?: CheckReport | null;
  /** Why the store could not be opened. */
  openError?: string | null;
  surface: Surface;
}

/** Bytes of the store's files (journal segments, snapshot, manifest); missing files count 0. */
export async function storeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const folder of [dir, join(dir, JOURNAL_DIR)]) {
    for (const name of await fs.readdir(folder).catch(() => [] as string[])) {
      const st = await fs.stat(join(folder, name)).catch(() => null);
      if (st?.isFile()) total += st.size;
    }
  }
  return total;
}

const mb = (n: number): string => (n < 1024 * 1024 ? `${Math.max(1, Math.round(n / 1024))} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`);

export async function checkStoreHealth(input: StoreHealthInput): Promise<HealthCheck> {
  const editor = input.surface === 'editor';
  if (input.traces === null && !input.openError) return check('store', 'Trace store', 'skipped', `${input.dir}: not opened yet.`);
  if (input.openError || input.traces === null) {
    return check('store', 'Trace store', 'error', `${input.dir} cannot be opened: ${input.openError ?? 'unknown error'}`, {
      id: 'store-settings',
      text: editor ? 'Fix the folder\'s permissions or free disk space, or point codi.storePath at another folder; the log has the details.' : 'Fix the folder\'s permissions or free disk space, or point CODI_HOME at another folder.',
    });
  }
  const size = mb(await storeBytes(input.dir));
  const found = (input.report?.findings ?? []).filter((f) => f.kind !== 'stale-temporary');
  const issues = input.issues.filter((i) => !found.some((f) => i.segment !== undefined && f.path.endsWith(i.segment)));
  const head = `${input.dir}: ${input.traces} trace(s), ${size}`;
  const problems = [...found.map((f) => `${f.path}: ${f.detail}`), ...issues.map((i) => i.message)];
  if (!problems.length) return check('store', 'Trace store', 'ok', `${head}; no problems found.`);
  return check('store', 'Trace store', 'warn', `${head}; ${problems.length} problem(s): ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? '; …' : ''}`, {
    id: 'store-compact',
    text: editor ? 'The damaged records cannot be recovered; the rest is fine. In a terminal, `codi store check` lists them and `codi store compact` sets them aside.' : '`codi store check` lists them; `codi store compact` sets the damaged segments aside (the readable records are kept).',
  });
}

export function checkCost(spentUsd: number, dailyUsd: number, surface: Surface): HealthCheck {
  const setting = surface === 'editor' ? 'codi.budget.dailyUsd' : 'CODI_DAILY_BUDGET_USD';
  if (!(dailyUsd > 0)) return check('cost', 'Cost today', 'ok', `${usd(spentUsd)} (no daily budget; ${setting} sets one).`);
  const share = spentUsd / dailyUsd;
  const msg = `${usd(spentUsd)} of ${usd(dailyUsd)} (${Math.round(share * 100)}%).`;
  const fix = { id: 'budget-settings' as const, text: `Raise ${setting}, or wait until tomorrow.` };
  if (share >= 1) return check('cost', 'Cost today', 'error', `Daily budget reached: ${msg} Model calls are refused unless run anyway.`, fix);
  if (share >= BUDGET_WARN_AT) return check('cost', 'Cost today', 'warn', msg, fix);
  return check('cost', 'Cost today', 'ok', msg);
}
