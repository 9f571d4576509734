/**
 * Opik export from the CLI: `--opik` (or CODI_OPIK=1) on explain / summarize / generate, `codi opik sync`,
 * and the export state `traces show` prints. Configuration: OPIK_API_KEY, OPIK_URL_OVERRIDE,
 * OPIK_WORKSPACE, OPIK_PROJECT_NAME (the same variables the Opik SDKs read).
 *
 * The opik SDK is never imported here: `startOpikExport` loads it (core/opik/client, imported lazily)
 * only when a delivery actually runs. Without --opik / CODI_OPIK nothing in this file runs except
 * `opikStatusOf`, which reads the outbox from the store's index.
 *
 * The outbox is the trace store's (outboxRecords.ts), the one the extension delivers from: queuing is safe
 * from any number of processes. A delivery session holds the store's Opik delivery lease, the one VS Code's
 * worker takes for each pass (delivery after a run gives up after a few seconds when VS Code or another codi
 * is delivering, leaving the trace to it; `opik sync` waits longer, then says who delivers). The
 * outbox file earlier versions kept (`opik-outbox.json`) is carried into the journal on first use and
 * renamed (legacyOutbox.ts).
 */
import type { OpikConfigInput } from '../core/opik/config';
import { isOpikCloud, normalizeOpikUrl, OpikConfigError, opikInputFromEnv, opikRequestedByEnv, resolveOpikConfig } from '../core/opik/config';
import type { OpikExport } from '../core/opik/exporter';
import { experimentExportStatus, exportStatus, startOpikExport } from '../core/opik/exporter';
import { ExperimentStore } from '../core/eval/experimentStore';
import type { JournalOutboxStore } from '../core/store/outboxRecords';
import type { OpikExportState, SyncResult } from '../core/opik/outbox';
import type { OutboxDepth } from '../core/health/opik';
import type { LeaseHolder } from '../core/delivery/lease';
import { describeHolder } from '../core/delivery/lease';
import type { TraceStore } from '../core/store/traceStore';
import { checkFlags, intFlag, parseArgs, UsageError } from './args';
import { adoptLegacyOutbox, salvagedOutbox } from './legacyOutbox';
import { EXIT, note, openStore, print, storeDir, VERSION } from './common';

export const OPIK_USAGE = `codi opik sync [<trace id>...] [--retry-failed | --drop-failed] [--wait SECONDS] [--json]
  codi opik status [--json]`;

export interface OpikStatus {
  state: OpikExportState;
  url: string | null;
  lastError: string | null;
}

const OFF: OpikStatus = { state: 'off', url: null, lastError: null };
/** Per-request limit for the SDK transport: after a command (the user waits for the prompt) and in sync. */
const AFTER_RUN_TIMEOUT_MS = 15_000;
const SYNC_TIMEOUT_MS = 30_000;
/** How long to wait for the delivery lease: to deliver right after a run (the trace stays queued), to sync. */
const DELIVER_LOCK_MS = 5_000;
const SYNC_LOCK_MS = 60_000;

/** `--opik` or CODI_OPIK=1. */
export function opikRequested(flag: boolean): boolean {
  return flag || opikRequestedByEnv(process.env);
}

let engaged = false;
/** True once a delivery may have loaded the SDK, whose request timers can keep the process alive: exit explicitly. */
export function opikEngaged(): boolean {
  return engaged;
}

/** The core's messages name the editor's settings; the CLI's user sets environment variables. */
export function cliWording(message: string): string {
  return message
    .replace(/run "CODI: Set Opik API Key" \(CLI: set OPIK_API_KEY\)/g, 'set OPIK_API_KEY')
    .replace(/codi\.opik\.workspace \(CLI: OPIK_WORKSPACE\)/g, 'OPIK_WORKSPACE')
    .replace(/set the API key with "CODI: Set Opik API Key"/g, 'set OPIK_API_KEY')
    .replace(/"CODI: Set Opik API Key"/g, 'OPIK_API_KEY')
    .replace(/codi\.opik\.workspace/g, 'OPIK_WORKSPACE')
    .replace(/codi\.opik\.url/g, 'OPIK_URL_OVERRIDE');
}

