/**
 * Richer default answers for the stand-in, so `npm run start:demo`, the e2e screenshots and ad-hoc CLI
 * runs look like real use: code for a code-generation prompt, and Chain-of-Density steps that really get
 * denser (built from identifiers found in the request's code). Tests that need exact values script them.
 */
import type { WireRequestBody } from './geminiWire';

const textOf = (c: WireRequestBody['systemInstruction']): string => (c?.parts ?? []).map((p) => p.text ?? '').join('\n');

/** Identifiers from the code in a prompt, most specific first (declarations, then calls), deduplicated. */
export function identifiersIn(raw: string, max = 12): string[] {
  // Comments hold prose ("above (…)"), not identifiers.
  const text = raw.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/(^|\s)(\/\/|#)[^\n]*/g, ' ');
  const found: string[] = [];
  const add = (s: string | undefined) => s && s.length > 2 && !found.includes(s) && !COMMON.has(s) && found.push(s);
  for (const m of text.matchAll(/\b(?:class|function|def|interface|type|const|let)\s+([A-Za-z_$][\w$]*)/g)) add(m[1]);
  for (const m of text.matchAll(/\b([A-Za-z_$][\w$]*)\s*\(/g)) add(m[1]);
  for (const m of text.matchAll(/\bthis\.([A-Za-z_$][\w$]*)/g)) add(m[1]);
  return found.slice(0, max);
}
const COMMON = new Set(['if', 'for', 'while', 'switch', 'return', 'catch', 'function', 'constructor', 'new', 'typeof', 'super', 'print', 'len', 'range']);

/** A fenced code block answering a generate prompt ("Answer with exactly one fenced code block tagged `ts`"). */
export function codeAnswer(body: WireRequestBody, request: string): string | null {
  const fence = /exactly one fenced code block tagged `([^`]*)`/.exec(textOf(body.systemInstruction))?.[1];
  if (fence === undefined) return null;
  const ask = /## Request\s*\n([\s\S]*?)\n## /.exec(request)?.[1]?.trim().split('\n')[0] ?? 'generated helper';
  const name = (/\b(?:function|named?|called)\s+`?([A-Za-z_]\w*)/.exec(ask)?.[1] ?? 'clampValue').replace(/^\w/, (c) => c.toLowerCase());
  if (fence === 'python' || fence === 'py') {
    return ['```python', `def ${name}(value: float, low: float, high: float) -> float:`, `    """${ask}"""`, '    if low > high:', '        raise ValueError("low must not exceed high")', '    return max(low, min(high, value))', '```'].join('\n');
  }
  if (['ts', 'typescript', 'tsx', 'js', 'javascript', 'jsx'].includes(fence)) {
    const typed = fence.startsWith('t');
    const sig = typed ? `${name}(value: number, low: number, high: number): number` : `${name}(value, low, high)`;
    return ['```' + fence, `/** ${ask.replace(/\*\//g, '')} */`, `export function ${sig} {`, '  if (low > high) throw new RangeError(`low (${low}) must not exceed high (${high})`);', '  return Math.min(high, Math.max(low, value));', '}', '```'].join('\n');
  }
  return ['```' + fence, `// ${ask}`, '```'].join('\n');
}

/** Chain-of-Density steps that add 1–3 identifiers each while keeping the length. */
export function codSteps(request: string, count: number, words: number): Array<{ missingEntities: string[]; denserSummary: string }> {
  const ids = identifiersIn(request);
  const pool = ids.length ? ids : ['input', 'result', 'helper'];
  const steps: Array<{ missingEntities: string[]; denserSummary: string }> = [];
  const known: string[] = [];
  for (let i = 0; i < count; i++) {
    const added = pool.slice(known.length, known.length + (i === 0 ? 1 : 2)).filter(Boolean);
    known.push(...added);
    const core = known.map((k) => `\`${k}\``).join(', ');
    const filler = 'This code deals with a component that manages its data and exposes a few operations to its callers, handling the usual cases along the way'.split(' ');
    const lead = i === 0 ? `This code deals with ${core}.` : `Covers ${core}; each step compresses the prose to keep the same length.`;
    const pad = Math.max(0, words - lead.split(' ').length - known.length * 2);
    steps.push({ missingEntities: added, denserSummary: `${lead} ${filler.slice(0, Math.max(0, Math.min(filler.length, pad - i * 4))).join(' ')}`.trim() });
  }
  return steps;
}

/** The schema of a Chain-of-Density answer: an object with a `steps` array of {missingEntities, denserSummary}. */
export function isCodSchema(schema: unknown): schema is { properties: { steps: { minItems?: number } } } {
  const props = (schema as { properties?: Record<string, { items?: { properties?: Record<string, unknown> } }> } | null)?.properties;
  return !!props?.steps?.items?.properties && 'denserSummary' in props.steps.items.properties;
}

/** A per-step judge schema: `steps` items carrying `step`, `criteria`, `score`. */
export function isStepJudgeSchema(schema: unknown): boolean {
  const items = (schema as { properties?: { steps?: { items?: { properties?: Record<string, unknown> } } } } | null)?.properties?.steps?.items?.properties;
  return !!items && 'step' in items && 'criteria' in items && 'score' in items;
}

/** Grades that rise with density and drop when the last steps get too dense, as judges tend to grade CoD. */
export function gradeSteps<T extends { step?: number; score?: number; criteria?: Record<string, { score?: number }> }>(value: { steps: T[] }): { steps: T[] } {
  const curve = [0.58, 0.72, 0.91, 0.8, 0.66, 0.61, 0.57, 0.55];
  return {
    steps: value.steps.map((s, i) => {
      const score = curve[i] ?? 0.55;
      const criteria = Object.fromEntries(Object.entries(s.criteria ?? {}).map(([name, c], k) => [name, { ...c, score: Math.max(0, Math.min(1, score + (k % 2 ? 0.04 : -0.03))) }]));
      return { ...s, step: i + 1, score, criteria };
    }),
  };
}
