import { CodiError } from './errors';
import type { PriceTable } from './gemini/pricing';
import { costOf } from './gemini/pricing';
import type { AggregateOptions, DayAggregate } from './store/queries';

/**
 * The daily budget (`codi.budget.dailyUsd`, `CODI_DAILY_BUDGET_USD`, `--max-cost`). Before each model call,
 * today's spend (traces in the store since local midnight, plus this run's calls so far) plus the call's estimate
 * (prompt tokens from countTokens, output at `maxOutputTokens`) is compared with the limit: at 80% the front end
 * warns (once a day), at 100% the call is not made unless the front end says "run anyway".
 */
export interface BudgetPolicy {
  /** USD per local day; 0 or less: no limit (nothing is counted, no countTokens call). */
  dailyUsd: number;
  /** Today's spend recorded in the store (USD). */
  spentToday: () => Promise<number>;
  /** Output tokens assumed for the estimate (default 8,192). */
  maxOutputTokens?: number;
  /** At 80% of the budget (once per guard). */
  onWarn?: (c: BudgetCheck) => void;
  /** At 100%: resolve true to make the call anyway. Absent: refuse. */
  onExceed?: (c: BudgetCheck) => Promise<boolean>;
}

export interface BudgetCheck {
  state: 'ok' | 'warn' | 'over';
  spentUsd: number;
  estimateUsd: number;
  limitUsd: number;
}

export const BUDGET_WARN_AT = 0.8;
export const DEFAULT_ESTIMATE_OUTPUT_TOKENS = 8192;

/** Pure decision: today's spend plus the estimate against the limit. */
export function checkBudget(spentUsd: number, estimateUsd: number, limitUsd: number): BudgetCheck {
  const total = spentUsd + estimateUsd;
  const state = limitUsd <= 0 ? 'ok' : total > limitUsd ? 'over' : total >= BUDGET_WARN_AT * limitUsd ? 'warn' : 'ok';
  return { state, spentUsd, estimateUsd, limitUsd };
}

export const usd = (v: number): string => `$${v < 0.01 && v > 0 ? v.toFixed(4) : v.toFixed(2)}`;

/** The message for a refused call: names the budget and today's spend, and the way out. */
export function budgetMessage(c: BudgetCheck): string {
  return `Daily budget reached: today's spend is ${usd(c.spentUsd)} of ${usd(c.limitUsd)}, and this call may cost up to ${usd(c.estimateUsd)}. ` +
    'Raise codi.budget.dailyUsd (CLI: CODI_DAILY_BUDGET_USD or --max-cost), or run anyway.';
}

/** What a pipeline's model calls go through; one per run (it adds the run's own calls to today's spend). */
export interface BudgetGuard {
  /** Before a call: throws a `budget` CodiError when over (and not overridden). Returns the check (null when off). */
  beforeCall(req: { model: string; text: string; count: (text: string) => Promise<number> }): Promise<BudgetCheck | null>;
  /** After a call: its cost, so later calls of the same run count it before the trace is saved. */
  spent(costUsd: number | null): void;
}

export function createBudgetGuard(policy: BudgetPolicy, prices: PriceTable): BudgetGuard {
  let base: Promise<number> | null = null;
  let run = 0;
  let warned = false;
  let allowed = false;
  return {
    async beforeCall({ model, text, count }) {
      if (!(policy.dailyUsd > 0)) return null;
      base ??= policy.spentToday();
      const tokens = await count(text).catch(() => Math.ceil(text.length / 4));
      const estimate = costOf(model, { promptTokens: tokens, outputTokens: policy.maxOutputTokens ?? DEFAULT_ESTIMATE_OUTPUT_TOKENS, thinkingTokens: 0, totalTokens: 0 }, prices) ?? 0;
      const c = checkBudget((await base) + run, estimate, policy.dailyUsd);
      if (c.state === 'over' && !allowed) {
        allowed = (await policy.onExceed?.(c)) === true;
        if (!allowed) throw new CodiError('budget', budgetMessage(c));
      }
      if (c.state === 'warn' && !warned) {
        warned = true;
        policy.onWarn?.(c);
      }
      return c;
    },
    spent(costUsd) {
      if (typeof costUsd === 'number' && Number.isFinite(costUsd)) run += costUsd;
    },
  };
}

/** Start of the local day containing `now` (epoch ms). */
export function startOfLocalDay(now: number): number {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** Today's spend (since local midnight) from the store's index. */
export function spentTodayIn(store: { aggregates(o: AggregateOptions): DayAggregate[] }, now = Date.now()): number {
  return store.aggregates({ from: startOfLocalDay(now), to: now + 1 }).reduce((sum, d) => sum + d.costUsd, 0);
}