const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Another process (VS Code, another codi) held the delivery lease for the whole wait. */
class OutboxBusyError extends Error {
  constructor(readonly holder: LeaseHolder | null) {
    super(`the Opik outbox is being delivered by ${describeHolder(holder)}`);
  }
}

/**
 * The store's outbox, with the outbox file of earlier versions carried in first. With `lockTimeoutMs`, `fn`
 * runs holding the Opik delivery lease (OutboxBusyError when it is not free in time); the worker `fn`
 * starts shares it (the store gives one lease per queue).
 */
async function withOutbox<T>(traces: TraceStore, fn: (store: JournalOutboxStore) => Promise<T>, lockTimeoutMs?: number): Promise<T> {
  await adoptLegacyOutbox(traces);
  const outbox = traces.outbox();
  const run = async () => {
    try {
      return await fn(outbox);
    } finally {
      await outbox.flush();
    }
  };
  if (lockTimeoutMs === undefined) return run();
  const lease = outbox.lease('cli');
  if (!(await lease.acquire(lockTimeoutMs))) throw new OutboxBusyError(await lease.holder());
  try {
    return await run();
  } finally {
    await lease.release();
  }
}

function configInput(): OpikConfigInput {
  return opikInputFromEnv(process.env);
}

/** Null when the environment gives a usable configuration, else what to fix (CLI wording). */
function configProblem(): string | null {
  try {
    resolveOpikConfig(configInput());
    return null;
  } catch (err) {
    if (err instanceof OpikConfigError) return cliWording(err.message);
    throw err;
  }
}

/** 3 for Opik cloud without OPIK_API_KEY, 2 for any other configuration problem. */
function configExitCode(): number {
  const input = configInput();
  try {
    if (isOpikCloud(normalizeOpikUrl(input.url ?? '')) && !(input.apiKey ?? '').trim()) return EXIT.key;
  } catch {
    // A bad URL: a usage problem.
  }
  return EXIT.usage;
}

function startExport(store: JournalOutboxStore, traces: TraceStore, timeoutMs: number): OpikExport {
  const { apiKey, ...rest } = configInput();
  engaged = true;
  return startOpikExport({
    settings: { enabled: true, ...rest },
    apiKey: apiKey ?? null,
    store,
    // The outbox also holds traces other codi processes recorded after this one opened the store.
    loadTrace: async (id) => (await traces.get(id)) ?? ((await traces.refresh()) > 0 ? await traces.get(id) : null),
    loadExperiment: (runId) => new ExperimentStore(storeDir()).withCases(runId),
    clientVersion: `codi-cli/${VERSION}`,
    client: 'cli',
    timeoutMs,
  });
}

/**
 * After explain / summarize / generate recorded `traceId` (the trace store still open): queues it and,
 * unless `deliver` is false (a cancelled run), delivers the outbox right away. Never throws and never
 * changes the command's exit code; prints one line to stderr. `scores`: the trace's rating or annotation
 * changed (`traces rate` / `traces annotate`): a sent trace gets a score update, one never queued is queued.
 */
export async function exportAfterRun(traces: TraceStore, traceId: string, deliver: boolean, change: 'trace' | 'scores' = 'trace'): Promise<void> {
  try {
    await withOutbox(traces, async (store) => {
      const state = change === 'scores' ? (await store.state(traceId)).state : 'off';
      if (state === 'off') await store.enqueue(traceId, Date.now());
      else if (state === 'sent') await store.enqueueScoreUpdate(traceId, Date.now());
    });
  } catch (err) {
    note(`Opik: trace not queued (${errText(err)}); run \`codi opik sync ${traceId}\` to export it.`);
    return;
  }
  const problem = configProblem();
  if (problem) {
    note(`Opik: queued, not sent: ${problem} Then run \`codi opik sync\`.`);
    return;
  }
  if (!deliver) {
    note('Opik: queued; run `codi opik sync` to send it.');
    return;
  }
  let out: { status: OpikStatus; sync: SyncResult | null };
  try {
    out = await withOutbox(traces, async (store) => {
      const worker = startExport(store, traces, AFTER_RUN_TIMEOUT_MS).worker;
      const sync = worker ? await worker.syncNow() : null;
      return { status: await exportStatus(store, traceId, worker), sync };
    }, DELIVER_LOCK_MS);
  } catch (err) {
    if (err instanceof OutboxBusyError) note(`Opik: queued; ${describeHolder(err.holder)} is delivering the outbox and sends it (\`codi opik status\` shows what is left).`);
    else note(`Opik: queued (${errText(err)}); run \`codi opik sync\` later.`);
    return;
  }
  const { status, sync } = out;
  const others = sync && sync.sent > 1 ? ` (and ${sync.sent - 1} earlier queued trace${sync.sent > 2 ? 's' : ''})` : '';
  if (status.state === 'sent') note(`Opik: sent${others} · ${status.url ?? 'link not available yet'}`);
  else if (status.state === 'failed') note(`Opik: refused for good: ${cliWording(status.lastError ?? 'unknown error')} (\`codi opik sync --retry-failed\` tries again)`);
  else note(`Opik: queued (${cliWording(status.lastError ?? sync?.lastError ?? 'not sent yet')}); run \`codi opik sync\` later`);
}

