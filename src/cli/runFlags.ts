/**
 * Options every model command (explain, summarize, generate) shares and that are read here, once:
 * `--timeout <seconds>` (or CODI_TIMEOUT_SECONDS) bounds each model call, retries included, and `--yes`
 * answers the question asked before a large fan-out of paid calls (for scripts). Also the strict
 * reading of integer settings from the environment.
 */
import type { ErrorKind } from '../shared/types';
import { nextStepFor } from '../core/errors';
import { UsageError } from './args';

/** The default limit of one model call, retries included (was 4 attempts × 120 s = 488 s on a hanging endpoint). */
export const DEFAULT_TIMEOUT_SECONDS = 120;

const settings = { timeoutSeconds: null as number | null, yes: false };

/** A decimal integer, nothing else (no "0x3", "3e0", " 3", "3.0"). */
export function strictInt(v: string): number | null {
  return /^[0-9]+$/.test(v) ? Number(v) : null;
}

/** An integer environment variable within [min, max], or undefined when unset; a bad value is a usage error naming it. */
export function envInt(name: string, min: number, max: number): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = strictInt(v);
  if (n === null || n < min || n > max) throw new UsageError(`${name} must be an integer from ${min} to ${max} (it is "${v}")`);
  return n;
}

/** Takes `--timeout N` / `--timeout=N` and `--yes` out of a model command's arguments. */
export function takeRunFlags(argv: string[]): string[] {
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (a === '--yes') {
      settings.yes = true;
      continue;
    }
    if (a === '--timeout' || a.startsWith('--timeout=')) {
      const v = a === '--timeout' ? argv[++i] : a.slice('--timeout='.length);
      const n = v === undefined ? null : strictInt(v);
      if (n === null || n < 1 || n > 3600) throw new UsageError('--timeout must be an integer number of seconds from 1 to 3600');
      settings.timeoutSeconds = n;
      continue;
    }
    rest.push(a);
  }
  return rest;
}

/** Seconds one model call may take, retries included: --timeout, else CODI_TIMEOUT_SECONDS, else 120. */
export function timeoutSeconds(): number {
  return settings.timeoutSeconds ?? envInt('CODI_TIMEOUT_SECONDS', 1, 3600) ?? DEFAULT_TIMEOUT_SECONDS;
}

/** Whether --yes was given (or CODI_YES=1). */
export function assumeYes(): boolean {
  return settings.yes || process.env.CODI_YES === '1';
}

/** The next step for an error, in the CLI's own terms (its flags and variables, not the editor's settings). */
export function cliNextStep(err: { kind: ErrorKind; nextStep?: string }): string {
  const kind = err.kind;
  if (err.nextStep) return err.nextStep;
  if (kind === 'timeout') return 'The model did not answer in time. Retry, or allow more time with --timeout <seconds> (or CODI_TIMEOUT_SECONDS; default 120).';
  if (kind === 'bad-input') return 'See `codi --help` for what each command takes.';
  return nextStepFor(kind);
}
