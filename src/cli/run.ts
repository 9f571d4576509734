import { nextStepFor } from '../core/errors';
import type { CodiError } from '../core/errors';
import type { TraceStore } from '../core/store/traceStore';
import { languageOf } from './args';
import type { FileSlice } from './common';
import { EXIT, exitCodeFor } from './common';
import { exportAfterRun } from './opik';

const withNewline = (s: string): string => (s ? `${s}\n` : '');

/**
 * The end of every model command: the failure (if any) with its next step, the exit code, and, with
 * --opik, the export of the saved trace (outside the interrupt scope: Ctrl+C there ends the process and
 * the trace stays queued). An export problem never changes the exit code.
 */
export async function finishRun(store: TraceStore, traceId: string, error: CodiError | null, opik: boolean): Promise<number> {
  if (error) process.stderr.write(`\ncodi: ${error.message}\n${withNewline(nextStepFor(error.kind))}(trace ${traceId} recorded)\n`);
  const exit = error ? exitCodeFor(error.kind) : EXIT.ok;
  if (opik) await exportAfterRun(store, traceId, exit !== EXIT.cancelled);
  return exit;
}

/** A file slice as the input of explain and summarize. */
export function codeInput(slice: FileSlice): { code: string; language: string; file: string; startLine: number; endLine: number } {
  return { code: slice.code, language: languageOf(slice.abs), file: slice.file, startLine: slice.start, endLine: slice.end };
}