/**
 * After `codi eval` stored run `runId`: queues every case trace and the experiment, and (unless the run was
 * cancelled) delivers. Never throws; prints one line to stderr; returns the experiment's state for `--json`.
 */
export async function exportExperimentAfterRun(traceIds: readonly string[], runId: string, deliver: boolean): Promise<OpikStatus> {
  const queued = (why: string): OpikStatus => {
    note(`Opik: experiment queued, not sent: ${why}`);
    return { state: 'pending', url: null, lastError: why };
  };
  let traces: TraceStore;
  try {
    traces = await openStore();
  } catch (err) {
    note(`Opik: experiment not queued (${errText(err)}); run \`codi eval\` again with --opik to export it.`);
    return { state: 'off', url: null, lastError: errText(err) };
  }
  try {
    try {
      await withOutbox(traces, async (store) => {
        for (const id of traceIds) await store.enqueue(id, Date.now());
        await store.enqueueExperiment(runId, Date.now());
      });
    } catch (err) {
      note(`Opik: experiment not queued (${errText(err)}); run \`codi eval\` again with --opik to export it.`);
      return { state: 'off', url: null, lastError: errText(err) };
    }
    const problem = configProblem();
    if (problem) return queued(`${problem} Then run \`codi opik sync\`.`);
    if (!deliver) return queued('the run was cancelled; run `codi opik sync` to send it.');
    try {
      const status = await withOutbox(traces, async (store) => {
        const worker = startExport(store, traces, AFTER_RUN_TIMEOUT_MS).worker;
        const sync = worker ? await worker.syncNow() : null;
        const s = await experimentExportStatus(store, runId);
        return { ...s, lastError: s.lastError ?? sync?.lastError ?? null };
      }, DELIVER_LOCK_MS);
      if (status.state === 'sent') note(`Opik: experiment sent with its ${traceIds.length} trace(s) · ${status.url ?? ''}`);
      else note(`Opik: experiment ${status.state === 'failed' ? 'refused for good' : 'queued'} (${cliWording(status.lastError ?? 'not sent yet')}); run \`codi opik sync\` later`);
      return status;
    } catch (err) {
      return queued(`${errText(err)}; run \`codi opik sync\` later.`);
    }
  } finally {
    await traces.close();
  }
}

/** Export state of an experiment run for `eval show`, without the SDK; null when it was never queued. */
export async function opikExperimentStatusOf(traces: TraceStore, runId: string): Promise<OpikStatus | null> {
  try {
    const s = await withOutbox(traces, (store) => experimentExportStatus(store, runId));
    return s.state === 'off' ? null : s;
  } catch (err) {
    note(`codi: cannot read the Opik outbox in ${traces.dir}: ${errText(err)}`);
    return null;
  }
}

/** Export state of one trace for `traces show`, without the SDK: 'off' when it was never queued. */
export async function opikStatusOf(traces: TraceStore, traceId: string): Promise<OpikStatus> {
  try {
    return await withOutbox(traces, (store) => exportStatus(store, traceId));
  } catch (err) {
    note(`codi: cannot read the Opik outbox in ${traces.dir}: ${errText(err)}`);
    return OFF;
  }
}

