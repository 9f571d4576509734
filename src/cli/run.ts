import type { CodiError } from '../core/errors';
import type { TraceStore } from '../core/store/traceStore';
import { languageOf } from './args';
import type { FileSlice } from './common';
import { EXIT, exitCodeFor } from './common';
import { hurried, outputClosed } from './interrupt';
import { exportAfterRun } from './opik';
import { pushAfterRun } from './otlp';
import { cliNextStep } from './runFlags';
import { compactIfPiledUp, unsavedTrace } from './storeAccess';

/**
 * The end of every model command: the failure (if any) with its next step, the exit code, and, with
 * --opik, the export of the saved trace (outside the interrupt scope: Ctrl+C there ends the process and
 * the trace stays queued), and with CODI_OTLP_ENDPOINT its OTLP push. An export problem never changes the exit code.
 */
export async function finishRun(store: TraceStore, traceId: string, error: CodiError | null, opik: boolean): Promise<number> {
  const unsaved = unsavedTrace(traceId);
  if (outputClosed()) return unsaved ? EXIT.store : EXIT.outputClosed; // `| head`: quiet, the trace is saved
  if (error) process.stderr.write(`\ncodi: ${error.message}\n${cliNextStep(error)}\n${unsaved ? '' : `(trace ${traceId} recorded)\n`}`);
  // A trace that could not be saved is said last, with its own exit code: no answer was lost, its record was.
  if (unsaved) {
    process.stderr.write(`\ncodi: ${unsaved.message}\n${unsaved.next}\n`);
    return EXIT.store;
  }
  const exit = error ? exitCodeFor(error.kind) : EXIT.ok;
  if (opik && !hurried()) await exportAfterRun(store, traceId, exit !== EXIT.cancelled);
  if (!hurried()) await pushAfterRun(store, traceId, exit !== EXIT.cancelled);
  if (!hurried()) await compactIfPiledUp(store);
  return exit;
}

/** A file slice as the input of explain and summarize. */
export function codeInput(slice: FileSlice): { code: string; language: string; file: string; startLine: number; endLine: number } {
  return { code: slice.code, language: languageOf(slice.abs), file: slice.file, startLine: slice.start, endLine: slice.end };
}
