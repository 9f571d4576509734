/** Display formats shared by both panels. Pure functions: no DOM. */

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** "850 ms", "1.2 s", "12 s", "2m 05s". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  const totalSeconds = Math.round(ms / 1000);
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  if (minutes < 60) return `${minutes}m ${String(seconds).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** "1,234". */
export function formatTokens(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return integer.format(n);
}

/** "1.2k" for tight table cells; exact below 10,000. */
export function formatTokensShort(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  if (Math.abs(n) < 10_000) return integer.format(n);
  if (Math.abs(n) < 1_000_000) return `${(n / 1000).toFixed(1)}k`;
  return `${(n / 1_000_000).toFixed(2)}M`;
}

/**
 * "$0.0012", "$0.043", "$1.27". Model calls cost fractions of a cent, so small amounts keep two significant
 * digits instead of rounding to "$0.00".
 */
export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return '—';
  if (usd === 0) return '$0';
  const abs = Math.abs(usd);
  let text: string;
  if (abs >= 1) text = abs.toFixed(2);
  else if (abs >= 0.01) text = abs.toFixed(4).replace(/0+$/, '').replace(/\.$/, '');
  else {
    const rounded = Number(abs.toPrecision(2));
    text = rounded.toFixed(Math.min(10, 1 - Math.floor(Math.log10(rounded))));
  }
  return `${usd < 0 ? '-' : ''}$${text}`;
}

/** "0.86". */
export function formatScore(score: number | null | undefined): string {
  if (score === null || score === undefined || !Number.isFinite(score)) return '—';
  return score.toFixed(2);
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** "2025-11-22 18:16:05", local time. */
export function formatAbsoluteTime(epochMs: number | null | undefined): string {
  if (epochMs === null || epochMs === undefined || !Number.isFinite(epochMs)) return '—';
  const d = new Date(epochMs);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** "just now", "5 min ago", "3 h ago", "yesterday", "4 days ago", then the date. */
export function formatRelativeTime(epochMs: number | null | undefined, now: number = Date.now()): string {
  if (epochMs === null || epochMs === undefined || !Number.isFinite(epochMs)) return '—';
  const seconds = Math.round((now - epochMs) / 1000);
  if (seconds < 0) return formatAbsoluteTime(epochMs);
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days === 1) return 'yesterday';
  if (days < 7) return `${days} days ago`;
  return formatAbsoluteTime(epochMs).slice(0, 10);
}

/** Pretty JSON for payloads; strings stay as they are. */
export function formatPayload(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}