/** The outbox's depth for `codi doctor` (read from the store's index: no lock, no SDK, nothing written). */
export async function outboxDepth(traces: TraceStore): Promise<OutboxDepth> {
  try {
    const store = traces.outbox();
    const failed = await store.failedEntries();
    return { pending: await store.pendingCount(), failed: failed.length, lastError: failed.at(-1)?.lastError ?? null };
  } catch (err) {
    return { pending: 0, failed: 0, lastError: `the Opik outbox in ${traces.dir} cannot be read: ${errText(err)}` };
  }
}

/** What `codi doctor` checks of Opik: on with --opik / CODI_OPIK=1, or when OPIK_URL_OVERRIDE or OPIK_API_KEY is set. */
export function opikDoctorInput(flag: boolean): { enabled: boolean; settings: Omit<OpikConfigInput, 'apiKey'>; apiKey: string | null } {
  const { apiKey, ...settings } = configInput();
  const enabled = opikRequested(flag) || Boolean(process.env.OPIK_URL_OVERRIDE?.trim() || process.env.OPIK_API_KEY?.trim());
  // The check loads the SDK, whose request timers can keep the process alive: main() exits explicitly.
  if (enabled) engaged = true;
  return { enabled, settings, apiKey: apiKey ?? null };
}

interface SyncOutput extends SyncResult {
  retried: number;
  dropped?: number;
  outbox: string;
}

function syncText(r: SyncOutput): string {
  const parts = [`sent ${r.sent}`, `failed ${r.failed}`, `pending ${r.pending}`, `permanently failed ${r.permanentlyFailed}`];
  if (r.scoresSent) parts.push(`score updates sent ${r.scoresSent}`);
  if (r.retried) parts.push(`re-queued ${r.retried}`);
  if (r.dropped) parts.push(`dropped ${r.dropped}`);
  return `Opik: ${parts.join(' · ')}`;
}

/** `codi opik status`: what waits and what Opik refused for good (with why), from the outbox only: no SDK, no network. */
async function status(rest: string[]): Promise<number> {
  const args = parseArgs(rest, []);
  checkFlags(args, ['json']);
  if (args.positionals.length) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
  const traces = await openStore();
  const out = await withOutbox(traces, async (store) => ({
    outbox: traces.dir,
    pending: await store.pendingCount(),
    nextAttemptAt: await store.nextAttemptAt(),
    failed: await store.failedEntries(),
    deliveredBy: await store.lease('cli').holder(),
  })).finally(() => traces.close());
  if (args.flags.has('json')) {
    print(JSON.stringify(out, null, 2));
  } else {
    const when = out.nextAttemptAt && out.nextAttemptAt > Date.now() ? ` (next attempt after ${new Date(out.nextAttemptAt).toISOString()})` : '';
    const lines = [`Opik outbox (trace store ${out.outbox}): ${out.pending} pending${when}, ${out.failed.length} refused for good.`];
    if (out.deliveredBy) lines.push(`Being delivered now by ${describeHolder(out.deliveredBy)}.`);
    for (const f of out.failed) lines.push(`  ${f.experiment ? 'experiment ' : ''}${f.traceId}  ${cliWording(f.lastError ?? 'refused')}`);
    if (out.failed.length) lines.push('`codi opik sync --retry-failed` tries them again; `codi opik sync --drop-failed` stops exporting them.');
    print(lines.join('\n'));
  }
  return out.pending === 0 && out.failed.length === 0 ? EXIT.ok : EXIT.model;
}

/** A Retry-After (or backoff) up to this long is waited out by `opik sync`; a longer one ends it with the time to come back. */
const MAX_RETRY_WAIT_MS = 60_000;
const MAX_SYNC_ROUNDS = 5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Delivers the outbox; when Opik asked to wait (429/503 with Retry-After) a short while, waits and goes on. */
async function syncHonouringRetryAfter(store: JournalOutboxStore, worker: NonNullable<OpikExport['worker']>): Promise<SyncResult> {
  let r = await worker.syncNow();
  for (let round = 1; r.pending > 0 && round < MAX_SYNC_ROUNDS && /HTTP (429|503)/.test(r.lastError ?? ''); round++) {
    const at = await store.nextAttemptAt();
    const wait = at === null ? 0 : at - Date.now();
    if (wait > MAX_RETRY_WAIT_MS) {
      note(`codi: Opik asked to wait until ${new Date(at!).toISOString()} (Retry-After); run \`codi opik sync\` again after that.`);
      break;
    }
    if (wait > 0) {
      note(`codi: Opik asked to wait ${Math.ceil(wait / 1000)} s (Retry-After); waiting…`);
      await sleep(wait);
    }
    r = await worker.syncNow();
  }
  return r;
}

