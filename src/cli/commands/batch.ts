import type { RunConfig } from '../../core/run/config';
import { runPipeline } from '../../core/run/registry';
import type { ErrorKind } from '../../shared/types';
import { cliContext, EXIT, exitCodeFor, openStore, print, readFileSlice, withInterrupt } from '../common';
import { fmtCost, fmtScore } from '../format';
import { codeInput } from '../run';
import type { CodiError } from '../../core/errors';
import { toCodiError } from '../../core/errors';

interface FileOutcome {
  file: string;
  traceId: string | null;
  ok: boolean;
  score: number | null;
  costUsd: number | null;
  error: { kind: ErrorKind; message: string } | null;
}

/**
 * `codi summarize a.ts b.ts src/**\/*.ts`: one summarize trace per file, a progress line each, Ctrl+C stops
 * before the next file, and at the end what succeeded and what failed, grouped by error kind. A batch is an
 * experiment without expectations.
 */
export async function summarizeBatch(files: string[], config: RunConfig, json: boolean): Promise<number> {
  const out: FileOutcome[] = [];
  const store = await openStore('run');
  let cancelled = false;
  try {
    await withInterrupt(async (signal) => {
      for (const [i, spec] of files.entries()) {
        if (signal.aborted) { cancelled = true; break; }
        let error: CodiError | null = null;
        let row: FileOutcome;
        try {
          const slice = await readFileSlice(spec);
          const r = await runPipeline('summarize', codeInput(slice), config, cliContext(store, signal, config));
          error = r.error;
          row = { file: slice.file, traceId: r.trace.id, ok: !r.error, score: r.judge?.score ?? null, costUsd: r.trace.costUsd, error: r.error ? { kind: r.error.kind, message: r.error.message } : null };
        } catch (e) {
          error = toCodiError(e);
          row = { file: spec, traceId: null, ok: false, score: null, costUsd: null, error: { kind: error.kind, message: error.message } };
        }
        if (error?.kind === 'cancelled') { cancelled = true; out.push(row); break; }
        out.push(row);
        if (!json) process.stderr.write(`[${i + 1}/${files.length}] ${row.file} ${row.ok ? `score ${fmtScore(row.score)} · ${fmtCost(row.costUsd)} · trace ${row.traceId}` : `FAILED (${row.error!.kind}): ${row.error!.message}`}\n`);
      }
    });
  } finally {
    await store.close();
  }
  const failed = out.filter((o) => !o.ok && o.error?.kind !== 'cancelled');
  const byError: Record<string, string[]> = {};
  for (const f of failed) (byError[f.error!.kind] ??= []).push(f.file);
  const succeeded = out.filter((o) => o.ok).length;
  if (json) print(JSON.stringify({ files: out, succeeded, failed: failed.length, notRun: files.length - out.length, cancelled, byError }, null, 2));
  else {
    const groups = Object.entries(byError).map(([k, fs]) => `  ${k} (${fs.length}): ${fs.join(', ')}`).join('\n');
    process.stderr.write(`\n${succeeded} of ${files.length} file(s) summarized${failed.length ? `, ${failed.length} failed:\n${groups}` : ''}${cancelled ? `\ncancelled: ${files.length - out.length} file(s) not run` : ''}\n`);
  }
  if (cancelled) return EXIT.cancelled;
  if (!failed.length) return EXIT.ok;
  // The most frequent failure decides the exit code (documented codes: 2 input, 3 key, 4 model).
  const top = Object.entries(byError).sort((a, b) => b[1].length - a[1].length)[0]![0] as ErrorKind;
  return exitCodeFor(top);
}
