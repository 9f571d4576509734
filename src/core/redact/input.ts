import { createRedactor } from './redact';
import type { Redaction, Redactor } from './redact';

/** `codi.redact.beforeModel` and the user's patterns; absent means on with the built-in rules. */
export interface RedactPolicy {
  enabled: boolean;
  patterns?: readonly string[];
}

/** What redaction did to one run's input; recorded in trace metadata and shown in the result panel. */
export interface InputRedaction {
  enabled: boolean;
  count: number;
  kinds: Record<string, number>;
}

const cache = new Map<string, Redactor>();
function redactorFor(patterns: readonly string[]): Redactor {
  const key = JSON.stringify(patterns);
  let r = cache.get(key);
  if (!r) {
    if (cache.size > 20) cache.clear();
    cache.set(key, (r = createRedactor(patterns)));
  }
  return r;
}

/**
 * The trust boundary on the way to the model: replaces secrets in the texts a run will send (the code, a
 * generate request, the surrounding file) before the trace records them or any prompt is rendered, so neither
 * the model nor the store nor an exporter ever sees them. Same redactor as the Opik export.
 */
export function redactForModel<K extends string>(texts: Record<K, string>, policy: RedactPolicy | null | undefined): { texts: Record<K, string>; redaction: InputRedaction } {
  if (policy && !policy.enabled) return { texts, redaction: { enabled: false, count: 0, kinds: {} } };
  const r = redactorFor(policy?.patterns ?? []);
  const out = {} as Record<K, string>;
  const redaction: InputRedaction = { enabled: true, count: 0, kinds: {} };
  for (const k of Object.keys(texts) as K[]) {
    const one: Redaction = r.redact(texts[k]);
    out[k] = one.text;
    redaction.count += one.count;
    for (const [kind, n] of Object.entries(one.kinds)) redaction.kinds[kind] = (redaction.kinds[kind] ?? 0) + n;
  }
  return { texts: out, redaction };
}

/** Trace metadata for a run's redaction (the same keys for every pipeline). */
export function redactionMetadata(r: InputRedaction): Record<string, unknown> {
  return r.enabled ? { redactions: r.count, redactedKinds: r.kinds } : { redactions: null, redaction: 'off' };
}