/** `codi opik sync`: queues the given traces, delivers the outbox; exit 0 only when it is empty afterwards. */
export async function cmdOpik(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'status') return status(rest);
  if (sub !== 'sync') throw new UsageError(sub ? `unknown opik command "${sub}"` : 'opik needs a command: sync or status');
  const args = parseArgs(rest, ['wait']);
  checkFlags(args, ['json', 'retry-failed', 'drop-failed', 'wait']);
  if (args.flags.has('retry-failed') && args.flags.has('drop-failed')) throw new UsageError('--retry-failed and --drop-failed exclude each other');
  // How long to wait while VS Code (or another codi) is delivering the same outbox.
  const waitS = intFlag(args, 'wait', 0, 3600) ?? SYNC_LOCK_MS / 1000;
  const problem = configProblem();
  if (problem) {
    note(`codi: Opik export is not configured: ${problem}`);
    note('Set OPIK_URL_OVERRIDE (default: Opik cloud), OPIK_API_KEY and OPIK_WORKSPACE (cloud), OPIK_PROJECT_NAME (default CODI); see `codi --help`.');
    return configExitCode();
  }
  const traces = await openStore();
  let out: SyncOutput;
  try {
    const ids: string[] = [];
    for (const p of args.positionals) {
      const t = await traces.get(p);
      if (!t) {
        note(`codi: no trace with id ${p} in ${storeDir()}`);
        return EXIT.usage;
      }
      ids.push(t.id);
    }
    out = await withOutbox(traces, async (store) => {
      const dropped = args.flags.has('drop-failed') ? await store.dropFailed(Date.now()) : [];
      if (dropped.length) note(`codi: no longer exporting ${dropped.length} trace(s) Opik refused for good: ${dropped.join(', ')} (\`codi opik sync <id>\` queues one again).`);
      for (const id of ids) await store.enqueue(id, Date.now());
      const worker = startExport(store, traces, SYNC_TIMEOUT_MS).worker;
      if (!worker) throw new Error('Opik export could not start.');
      const retried = args.flags.has('retry-failed') ? await worker.retryFailed() : 0;
      return { ...(await syncHonouringRetryAfter(store, worker)), retried, ...(dropped.length ? { dropped: dropped.length } : {}), outbox: traces.dir };
    }, waitS * 1000);
  } catch (err) {
    if (!(err instanceof OutboxBusyError)) throw err;
    note(`codi: ${err.message}, which sends the queued traces itself; nothing is lost. Waited ${waitS} s for it to finish. \`codi opik status\` shows what is left; run \`codi opik sync\` again once it has finished${err.holder?.client === 'vscode' ? ' (or close that VS Code window to deliver from here)' : ''}.`);
    return EXIT.model;
  } finally {
    await traces.close();
  }
  print(args.flags.has('json') ? JSON.stringify(out, null, 2) : syncText(out));
  // A damaged outbox from which nothing could be recovered may have held traces: never "all done".
  const unrecovered = salvagedOutbox()?.recovered === 0;
  if (out.pending === 0 && out.permanentlyFailed === 0 && !unrecovered) return EXIT.ok;
  if (out.pending > 0) note(`codi: ${out.pending} item(s) still queued${out.lastError ? `: ${cliWording(out.lastError)}` : ''}. Run \`codi opik sync\` again once Opik is reachable.`);
  if (out.permanentlyFailed > 0) {
    note(`codi: ${out.permanentlyFailed} trace(s) were refused by Opik for good (rejected data, or older than the server's ingestion window); \`codi opik status\` lists them and why, \`codi opik sync --retry-failed\` tries them again, \`--drop-failed\` stops exporting them.`);
  }
  return EXIT.model;
}
