/**
 * The CLI's live OTLP push: with CODI_OTLP_ENDPOINT set (e.g. http://localhost:4318), explain / summarize /
 * generate queue the saved trace in the store's OTLP outbox and send everything queued right away. When
 * the receiver is down the traces stay queued in the store and the next command sends them; one line on
 * stderr says which. When VS Code (or another codi) holds the store's OTLP delivery lease for longer than
 * DELIVER_LEASE_MS, the trace is left to it. Never changes the command's exit code.
 */
import { OtlpPusher } from '../core/export/otlpPush';
import { defaultRedactor } from '../core/redact/redact';
import type { TraceStore } from '../core/store/traceStore';
import { describeHolder } from '../core/delivery/lease';
import { VERSION } from './common';

/** How long to wait for another process's delivery pass before leaving the trace to it. */
const DELIVER_LEASE_MS = 5_000;

const note = (s: string) => process.stderr.write(`codi: ${s}\n`);

/** The receiver from CODI_OTLP_ENDPOINT, or null when the push is off. */
export function otlpEndpoint(): string | null {
  return process.env.CODI_OTLP_ENDPOINT?.trim() || null;
}

/** After a run recorded `traceId`: queue it and (unless `deliver` is false) deliver the OTLP outbox. */
export async function pushAfterRun(store: TraceStore, traceId: string, deliver: boolean): Promise<void> {
  const endpoint = otlpEndpoint();
  if (!endpoint) return;
  let pusher: OtlpPusher;
  try {
    pusher = new OtlpPusher({ endpoint, store: store.outbox('otlp'), loadTrace: (id) => store.get(id), otlp: { redactor: defaultRedactor, version: VERSION, client: 'cli' }, timeoutMs: 5000 });
  } catch (e) {
    note(`OTLP: not sent: CODI_OTLP_ENDPOINT ${e instanceof Error ? e.message : String(e)} Set it to a receiver's base URL, e.g. http://localhost:4318.`);
    return;
  }
  try {
    await pusher.enqueue(traceId);
    if (!deliver) {
      note('OTLP: queued; the next command sends it.');
      return;
    }
    const r = await pusher.syncNow(DELIVER_LEASE_MS);
    if (r.deliveredBy !== undefined) note(`OTLP: queued; ${describeHolder(r.deliveredBy)} is delivering the OTLP outbox and sends it.`);
    else if (r.lastError) note(`OTLP: ${r.pending} trace(s) queued, not sent: ${r.lastError.replace('clear the OTLP endpoint setting', 'unset CODI_OTLP_ENDPOINT')} The next command with CODI_OTLP_ENDPOINT sends them.`);
    else if (r.sent) note(`OTLP: sent ${r.sent} trace(s) to ${pusher.endpoint}${r.failed ? ` (${r.failed} refused by the receiver)` : ''}`);
  } catch (e) {
    note(`OTLP: not sent (${e instanceof Error ? e.message : String(e)}); the trace stays in the store, \`codi traces export --format otlp\` writes it to a file.`);
  }
}
