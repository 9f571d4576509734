import type { TraceRecord } from '../../shared/types';
import { answerSpan } from '../store/summary';

/**
 * Tags every trace gets by itself, so the Traces view, the dashboard and Opik can filter on them: the
 * pipeline, the code's language, the model that answered, `fallback` (a fallback model answered),
 * `cut-off` (an answer stopped at the output token limit) and `experiment:<name>`.
 */
export function autoTags(t: TraceRecord): string[] {
  const tags: string[] = [t.type];
  const m = t.metadata ?? {};
  const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);
  const language = str(m.language);
  if (language && language !== 'plaintext' && language !== 'text') tags.push(language);
  const model = answerSpan(t)?.model ?? str(m.model);
  if (model) tags.push(model);
  if (t.spans.some((s) => str(s.attributes?.fallbackFrom))) tags.push('fallback');
  if (t.spans.some((s) => s.attributes?.finishReason === 'MAX_TOKENS')) tags.push('cut-off');
  const experiment = str(m.experiment) ?? str((m.experiment as { name?: unknown } | undefined)?.name);
  if (experiment) tags.push(`experiment:${experiment}`);
  return tags;
}
