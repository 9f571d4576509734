import type { Usage } from '../../shared/types';

/** USD per million tokens. Thinking tokens are billed as output. */
export interface ModelPrice {
  inputPerMillion: number;
  outputPerMillion: number;
}

export type PriceTable = Record<string, ModelPrice>;

/**
 * Google's list prices (standard tier, prompts up to 200k tokens), as shipped with this version.
 * Users override or extend them with the `codi.pricing` setting.
 */
export const SHIPPED_PRICES: PriceTable = {
  'gemini-2.5-pro': { inputPerMillion: 1.25, outputPerMillion: 10 },
  'gemini-2.5-flash': { inputPerMillion: 0.3, outputPerMillion: 2.5 },
  'gemini-2.5-flash-lite': { inputPerMillion: 0.1, outputPerMillion: 0.4 },
  'gemini-2.0-flash': { inputPerMillion: 0.1, outputPerMillion: 0.4 },
  'gemini-2.0-flash-lite': { inputPerMillion: 0.075, outputPerMillion: 0.3 },
  'gemini-3-pro-preview': { inputPerMillion: 2, outputPerMillion: 12 },
  'gemini-3-flash-preview': { inputPerMillion: 0.5, outputPerMillion: 3 },
};

/** Finds the price for a model id, accepting `models/` prefixes and dated or `-latest` suffixes. */
export function priceFor(model: string, table: PriceTable): ModelPrice | null {
  const id = model.replace(/^models\//, '');
  if (table[id]) return table[id];
  // Longest known id that prefixes this one: "gemini-2.5-flash-preview-05-20" → "gemini-2.5-flash".
  let best: string | null = null;
  for (const k of Object.keys(table)) if (id.startsWith(k) && (!best || k.length > best.length)) best = k;
  return best ? table[best]! : null;
}

/** Cost in USD, or null when the model has no known price (shown as "—", never as 0). */
export function costOf(model: string, usage: Usage, table: PriceTable): number | null {
  const p = priceFor(model, table);
  if (!p) return null;
  const out = usage.outputTokens + usage.thinkingTokens;
  return (usage.promptTokens * p.inputPerMillion + out * p.outputPerMillion) / 1_000_000;
}

export function mergePrices(overrides: Record<string, Partial<ModelPrice>> | undefined): PriceTable {
  const t: PriceTable = { ...SHIPPED_PRICES };
  for (const [k, v] of Object.entries(overrides ?? {})) {
    const base = t[k];
    const inputPerMillion = typeof v.inputPerMillion === 'number' ? v.inputPerMillion : base?.inputPerMillion;
    const outputPerMillion = typeof v.outputPerMillion === 'number' ? v.outputPerMillion : base?.outputPerMillion;
    if (inputPerMillion !== undefined && outputPerMillion !== undefined) t[k] = { inputPerMillion, outputPerMillion };
  }
  return t;
}
