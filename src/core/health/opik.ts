/**
 * The Opik lines of the status report: export on or off; when on, the configuration, Opik reachable and
 * the key accepted (one `projects/retrieve`, which also names the project), and the outbox (depth, refused
 * traces, last delivery error).
 */
import type { Surface } from '../errors';
import type { OpikConfig, OpikConfigInput } from '../opik/config';
import { OpikConfigError, resolveOpikConfig } from '../opik/config';
import type { OpikTransport } from '../opik/transport';
import { OpikRequestError } from '../opik/transport';
import type { HealthCheck } from './types';
import { check } from './types';

export interface OutboxDepth {
  /** Traces (and score updates) still to deliver. */
  pending: number;
  /** Traces Opik refused for good. */
  failed: number;
  /** The last delivery error not yet followed by a success, when known. */
  lastError: string | null;
}

export interface OpikHealthInput {
  enabled: boolean;
  settings: Omit<OpikConfigInput, 'apiKey'>;
  apiKey: string | null;
  surface: Surface;
  /** The outbox as it stands; null when it cannot be read (or does not exist yet). */
  outbox: OutboxDepth | null;
  /** false: Opik is not contacted (the configuration and the outbox are still looked at); default true. */
  probe?: boolean;
  /** Replaces the SDK transport (tests); default: the SDK's REST client with a 10 s limit. */
  connect?: (config: OpikConfig) => Promise<OpikTransport>;
}

const LABEL = 'Opik';
const OUTBOX = 'Opik outbox';

const words = (surface: Surface) =>
  surface === 'editor'
    ? { enable: 'Run "CODI: Enable Opik Export" to send traces to Opik (cloud or self-hosted).', key: 'Set the key with "CODI: Set Opik API Key", and check codi.opik.workspace.', url: 'Check codi.opik.url (Opik cloud: https://www.comet.com/opik/api; self-hosted: http://localhost:5173/api) and that Opik is running.', sync: 'Run "CODI: Sync to Opik Now"; the log has each failure.' }
    : { enable: 'Pass --opik or set CODI_OPIK=1 (with OPIK_API_KEY and OPIK_WORKSPACE for Opik cloud).', key: 'Set OPIK_API_KEY to a valid key, and check OPIK_WORKSPACE.', url: 'Check OPIK_URL_OVERRIDE (Opik cloud: https://www.comet.com/opik/api; self-hosted: http://localhost:5173/api) and that Opik is running.', sync: 'Run `codi opik sync` (`codi opik status` lists refused traces and why).' };

async function defaultConnect(config: OpikConfig): Promise<OpikTransport> {
  return (await import('../opik/client')).createSdkTransport(config, { timeoutMs: 10_000 });
}

/** Runs the Opik checks; never throws. */
export async function checkOpik(input: OpikHealthInput): Promise<HealthCheck[]> {
  const w = words(input.surface);
  const out = input.outbox;
  if (!input.enabled) {
    const waiting = out && out.pending > 0 ? [check('opik-outbox', OUTBOX, 'warn', `${out.pending} trace(s) wait in the outbox, but export is off.`, { id: 'enable-opik', text: w.enable })] : [];
    return [check('opik', LABEL, 'ok', 'Export off (traces stay on this machine).', { id: 'enable-opik', text: w.enable }), ...waiting];
  }
  let config: OpikConfig;
  try {
    config = resolveOpikConfig({ ...input.settings, apiKey: input.apiKey });
  } catch (err) {
    if (!(err instanceof OpikConfigError)) throw err;
    return [check('opik', LABEL, 'error', err.message, { id: /API key/.test(err.message) ? 'set-opik-key' : 'opik-settings', text: /API key/.test(err.message) ? w.key : w.url })];
  }
  const line = input.probe === false
    ? check('opik', LABEL, 'ok', `On: ${config.url}, workspace "${config.workspace}", project "${config.project}" (not contacted yet).`)
    : await reach(config, input, w);
  return [line, outboxLine(out, w)];
}

async function reach(config: OpikConfig, input: OpikHealthInput, w: ReturnType<typeof words>): Promise<HealthCheck> {
  try {
    const transport = await (input.connect ?? defaultConnect)(config);
    const project = await transport.retrieveProject(config.project);
    const keyNote = config.apiKey ? 'key accepted' : 'no key (self-hosted)';
    return check('opik', LABEL, 'ok', project
      ? `${config.url} answers, ${keyNote}, workspace "${config.workspace}", project "${project.name}".`
      : `${config.url} answers, ${keyNote}, workspace "${config.workspace}"; project "${config.project}" is created by the first exported trace.`);
  } catch (err) {
    if (err instanceof OpikConfigError) return check('opik', LABEL, 'error', err.message, { id: 'opik-settings', text: w.url });
    const e = err instanceof OpikRequestError ? err : null;
    if (e && (e.status === 401 || e.status === 403)) {
      return check('opik', LABEL, 'error', `Opik at ${config.url} refused the API key or workspace "${config.workspace}" (${e.message}).`, { id: 'set-opik-key', text: w.key });
    }
    const why = e ? e.message : err instanceof Error ? err.message : String(err);
    const what = e && e.status !== null ? `Opik at ${config.url} failed: ${why}.` : `Opik cannot be reached at ${config.url}: ${why}.`;
    return check('opik', LABEL, 'error', what, { id: 'opik-settings', text: w.url });
  }
}

function outboxLine(out: OutboxDepth | null, w: ReturnType<typeof words>): HealthCheck {
  if (!out) return check('opik-outbox', OUTBOX, 'ok', 'Empty.');
  const parts = [`${out.pending} pending`, `${out.failed} refused for good`];
  const last = out.lastError ? ` Last error: ${out.lastError}` : '';
  if (out.failed > 0 || (out.pending > 0 && out.lastError)) return check('opik-outbox', OUTBOX, 'warn', `${parts.join(', ')}.${last}`, { id: 'sync-opik', text: w.sync });
  return check('opik-outbox', OUTBOX, 'ok', out.pending ? `${parts[0]} (being delivered).` : 'Empty: every trace was delivered.');
}
